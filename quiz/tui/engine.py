"""The real Engine: one SQLite store, opened on first use, behind collections, stats and presets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from quiz.deck.model import Deck
from quiz.tui.ports import Clock, CollectionLike

if TYPE_CHECKING:
    from quiz.srs.preset import Presets
    from quiz.srs.stats import Stats
    from quiz.srs.store import Store


class StoreEngine:
    """Opens the store (default location, under QUIZ_HOME) on first use, on the calling thread."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from quiz.srs.store import Store

            self._store = Store.open()
        return self._store

    def collection(self, decks: Sequence[Deck]) -> CollectionLike:
        from quiz.srs.collection import Collection

        return Collection(self.store, list(decks), clock=self.clock)

    def stats(self, decks: Sequence[Deck]) -> Stats:
        from quiz.srs.stats import compute_stats

        return compute_stats(self.store, self.clock, decks=list(decks))

    def read_only_reason(self) -> str | None:
        reason: str | None = self.store.read_only_reason
        return reason

    def presets(self) -> Presets:
        return self.store.presets()

    def save_preset(self, deck_id: str | None, overrides: Mapping[str, Any]) -> None:
        from quiz.srs.store import DEFAULT_PRESET, PRESET_PREFIX

        name = deck_id if deck_id is not None else DEFAULT_PRESET
        self.store.set_setting(PRESET_PREFIX + name, dict(overrides) or None)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
