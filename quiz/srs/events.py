"""The rows of the review log and the card-state cache, as plain values (no I/O, no scheduling)."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum


class Kind(StrEnum):
    """What a log row records. Persisted by value: never rename a value."""

    REVIEW = "review"
    UNDO = "undo"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    BURY = "bury"
    RESET = "reset"
    FLAG = "flag"


class Phase(IntEnum):
    """A card's scheduling state; 1-3 equal fsrs.State, 0 is a card never reviewed."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Leech(IntEnum):
    NONE = 0
    TAGGED = 1
    SUSPENDED = 2


def new_uuid() -> str:
    return uuidlib.uuid4().hex


@dataclass(frozen=True)
class LogEvent:
    """One row of the append-only log. Times are microseconds since the epoch, UTC."""

    uuid: str
    kind: Kind
    time: int
    key: str
    deck_id: str
    rating: int | None = None
    proposed: int | None = None
    outcome: str | None = None
    answer_text: str | None = None
    duration_ms: int | None = None
    instance: str | None = None
    due: int | None = None
    state_before: int | None = None
    interval_before: float | None = None
    leech: int | None = None
    target: str | None = None
    value: int | None = None
    id: int | None = None
    """Row id (arrival order); None until stored."""


LOG_COLUMNS = (
    "uuid",
    "kind",
    "time",
    "key",
    "deck_id",
    "rating",
    "proposed",
    "outcome",
    "answer_text",
    "duration_ms",
    "instance",
    "due",
    "state_before",
    "interval_before",
    "leech",
    "target",
    "value",
)


@dataclass(frozen=True)
class CardState:
    """One card's cached state: everything the queue needs, derived from the log."""

    key: str
    deck_id: str
    state: Phase = Phase.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int | None = None
    last_review: int | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried_at: int | None = None
    leech: bool = False
    flag: int = 0
    log_id: int = 0

    def with_log_id(self, log_id: int) -> CardState:
        return replace(self, log_id=log_id)


CARD_COLUMNS = (
    "key",
    "deck_id",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_at",
    "leech",
    "flag",
    "log_id",
)


def split_key(key: str) -> tuple[str, str]:
    """`deck/card` -> (deck, card); a key without `/` is rejected by the callers' validation."""
    deck_id, _, card_id = key.partition("/")
    return deck_id, card_id
