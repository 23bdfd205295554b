"""`quiz anki export`: every proven card instance as an Anki note, written with genanki.

A card is exported only when `verify_card` proves it; a predict note's back is the output of
running it and a choice note's correct options come from their truths, both computed here by the
sandbox (never the YAML's claim). `vary` cards give one note per combination, or a sample of
VARY_LIMIT seeded by the card key past that. Note GUIDs come from the card key (and the vary
bindings), so importing a re-export into Anki updates the notes instead of duplicating them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import genanki  # type: ignore[import-untyped]

from quiz.deck import judge, vary
from quiz.deck.model import Card, CardType, Deck
from quiz.deck.requires import installed_version, unmet
from quiz.deck.verify import verify_card
from quiz.errors import QuizError
from quiz.interop.ledger import Ledger, digest
from quiz.interop.notes import Facts, NoteContent, anki_tags, guid_parts, note_content
from quiz.interop.runs import OnceRunner
from quiz.paths import locations
from quiz.sandbox.protocol import Runner

VARY_LIMIT = 16
"""Notes per `vary` card at most; past it, a sample seeded by the card key (the same each time)."""
CARDS_IN_PROGRESS = 16
LEDGER_NAME = "anki-export-ledger.json"

# Fixed forever: Anki matches note types by id, so a re-export updates the same note types.
CODE_MODEL_ID = 1_607_392_319
CLOZE_MODEL_ID = 1_607_392_320

CSS = """\
.card { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; font-size: 18px;
        line-height: 1.45; text-align: left; color: #1f2328; background: #ffffff; }
.nightMode.card, .night_mode .card { color: #e6edf3; background: #0d1117; }
pre, code { font-family: ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace; }
pre.quiz-code, pre.quiz-output { font-size: 0.85em; text-align: left; white-space: pre;
        overflow-x: auto; background: #f6f8fa; color: #24292f; padding: 0.6em 0.8em;
        border-radius: 4px; }
.quiz-label { font-size: 0.8em; color: #656d76; margin-top: 0.6em; }
.quiz-extra { margin-top: 1em; border-top: 1px solid #d0d7de; padding-top: 0.5em; }
.quiz-refs { font-size: 0.85em; }
.quiz-source { margin-top: 1em; font-size: 0.7em; color: #8c959f; }
.cloze { font-weight: bold; color: #0969da; }
"""

_EXTRA = '{{#Extra}}<div class="quiz-extra">{{Extra}}</div>{{/Extra}}'
_SOURCE = '<div class="quiz-source">{{Source}}</div>'

CODE_MODEL = genanki.Model(
    CODE_MODEL_ID,
    "quiz (code)",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Extra"}, {"name": "Source"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}\n<hr id="answer">\n{{Back}}\n' + _EXTRA + _SOURCE,
        }
    ],
    css=CSS,
)

CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "quiz (cloze)",
    fields=[{"name": "Text"}, {"name": "Extra"}, {"name": "Source"}],
    templates=[
        {
            "name": "Cloze",
            "qfmt": "{{cloze:Text}}",
            "afmt": "{{cloze:Text}}\n" + _EXTRA + _SOURCE,
        }
    ],
    css=CSS,
    model_type=genanki.Model.CLOZE,
)


@dataclass(frozen=True)
class ExportedNote:
    deck_id: str
    card: Card  # the instance
    guid: str
    content: NoteContent
    tags: tuple[str, ...]


@dataclass(frozen=True)
class CardProblem:
    """A card that was not exported, and why."""

    deck_id: str
    card: Card
    message: str

    def __str__(self) -> str:
        where = f"{self.card.pos}: " if self.card.pos is not None else ""
        return f"{where}{self.card.key}: {self.message}"


@dataclass
class ExportPlan:
    notes: list[ExportedNote] = field(default_factory=list)
    failures: list[CardProblem] = field(default_factory=list)
    skipped: list[CardProblem] = field(default_factory=list)


def note_guid(card: Card) -> str:
    return str(genanki.guid_for(*guid_parts(card)))


def anki_deck_id(deck: Deck) -> int:
    """A stable Anki deck id from the quiz deck id (Anki ids are positive 63-bit ints)."""
    digest = hashlib.sha256(f"quiz-deck/{deck.id}".encode()).digest()
    return int.from_bytes(digest[:6], "big") + (1 << 40)


async def _facts(deck: Deck, card: Card, runner: Runner) -> Facts:
    if card.type is CardType.PREDICT:
        result = await judge.predict_run(deck, card, runner)
        if result.ok:
            return Facts(output=result.stdout)
        return Facts(raised=judge.truth_from_run(result) or result.status.value)
    if card.type is CardType.CHOICE:
        if judge.has_truths(card):
            correct = judge.correct_from_run(card, await judge.choice_run(deck, card, runner))
        else:
            correct = frozenset(card.answer_indexes or ())
        return Facts(correct=correct)
    return Facts()


async def _card_notes(
    deck: Deck, card: Card, runner: Runner, lang: str
) -> list[ExportedNote] | str:
    """The notes of one card, or why it fails its check."""
    checks = await verify_card(deck, card, runner, limit=VARY_LIMIT)
    failed = [str(check) for check in checks if not check.ok]
    if failed:
        return "; ".join(failed[:3]) + (f" (and {len(failed) - 3} more)" if len(failed) > 3 else "")
    chosen = [vary.instantiate(card, b) for b in vary.sample(card, VARY_LIMIT)]
    facts = await asyncio.gather(*(_facts(deck, instance, runner) for instance in chosen))
    tags = tuple(anki_tags(card))
    return [
        ExportedNote(deck.id, instance, note_guid(instance), note_content(instance, f, lang), tags)
        for instance, f in zip(chosen, facts, strict=True)
    ]


async def plan_export(decks: Sequence[Deck], runner: Runner, *, lang: str = "en") -> ExportPlan:
    """Prove every card and build its notes; cards come back in deck order."""
    versions = {"torch": installed_version("torch")}
    once = OnceRunner(runner)
    gate = asyncio.Semaphore(CARDS_IN_PROGRESS)

    async def one(deck: Deck, card: Card) -> list[ExportedNote] | CardProblem:
        reasons = unmet(dict(deck.requires), versions) + unmet(dict(card.requires), versions)
        if reasons:
            return CardProblem(deck.id, card, "skipped: " + "; ".join(reasons))
        async with gate:
            try:
                result = await _card_notes(deck, card, once, lang)
            except QuizError:
                raise  # no sandbox at all: one clear error, not a failure per card
            except Exception as exc:  # a sandbox fault must not hide the other cards
                return CardProblem(deck.id, card, f"could not run: {type(exc).__name__}: {exc}")
        return CardProblem(deck.id, card, result) if isinstance(result, str) else result

    plan = ExportPlan()
    outcomes = await asyncio.gather(*(one(d, c) for d in decks for c in d.cards))
    for outcome in outcomes:
        if isinstance(outcome, list):
            plan.notes.extend(outcome)
        elif outcome.message.startswith("skipped: "):
            plan.skipped.append(outcome)
        else:
            plan.failures.append(outcome)
    return plan


class _StampedNote(genanki.Note):  # type: ignore[misc]
    """A genanki note written with its own modification time (see quiz.interop.ledger)."""

    def __init__(self, *args: Any, stamp: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stamp = stamp

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        super().write_to_db(cursor, self.stamp, deck_id, id_gen)


def _genanki_note(note: ExportedNote, ledger: Ledger, now: int) -> genanki.Note:
    content = note.content
    model = CLOZE_MODEL if content.cloze else CODE_MODEL
    if content.cloze:
        fields = [content.front, content.extra, content.source]
    else:
        fields = [content.front, content.back, content.extra, content.source]
    stamp = ledger.stamp(note.guid, digest(model.model_id, fields, note.tags), now)
    return _StampedNote(model, fields, guid=note.guid, tags=list(note.tags), stamp=stamp)


def anki_deck_name(deck: Deck, lang: str) -> str:
    return f"quiz::{deck.title.get(lang)}"


def default_ledger() -> Path:
    return locations().cache / LEDGER_NAME


def write_package(
    decks: Sequence[Deck],
    notes: Sequence[ExportedNote],
    path: Path,
    lang: str,
    *,
    timestamp: float | None = None,
    ledger: Path | None = None,
) -> int:
    """Write one Anki deck per quiz deck that has notes; returns the number of notes written.

    `timestamp` (default now) becomes the modification time of the notes that changed since the
    export recorded in the `ledger` file (default: in quiz's cache); the others keep theirs, so
    Anki's import updates only the changed notes."""
    now = int(time.time() if timestamp is None else timestamp)
    book = Ledger(ledger if ledger is not None else default_ledger())
    anki_decks: dict[str, genanki.Deck] = {}
    for deck in decks:
        description = deck.description.get(lang) if deck.description is not None else ""
        anki_decks[deck.id] = genanki.Deck(
            anki_deck_id(deck), anki_deck_name(deck, lang), description
        )
    for note in notes:
        anki_decks[note.deck_id].add_note(_genanki_note(note, book, now))
    package = genanki.Package([d for d in anki_decks.values() if d.notes])
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=".quiz-export-", suffix=".apkg", dir=folder)
        os.close(fd)
        try:
            package.write_to_file(temp, timestamp=now)
            os.replace(temp, path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    except OSError as exc:
        raise QuizError(
            f"cannot write {path}: {exc.strerror or exc}", title="Export failed"
        ) from exc
    book.save()
    return len(notes)
