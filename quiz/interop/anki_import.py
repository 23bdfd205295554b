"""`quiz anki import`: the cards of an Anki package as a quiz deck of flip cards.

Each Anki card (not note: a reversed note has two cards, a cloze note one per deletion) becomes a
flip card whose prompt and answer are the sides Anki renders, in Markdown. Ids come from the note
GUID under the deck format's slug rule, made unique; sibling cards share a `group` so they are not
shown on the same day (Anki buries siblings for the same reason). Media the cards use are copied
into a folder beside the deck. The written deck is loaded back and must be valid.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from quiz.deck.fields import SLUG_MAX
from quiz.deck.loader import load_deck
from quiz.errors import QuizError
from quiz.interop.anki_read import AnkiCard, AnkiPackage, Unconverted
from quiz.interop.htmlmd import html_to_markdown

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_BASE_MAX = SLUG_MAX - 12  # room for a "-c12" or "-card-2" suffix and a "-99" dedup suffix


def slugify(text: str, limit: int = SLUG_MAX) -> str:
    """`text` under the deck format's slug rule (a-z, 0-9, single dashes); '' if none is left."""
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")
    return slug[:limit].rstrip("-")


@dataclass(frozen=True)
class ImportedCard:
    card_id: str
    anki: AnkiCard
    prompt: str
    answer: str
    tags: tuple[str, ...]
    group: str | None


@dataclass
class DeckImport:
    deck_id: str
    title: str
    cards: list[ImportedCard] = field(default_factory=list)
    unconverted: list[Unconverted] = field(default_factory=list)
    lossy: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)  # files copied
    missing_media: list[str] = field(default_factory=list)


def _base_id(card: AnkiCard) -> str:
    return slugify(card.guid, _BASE_MAX) or f"note-{card.note_id}"


def _suffix(card: AnkiCard) -> str:
    if card.ord == 0:
        return ""
    return f"-c{card.ord + 1}" if card.cloze else f"-card-{card.ord + 1}"


def _unique(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    taken.add(candidate)
    return candidate


def convert(package: AnkiPackage, deck_id: str, title: str, media_prefix: str) -> DeckImport:
    """The flip cards for `package`; media are only listed here (see `copy_media`)."""
    result = DeckImport(deck_id, title, unconverted=list(package.unconverted))
    taken: set[str] = set()
    bases: dict[int, str] = {}  # note id -> its unique base id, shared by its cards
    lossy: set[str] = set()
    for card in package.cards:
        what = f"note {card.guid!r} card {card.ord + 1}"
        front = html_to_markdown(card.question, media_prefix)
        back = html_to_markdown(card.answer, media_prefix)
        if not front.markdown:
            result.unconverted.append(Unconverted(what, "its front is empty"))
            continue
        if not back.markdown:
            result.unconverted.append(Unconverted(what, "its back is empty"))
            continue
        if card.note_id not in bases:
            bases[card.note_id] = _unique(_base_id(card), taken)
        base = bases[card.note_id]
        card_id = base if card.ord == 0 else _unique(base + _suffix(card), taken)
        tags = []
        for tag in card.tags:
            slug = slugify(tag)
            if not slug:
                lossy.add(f"tag {tag!r} has no letters or digits (dropped)")
                continue
            if slug != tag:
                lossy.add(f"tag {tag!r} became {slug!r}")
            if slug not in tags:
                tags.append(slug)
        for note in (*front.lossy, *back.lossy, *card.notes):
            lossy.add(f"{what}: {note}")
        for name in (*front.media, *back.media):
            if name not in result.media:
                result.media.append(name)
        group = base if card.siblings > 1 else None
        result.cards.append(
            ImportedCard(card_id, card, front.markdown, back.markdown, tuple(tags), group)
        )
    result.lossy = sorted(lossy)
    return result


def copy_media(result: DeckImport, source: Path, target: Path) -> None:
    """Copy the media the cards use from the package into `target`; list the ones it lacks."""
    copied, missing = [], []
    for name in result.media:
        found = source / name
        if Path(name).name != name or not found.is_file():
            missing.append(name)
            continue
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, target / name)
        copied.append(name)
    result.media, result.missing_media = copied, missing


class _BlockDumper(yaml.SafeDumper):
    """Multi-line text as `|` block scalars, so the deck reads like a hand-written one."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def deck_document(result: DeckImport, source_name: str) -> dict[str, Any]:
    cards: list[dict[str, Any]] = []
    for card in result.cards:
        entry: dict[str, Any] = {
            "id": card.card_id,
            "type": "flip",
            "prompt": card.prompt,
            "answer": card.answer,
        }
        if card.tags:
            entry["tags"] = list(card.tags)
        if card.group is not None:
            entry["group"] = card.group
        cards.append(entry)
    return {
        "schema_version": 1,
        "id": result.deck_id,
        "title": result.title,
        "description": f"Imported from the Anki package {source_name}.",
        "cards": cards,
    }


def write_deck(result: DeckImport, path: Path, source_name: str) -> None:
    """Write the deck atomically, after proving it loads without a problem."""
    text = "# Imported from Anki by `quiz anki import`; every card is a self-graded flip card.\n"
    text += yaml.dump(
        deck_document(result, source_name),
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=".quiz-import-", suffix=".yaml", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            loaded = load_deck(Path(temp))
            if loaded.problems:
                shown = "; ".join(p.message for p in loaded.problems[:3])
                raise QuizError(f"the converted deck is not valid ({shown})", title="Anki import")
            os.replace(temp, path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    except OSError as exc:
        raise QuizError(f"cannot write {path}: {exc.strerror or exc}", title="Anki import") from exc
