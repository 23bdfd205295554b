"""Fitting FSRS parameters to the learner's own log, and judging them on that same log.

The fit is fsrs' Optimizer, imported only inside `fit` because it imports torch (and pandas);
nothing else in quiz.srs may pull those in. The evaluation is plain Python over fsrs'
Scheduler: for every review made on a later day than the card's previous one (the reviews fsrs
itself trains on), the predicted recall probability against what happened (not Again = 1).
- log loss: mean binary cross-entropy.
- RMSE (bins): reviews binned by predicted probability into 20 equal bins; the root of the
  count-weighted mean squared gap between each bin's mean prediction and its recall rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from fsrs import Card as FsrsCard
from fsrs import Rating, ReviewLog, Scheduler

from quiz.errors import QuizError
from quiz.srs.collection import effective_reviews
from quiz.srs.events import LogEvent
from quiz.srs.replay import fsrs_card_id
from quiz.srs.store import Store, event_from_row
from quiz.srs.timeutil import from_us

MIN_REVIEWS = 512
"""fsrs' Optimizer returns the defaults below one mini-batch (512) of usable reviews."""
MAX_SEQUENCE = 64
"""fsrs trains on the first 64 reviews of each card; the evaluation looks at the same ones."""
BINS = 20
_EPS = 1e-7


@dataclass(frozen=True)
class Metrics:
    log_loss: float
    rmse_bins: float
    reviews: int


def review_logs(store: Store, deck_id: str | None = None) -> list[ReviewLog]:
    """The log's standing reviews (no undone ones) as fsrs ReviewLogs, by card then time."""
    where = "WHERE deck_id = ?" if deck_id is not None else ""
    params = (deck_id,) if deck_id is not None else ()
    by_key: dict[str, list[LogEvent]] = {}
    with store.read() as conn:
        rows = conn.execute(
            "SELECT id, uuid, kind, time, key, deck_id, rating, proposed, outcome, answer_text, "
            "duration_ms, instance, due, state_before, interval_before, leech, target, value "
            f"FROM log {where} ORDER BY key, time, id",
            params,
        )
        for row in rows:
            event = event_from_row(row)
            by_key.setdefault(event.key, []).append(event)
    logs: list[ReviewLog] = []
    for key, events in by_key.items():
        card_id = fsrs_card_id(key)
        for e in effective_reviews(events):
            assert e.rating is not None
            logs.append(ReviewLog(card_id, Rating(e.rating), from_us(e.time), e.duration_ms))
    return logs


def _sequences(logs: Sequence[ReviewLog]) -> list[list[ReviewLog]]:
    by_card: dict[int, list[ReviewLog]] = {}
    for log in logs:
        by_card.setdefault(log.card_id, []).append(log)
    return [sorted(seq, key=lambda r: r.review_datetime)[:MAX_SEQUENCE] for seq in by_card.values()]


def usable_reviews(logs: Sequence[ReviewLog]) -> int:
    """Reviews on a later day than the card's previous review (what fsrs can learn from)."""
    count = 0
    for seq in _sequences(logs):
        for prev, cur in pairwise(seq):
            if (cur.review_datetime - prev.review_datetime).days > 0:
                count += 1
    return count


def evaluate(logs: Sequence[ReviewLog], parameters: Sequence[float]) -> Metrics:
    scheduler = Scheduler(parameters=parameters, enable_fuzzing=False)
    predictions: list[tuple[float, int]] = []
    for seq in _sequences(logs):
        card = FsrsCard(card_id=seq[0].card_id, due=seq[0].review_datetime)
        for review in seq:
            at = review.review_datetime
            if card.last_review is not None and (at - card.last_review).days > 0:
                p = scheduler.get_card_retrievability(card, at)
                predictions.append((p, 0 if review.rating == Rating.Again else 1))
            card, _ = scheduler.review_card(card, review.rating, at)
    if not predictions:
        return Metrics(log_loss=math.nan, rmse_bins=math.nan, reviews=0)
    loss = 0.0
    bins: dict[int, list[float]] = {}
    for p, y in predictions:
        q = min(max(p, _EPS), 1 - _EPS)
        loss -= y * math.log(q) + (1 - y) * math.log(1 - q)
        acc = bins.setdefault(min(int(p * BINS), BINS - 1), [0.0, 0.0, 0.0])
        acc[0] += p
        acc[1] += y
        acc[2] += 1
    n = len(predictions)
    squared = sum(c * (sp / c - sy / c) ** 2 for sp, sy, c in bins.values())
    return Metrics(log_loss=loss / n, rmse_bins=math.sqrt(squared / n), reviews=n)


def fit(logs: Sequence[ReviewLog]) -> list[float]:
    """fsrs' Optimizer on these logs (imports torch; slow: minutes for many reviews)."""
    try:
        from fsrs.optimizer import Optimizer
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise QuizError(f"quiz optimize needs fsrs' optimizer: {exc}") from exc
    try:
        optimizer = Optimizer(list(logs))
    except ImportError as exc:
        raise QuizError(
            "quiz optimize needs fsrs' optimizer extras (torch, pandas, tqdm): "
            'pip install "fsrs[optimizer]"',
            title="Optimizer",
        ) from exc
    return [float(v) for v in optimizer.compute_optimal_parameters()]
