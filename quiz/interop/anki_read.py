"""Reading an Anki package (.apkg or .colpkg) with Anki's own library, `anki` (the `quiz[anki]`
extra): the package is imported into a throwaway collection, and each card is rendered by Anki's
template engine (so Basic, reversed and Cloze cards read exactly as Anki shows them).

Only this module imports `anki`, and only when asked to read, so the rest of quiz runs without it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from quiz.errors import QuizError

if TYPE_CHECKING:
    from anki.cards import Card as AnkiCardObject
    from anki.collection import Collection

INSTALL_HINT = "pip install 'quiz[anki]'"

# Anki's notetype.originalStockKind values (anki.notetypes_pb2.StockNotetype.OriginalStockKind).
_IMAGE_OCCLUSION = 6
_CLOZE_TYPE = 1  # notetype["type"] for cloze note types
_REVIEW_BUTTONS = range(1, 5)  # revlog button_chosen: 1 Again ... 4 Easy; 0 is a reschedule
_STYLE = re.compile(r"<style\b.*?</style>", re.DOTALL | re.IGNORECASE)
_ANSWER_RULE = re.compile(r"<hr[^>]*\bid=[\"']?answer[\"']?[^>]*>", re.IGNORECASE)
_TYPE_BOX = re.compile(r"\[\[type:([^\]]*)\]\]")


@dataclass(frozen=True)
class AnkiReview:
    time: int  # seconds since the epoch, UTC
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    taken_ms: int


@dataclass(frozen=True)
class AnkiCard:
    card_id: int
    note_id: int
    guid: str
    ord: int
    cloze: bool
    siblings: int  # cards the note has (reversed and multi-deletion notes have several)
    deck: str
    notetype: str
    question: str  # rendered HTML, styles removed
    answer: str  # rendered HTML of the answer side without the repeated question
    tags: tuple[str, ...]
    reviews: tuple[AnkiReview, ...] = ()
    notes: tuple[str, ...] = ()  # what the conversion loses for this card


@dataclass(frozen=True)
class Unconverted:
    """An Anki card (or a whole note) that cannot become a quiz card, and why."""

    what: str
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}"


@dataclass
class AnkiPackage:
    cards: list[AnkiCard] = field(default_factory=list)
    unconverted: list[Unconverted] = field(default_factory=list)
    decks: list[str] = field(default_factory=list)  # the names of the decks that hold cards
    media_dir: Path = Path()
    skipped_reviews: int = 0  # reschedulings and cram answers that are not reviews


def _anki_modules() -> type[Collection]:
    try:
        from anki.collection import Collection
    except ImportError as exc:
        raise QuizError(
            f"quiz anki import reads packages with Anki's own library, which is not installed "
            f"({exc.name or exc}); install it with: {INSTALL_HINT}",
            title="Anki library missing",
        ) from None
    return Collection


def _open_into(path: Path, folder: Path) -> Collection:
    """A collection in `folder` holding the package's notes, cards, review log and media."""
    collection_class = _anki_modules()
    col_path = folder / "collection.anki2"
    if path.suffix.lower() == ".colpkg":
        # anki has no public wrapper for restoring a .colpkg; Anki's own GUI calls the
        # backend the same way (a backend without a collection, then open the restored file).
        from anki._backend import RustBackend

        RustBackend().import_collection_package(
            col_path=str(col_path),
            backup_path=str(path),  # the package to restore from
            media_folder=str(folder / "collection.media"),
            media_db=str(folder / "collection.media.db2"),
        )
        return collection_class(str(col_path))
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = collection_class(str(col_path))
    options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options))
    return col


def _in_deck(name: str, wanted: str | None) -> bool:
    return wanted is None or name == wanted or name.startswith(wanted + "::")


def _reviews(col: Collection, card: AnkiCardObject) -> tuple[list[AnkiReview], int]:
    entries = col.card_stats_data(card.id).revlog
    kept, skipped = [], 0
    for entry in entries:
        if entry.button_chosen in _REVIEW_BUTTONS:
            taken = round(entry.taken_secs * 1000)
            kept.append(AnkiReview(int(entry.time), int(entry.button_chosen), max(0, taken)))
        else:
            skipped += 1
    kept.sort(key=lambda r: r.time)
    return kept, skipped


def _typed_field(card: AnkiCardObject, marker: re.Match[str]) -> str:
    """What Anki's reviewer compares a typed answer with: the named field (`type:nc:Back`)."""
    name = marker.group(1).split(":")[-1]
    note = card.note()
    return note[name] if name in note else ""  # noqa: SIM401 - anki.notes.Note has no get()


def _sides(card: AnkiCardObject, cloze: bool) -> tuple[str, str, list[str]]:
    question = _STYLE.sub("", card.question())
    answer = _STYLE.sub("", card.answer())
    notes: list[str] = []
    if _TYPE_BOX.search(question) or _TYPE_BOX.search(answer):
        # The reviewer fills these boxes in; without it the question drops the box and the
        # answer shows the field the typed text would have been compared with.
        notes.append("a typed answer became a self-graded flip card")
        question = _TYPE_BOX.sub("", question)
        answer = _TYPE_BOX.sub(lambda m: _typed_field(card, m), answer)
    parts = _ANSWER_RULE.split(answer, maxsplit=1)
    if len(parts) == 2:
        answer = parts[1]
    elif not cloze and answer.startswith(question):
        answer = answer[len(question) :]
    return question.strip(), answer.strip(), notes


def _describe(note_guid: str, deck: str, notetype: str, ord_: int) -> str:
    return f"note {note_guid!r} ({notetype}, card {ord_ + 1}) in deck {deck!r}"


def _read(col: Collection, deck: str | None) -> AnkiPackage:
    package = AnkiPackage(media_dir=Path(col.media.dir()))
    decks: list[str] = []
    for note_id in sorted(col.find_notes("")):
        note = col.get_note(note_id)
        notetype = note.note_type() or {}
        name = str(notetype.get("name", "?"))
        cloze = notetype.get("type") == _CLOZE_TYPE
        cards = sorted(note.cards(), key=lambda c: c.ord)
        for card in cards:
            deck_name = col.decks.name(card.odid or card.did)
            if not _in_deck(deck_name, deck):
                continue
            what = _describe(note.guid, deck_name, name, card.ord)
            if notetype.get("originalStockKind") == _IMAGE_OCCLUSION:
                package.unconverted.append(Unconverted(what, "image occlusion has no quiz form"))
                continue
            question, answer, notes = _sides(card, cloze)
            if "<script" in question.lower():
                notes.append("the card's script was dropped")
            reviews, skipped = _reviews(col, card)
            package.skipped_reviews += skipped
            package.cards.append(
                AnkiCard(
                    card_id=card.id,
                    note_id=note.id,
                    guid=note.guid,
                    ord=card.ord,
                    cloze=cloze,
                    siblings=len(cards),
                    deck=deck_name,
                    notetype=name,
                    question=question,
                    answer=answer,
                    tags=tuple(note.tags),
                    reviews=tuple(reviews),
                    notes=tuple(notes),
                )
            )
            if deck_name not in decks:
                decks.append(deck_name)
    package.decks = decks
    return package


def _deck_names(col: Collection) -> list[str]:
    return sorted(d.name for d in col.decks.all_names_and_ids())


@contextmanager
def read_package(path: Path, *, deck: str | None = None) -> Iterator[AnkiPackage]:
    """The package's cards (only those in `deck` and its subdecks, when given). Its media folder
    lasts only as long as the `with` block."""
    if not path.is_file():
        raise QuizError(f"{path}: no such file", title="Anki import")
    if path.suffix.lower() not in (".apkg", ".colpkg"):
        raise QuizError(f"{path}: not an Anki package (.apkg or .colpkg)", title="Anki import")
    with tempfile.TemporaryDirectory(prefix="quiz-anki-") as folder:
        try:
            col = _open_into(path.resolve(), Path(folder))
        except QuizError:
            raise
        except Exception as exc:  # anki's backend errors: a corrupt or foreign file
            raise QuizError(f"{path}: Anki cannot read it: {exc}", title="Anki import") from None
        try:
            if deck is not None and not any(_in_deck(n, deck) for n in _deck_names(col)):
                known = ", ".join(repr(n) for n in _deck_names(col))
                raise QuizError(f"{path}: no deck named {deck!r} (the package has {known})")
            yield _read(col, deck)
        finally:
            col.close()
