"""Repairs and checks over the whole store: rebuild the card cache from the log, find orphans.

`quiz doctor --rebuild` calls `rebuild`; `quiz check` calls `orphans` to mention history that no
loaded deck card claims (such history is kept: a card that comes back resumes it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from fsrs import Scheduler

from quiz.deck.model import Deck
from quiz.srs.events import CardState, LogEvent
from quiz.srs.replay import fold, scheduler_for
from quiz.srs.store import Store, event_from_row

_BY_CARD = (
    "SELECT id, uuid, kind, time, key, deck_id, rating, proposed, outcome, answer_text, "
    "duration_ms, instance, due, state_before, interval_before, leech, target, value "
    "FROM log ORDER BY key, time, id"
)


def _grouped(rows: Iterator[LogEvent]) -> Iterator[list[LogEvent]]:
    batch: list[LogEvent] = []
    for event in rows:
        if batch and batch[0].key != event.key:
            yield batch
            batch = []
        batch.append(event)
    if batch:
        yield batch


def rebuild(store: Store) -> int:
    """Recompute every card's cached state from the log, in one transaction; returns the count.

    Uses each deck's current preset, so after new FSRS parameters the memory states follow
    them; dues stay the ones the learner was given (they are in the log).
    """
    presets = store.presets()
    schedulers: dict[str, Scheduler] = {}
    count = 0
    with store.write() as conn:
        conn.execute("DELETE FROM cards")
        cursor = conn.execute(_BY_CARD)
        cards: list[CardState] = []
        for events in _grouped(event_from_row(row) for row in cursor):
            deck_id = events[-1].deck_id
            scheduler = schedulers.get(deck_id)
            if scheduler is None:
                scheduler = schedulers[deck_id] = scheduler_for(
                    presets.for_deck(deck_id), fuzz=False
                )
            cards.append(fold(events[0].key, deck_id, events, scheduler))
            if len(cards) >= 5000:
                count += _flush(store, conn, cards)
        count += _flush(store, conn, cards)
    return count


def _flush(store: Store, conn: sqlite3.Connection, cards: list[CardState]) -> int:
    for card in cards:
        store.put_card(conn, card)
    done = len(cards)
    cards.clear()
    return done


def orphans(store: Store, decks: Sequence[Deck]) -> list[str]:
    """History keys (deck/card) of the given decks that none of their cards claims, sorted.

    Only these decks' history: checking one file must not call every other deck's history
    orphaned.
    """
    claimed = {card.key for deck in decks for card in deck.cards}
    ids = sorted({deck.id for deck in decks})
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    with store.read() as conn:
        rows = conn.execute(
            f"SELECT DISTINCT key FROM log WHERE deck_id IN ({marks}) ORDER BY key", ids
        )
        keys = [row[0] for row in rows]
    return [key for key in keys if key not in claimed]
