"""The values the Collection hands out: queue counts, card info, review rows (no I/O here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fsrs import Rating

from quiz.outcome import Outcome
from quiz.srs.events import Kind, LogEvent
from quiz.srs.timeutil import from_us


@dataclass(frozen=True)
class QueueCounts:
    new: int
    learn: int
    due: int


@dataclass(frozen=True)
class CardInfo:
    key: str
    state: str  # "new" | "learning" | "review" | "relearning"
    due: datetime | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int
    suspended: bool
    buried: bool
    flag: int
    leech: bool
    last_review: datetime | None


@dataclass(frozen=True)
class ReviewRow:
    reviewed_at: datetime
    rating: Rating
    proposed: Rating | None
    outcome: Outcome
    answer_text: str
    duration_ms: int
    instance: dict[str, Any]


def review_row(event: LogEvent) -> ReviewRow:
    assert event.rating is not None
    return ReviewRow(
        reviewed_at=from_us(event.time),
        rating=Rating(event.rating),
        proposed=Rating(event.proposed) if event.proposed is not None else None,
        outcome=Outcome(event.outcome or Outcome.SELF_GRADED),
        answer_text=event.answer_text or "",
        duration_ms=event.duration_ms or 0,
        instance=json.loads(event.instance) if event.instance else {},
    )


def effective_reviews(events: Sequence[LogEvent]) -> list[LogEvent]:
    """The reviews in a card's log that no undo row cancels, in log order."""
    undone = {e.target for e in events if e.kind is Kind.UNDO}
    return [e for e in events if e.kind is Kind.REVIEW and e.uuid not in undone]
