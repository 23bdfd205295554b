"""What happened when an answer was checked: shared by grading, the review log and the screens."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """Persisted in the review log by value: never rename a member's value."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    TIMEOUT = "timeout"
    SELF_GRADED = "self-graded"
