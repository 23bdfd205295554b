"""Shared builders for the review-engine tests: decks made in code, a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quiz.deck.model import Card, CardType, Deck, Text
from quiz.srs.store import Store


def make_deck(
    deck_id: str,
    n: int,
    *,
    groups: dict[int, str] | None = None,
    tags: dict[int, tuple[str, ...]] | None = None,
) -> Deck:
    cards = tuple(
        Card(
            id=f"c{i:05d}",
            type=CardType.FLIP,
            prompt=Text.plain(f"prompt {i}"),
            deck_id=deck_id,
            group=(groups or {}).get(i),
            tags=(tags or {}).get(i, ()),
            answer_text=Text.plain(f"answer {i}"),
        )
        for i in range(n)
    )
    return Deck(id=deck_id, title=Text.plain(deck_id), cards=cards)


@dataclass
class Clock:
    """A settable UTC clock: `clock.now += timedelta(...)` moves time for the engine."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 6, 3, 12, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "quiz.db")
    yield opened
    opened.close()
