"""A real store with reviews, and ways to damage it the way disks and crashes do."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Rating

from quiz.deck.model import Deck
from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.store import Store

PAGE = 4096


def reviewed_store(path: Path, deck: Deck, reviews: int) -> list[str]:
    """Answer `reviews` times (round robin over the deck) and close; returns the review uuids."""
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    moments = iter(start + timedelta(minutes=i) for i in range(10 * reviews + 10))
    store = Store.open(path)
    uuids: list[str] = []
    try:
        col = Collection(store, [deck], clock=lambda: next(moments))
        for i in range(reviews):
            card = deck.cards[i % len(deck.cards)]
            uuids.append(
                col.answer(
                    card.key,
                    Rating.Good,
                    proposed=None,
                    outcome=Outcome.SELF_GRADED,
                    answer_text=f"answer {i} " + "x" * 300,
                    duration_ms=1000,
                    instance={},
                )
            )
    finally:
        store.close()
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists(), "the store must be checkpointed on close"
    return uuids


def damage_pages(path: Path, first: int, count: int) -> None:
    """Overwrite `count` pages from page `first` (1 is the header page, kept) with garbage."""
    assert first >= 2
    with path.open("r+b") as fh:
        for page in range(first, first + count):
            fh.seek((page - 1) * PAGE)
            fh.write(os.urandom(PAGE) if page % 2 else b"\xff" * PAGE)


def pages(path: Path) -> int:
    return path.stat().st_size // PAGE
