"""`quiz optimize`: the metrics it judges by, and a real fit that must beat the defaults."""

from __future__ import annotations

import importlib.util
import math
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, ReviewLog, Scheduler

from quiz.outcome import Outcome
from quiz.srs import optimize
from quiz.srs.collection import Collection
from quiz.srs.preset import Preset
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)


def test_metrics_match_a_hand_computation() -> None:
    scheduler = Scheduler(enable_fuzzing=False)
    card = FsrsCard(card_id=7, due=T0)
    card, first = scheduler.review_card(card, Rating.Good, T0)
    later = T0 + timedelta(days=3)
    p = scheduler.get_card_retrievability(card, later)
    logs = [ReviewLog(7, Rating.Good, later, None), first]  # order does not matter
    metrics = optimize.evaluate(logs, scheduler.parameters)
    assert metrics.reviews == 1 == optimize.usable_reviews(logs)
    assert metrics.log_loss == pytest.approx(-math.log(p))
    assert metrics.rmse_bins == pytest.approx(1 - p)


def test_same_day_reviews_are_not_usable() -> None:
    logs = [ReviewLog(1, Rating.Good, T0 + timedelta(hours=h), None) for h in (0, 1, 5)]
    assert optimize.usable_reviews(logs) == 0
    assert math.isnan(optimize.evaluate(logs, Scheduler().parameters).log_loss)


def _simulate(store: Store) -> None:
    """A learner who forgets faster than the default parameters predict."""
    rng = random.Random(1)
    deck = make_deck("sim", 120)
    clock = Clock(T0)
    col = Collection(store, [deck], clock, Preset(fuzz=False), tz=UTC)
    truth = Scheduler(enable_fuzzing=False)
    for card in deck.cards:
        clock.now = T0 + timedelta(hours=rng.randrange(200))
        memory = FsrsCard(card_id=1, due=clock.now)
        for _ in range(7):
            r = truth.get_card_retrievability(memory, clock.now) if memory.last_review else 0.5
            recalled = rng.random() < (r**2 if memory.last_review else 0.7)
            rating = Rating.Good if recalled else Rating.Again
            col.answer(
                card.key,
                rating,
                proposed=None,
                outcome=Outcome.SELF_GRADED,
                answer_text="",
                duration_ms=1000,
                instance={},
            )
            memory, _ = truth.review_card(memory, rating, clock.now)
            due = col.info(card.key).due
            assert due is not None
            clock.now = due + timedelta(hours=rng.randrange(48))


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("torch", "pandas", "tqdm")),
    reason="fsrs' Optimizer needs its extras (torch, pandas, tqdm)",
)
def test_optimize_fits_and_keeps_better_parameters(quiz_home: Path) -> None:
    with Store.open() as store:
        _simulate(store)
    # In a subprocess: the Optimizer imports torch, which the test process must not.
    done = subprocess.run(
        [sys.executable, "-m", "quiz", "optimize"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = done.stdout.splitlines()
    before = next(line for line in lines if line.startswith("before")).split()
    after = next(line for line in lines if line.startswith("after")).split()
    assert float(after[1]) < float(before[1])  # log loss
    assert "Saved the new parameters for all decks" in done.stdout
    with Store.open() as store:
        fitted = store.presets().for_deck("sim").parameters
    assert fitted != Preset().parameters
