"""Which loaded cards are new today, kept in memory so the queue never scans every card row.

Per deck, the sorted deck positions of the cards whose cached state is new and not suspended,
plus when any of them was buried. `refresh` folds in the log rows written since the last look
(by this process or another one), so answers elsewhere show up on the next queue build.
The TUI calls the Collection from worker threads: every change happens under one lock, always
taken after the store's lock (the order every writer uses), never before it.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator, Sequence

from quiz.deck.model import Deck
from quiz.srs.events import Phase
from quiz.srs.store import Store


class NewCards:
    def __init__(self, decks: Sequence[Deck]) -> None:
        self._deck_keys: dict[str, list[str]] = {}
        self._where: dict[str, tuple[str, int]] = {}
        for deck in decks:
            keys = self._deck_keys.setdefault(deck.id, [])
            for card in deck.cards:
                self._where[card.key] = (deck.id, len(keys))
                keys.append(card.key)
        self._not_new: set[str] = set()
        self._buried_at: dict[str, int] = {}
        self._positions: dict[str, list[int]] = {}
        self._seen_log_id = 0
        self._lock = threading.RLock()

    def load(self, store: Store) -> None:
        """Read every card row that is not plainly new (once, when the Collection opens)."""
        with store.read() as conn, self._lock:
            self._seen_log_id = int(
                conn.execute("SELECT coalesce(max(id), 0) FROM log").fetchone()[0]
            )
            rows = conn.execute(
                "SELECT key, state, suspended, buried_at FROM cards "
                "WHERE state != 0 OR suspended != 0 OR buried_at IS NOT NULL"
            ).fetchall()
            self._not_new.clear()
            self._buried_at.clear()
            self._positions.clear()
            for key, state, suspended, buried_at in rows:
                self.note(key, state, suspended, buried_at)
            for deck_id, keys in self._deck_keys.items():
                self._positions[deck_id] = [
                    i for i, key in enumerate(keys) if key not in self._not_new
                ]

    def refresh(self, store: Store) -> None:
        """Fold in the cards that log rows written since the last look have changed."""
        with store.read() as conn, self._lock:
            changed: dict[str, int] = {}
            # NOT INDEXED: a rowid range over the newest rows, never a scan of an index.
            for log_id, key in conn.execute(
                "SELECT id, key FROM log NOT INDEXED WHERE id > ?", (self._seen_log_id,)
            ):
                changed[key] = log_id
                self._seen_log_id = max(self._seen_log_id, log_id)
            for key in changed:
                row = conn.execute(
                    "SELECT state, suspended, buried_at FROM cards WHERE key = ?", (key,)
                ).fetchone()
                if row is not None:
                    self.note(key, *row)

    def note(self, key: str, state: int, suspended: int, buried_at: int | None) -> None:
        """A card's cached state changed (this process wrote it, or `refresh` read it)."""
        with self._lock:
            is_new = state == Phase.NEW and not suspended
            if is_new:
                self._not_new.discard(key)
            else:
                self._not_new.add(key)
            if buried_at is not None:
                self._buried_at[key] = buried_at
            else:
                self._buried_at.pop(key, None)
            where = self._where.get(key)
            positions = self._positions.get(where[0]) if where is not None else None
            if where is None or positions is None:
                return
            i = bisect.bisect_left(positions, where[1])
            present = i < len(positions) and positions[i] == where[1]
            if is_new and not present:
                positions.insert(i, where[1])
            elif present and not is_new:
                del positions[i]

    def in_deck(self, deck_id: str, day_start_us: int) -> Iterator[str]:
        """The deck's new cards in deck order, leaving out those buried this study day."""
        keys = self._deck_keys.get(deck_id, [])
        with self._lock:
            positions = list(self._positions.get(deck_id, ()))
        for at in positions:
            key = keys[at]
            buried_at = self._buried_at.get(key)
            if buried_at is None or buried_at < day_start_us:
                yield key

    def any(self) -> bool:
        """Whether any loaded card is new (buried ones included: they are back tomorrow)."""
        with self._lock:
            return any(self._positions.values())
