"""What the screens share: the decks, the review engine, the checker, the clock, the language.

Everything heavy is built lazily: the library loads in a worker after the first frame, the store
opens when the library is in, and the sandbox pool starts once the home screen is up.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from quiz.deck.model import Card, Deck
from quiz.errors import QuizError
from quiz.i18n import _
from quiz.tui.ports import Checker, Clock, CollectionLike, Engine, LibraryLike


def utc_now() -> datetime:
    return datetime.now(UTC)


def load_real_library(extra: Sequence[Path]) -> LibraryLike:
    """Bundled decks, the user's decks, and any --decks paths; broken files become failures.

    Runs in a worker thread, so it also imports the review engine, which the UI thread needs
    next: those imports then cost the UI thread nothing.
    """
    from quiz.deck.library import Library, discover, load_library

    # The user's decks first: a copy of a bundled deck (made by `e`) keeps its id and takes
    # the bundled deck's place, instead of being refused as a second deck with that id.
    own = load_library(discover(extra, bundled=False))
    taken = {deck.id for deck in own.decks}
    bundled = load_library(discover((), user=False))
    library = Library(
        [deck for deck in bundled.decks if deck.id not in taken] + list(own.decks),
        list(bundled.failures) + list(own.failures),
    )
    import quiz.srs.collection
    import quiz.srs.store  # noqa: F401

    return library


@dataclass
class Services:
    """Built once per app by `build_app`; tests build it with fakes."""

    checker: Checker
    engine: Engine
    library_source: Callable[[], LibraryLike]
    clock: Clock = utc_now
    lang: str = "en"
    editor: str = ""
    rng: random.Random = field(default_factory=random.Random)
    decks: list[Deck] = field(default_factory=list)
    failures: list[object] = field(default_factory=list)
    _collection: CollectionLike | None = None

    def adopt(self, library: LibraryLike) -> None:
        """Take the decks a library loaded and open the review engine over them."""
        self.decks = list(library.decks)
        self.failures = list(library.failures)
        self._collection = self.engine.collection(self.decks)

    def refresh_collection(self) -> None:
        """Rebuild the engine's view (after presets change: limits and steps are cached)."""
        self._collection = self.engine.collection(self.decks)

    @property
    def loaded(self) -> bool:
        return self._collection is not None

    @property
    def collection(self) -> CollectionLike:
        if self._collection is None:
            raise QuizError(_("the decks are still loading"), title=_("Not ready"))
        return self._collection

    def deck(self, deck_id: str) -> Deck | None:
        return next((d for d in self.decks if d.id == deck_id), None)

    def card(self, card_key: str) -> tuple[Deck, Card] | None:
        deck_id, _, card_id = card_key.partition("/")
        deck = self.deck(deck_id)
        card = deck.card(card_id) if deck is not None else None
        return (deck, card) if deck is not None and card is not None else None

    def reload_deck(self, path: Path) -> Deck:
        """Re-read one deck file (after an edit) and rebuild the engine's view of the decks.

        A file that no longer loads raises QuizError with its first problems, and the old deck
        stays in place, so a half-saved edit never loses the session.
        """
        from quiz.deck.loader import load_deck

        loaded = load_deck(path)
        if loaded.deck is None or loaded.problems:
            lines = [str(p) for p in loaded.problems[:5]]
            message = "\n".join(lines) or _("{path}: not a deck").format(path=path)
            raise QuizError(message, title=_("Deck has errors"))
        new = loaded.deck
        self.decks = [new if d.id == new.id or d.path == new.path else d for d in self.decks]
        if all(d.id != new.id for d in self.decks):
            self.decks.append(new)
        self.refresh_collection()
        return new
