"""Stats: today, forecast, reviews per day, Anki's true retention, states, streak."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, timedelta

from fsrs import Rating

from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.preset import Preset
from quiz.srs.stats import compute_stats
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck


def answer(col: Collection, key: str, rating: Rating, ms: int = 1000) -> None:
    col.answer(
        key,
        rating,
        proposed=None,
        outcome=Outcome.PASS,
        answer_text="",
        duration_ms=ms,
        instance={},
    )


def test_empty_store(store: Store, clock: Clock) -> None:
    stats = compute_stats(store, clock, tz=UTC)
    assert stats.today.reviews == 0 and stats.streak == 0 and stats.total_reviews == 0
    assert len(stats.forecast) == 30 and len(stats.reviews_per_day) == 365
    assert all(r.total is None for r in stats.retention)
    assert stats.states.new is None


def test_today_forecast_states_and_undo(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 5)
    col = Collection(store, [deck], clock, Preset(fuzz=False), tz=UTC)
    answer(col, "d/c00000", Rating.Again, ms=1500)
    answer(col, "d/c00000", Rating.Good, ms=500)
    answer(col, "d/c00001", Rating.Easy, ms=2000)
    answer(col, "d/c00002", Rating.Easy, ms=9999)
    col.undo()
    col.suspend("d/c00003")
    stats = compute_stats(store, clock, tz=UTC, decks=[deck])
    assert stats.today == type(stats.today)(cards=2, reviews=3, seconds=4.0, again=1)
    assert stats.states.learning == 1 and stats.states.review == 1
    assert stats.states.suspended == 1 and stats.states.new == 2
    due = col.info("d/c00001").due
    assert due is not None
    days_ahead = (due - clock.now).days  # both at 12:00 UTC, well after 04:00
    assert stats.forecast[0] == 1  # the learning card, due in 10 minutes
    assert sum(stats.forecast) == 2 and stats.forecast[days_ahead] == 1
    assert stats.reviews_per_day[-1] == 3
    assert stats.streak == 1
    json.dumps(stats.to_dict())


def test_true_retention_counts_review_cards_only(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 4)
    col = Collection(store, [deck], clock, Preset(fuzz=False, maximum_interval=100), tz=UTC)
    for card in deck.cards:
        answer(col, card.key, Rating.Easy)  # learning reviews: not in true retention
    clock.advance(days=30)
    answer(col, "d/c00000", Rating.Again)  # young review failed
    answer(col, "d/c00001", Rating.Good)  # young review passed
    answer(col, "d/c00002", Rating.Hard)  # Hard is a pass
    answer(col, "d/c00000", Rating.Good)  # relearning step: not counted
    stats = compute_stats(store, clock, tz=UTC)
    today = stats.retention[0]
    assert today.period == "today"
    assert (today.young_passed, today.young_failed, today.mature_passed) == (2, 1, 0)
    assert today.total == 2 / 3
    assert stats.retention[-1].total == 2 / 3
    assert stats.retention[1].total is None  # yesterday


def test_streak_counts_consecutive_study_days(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 10)
    col = Collection(store, [deck], clock, replace(Preset(), fuzz=False), tz=UTC)
    for i in range(4):  # 4 days in a row, then a gap day, then today has none yet
        answer(col, deck.cards[i].key, Rating.Good)
        clock.advance(days=1)
    assert compute_stats(store, clock, tz=UTC).streak == 4
    answer(col, deck.cards[5].key, Rating.Good)
    assert compute_stats(store, clock, tz=UTC).streak == 5
    clock.advance(days=2)
    assert compute_stats(store, clock, tz=UTC).streak == 0


def test_streak_longer_than_the_history_window(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    col = Collection(store, [deck], clock, Preset(fuzz=False), tz=UTC)
    start = clock.now
    for day in range(400):
        clock.now = start + timedelta(days=day)
        answer(col, "d/c00000", Rating.Again)
    assert compute_stats(store, clock, tz=UTC).streak == 400
