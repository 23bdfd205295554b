"""The grade a checked answer proposes (the learner may override it before moving on).

fail / error / timeout -> Again; a pass after a hint or a retry -> Hard; a pass -> Good; a pass
clearly faster than the learner's own earlier passes of the same card -> Easy. Self-graded
(flip) cards propose Good: the learner picks the grade anyway.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from fsrs import Rating

from quiz.outcome import Outcome

FAST_FRACTION = 0.5
"""A pass is fast when it takes at most this fraction of the card's median earlier pass."""
MIN_HISTORY = 2
"""Earlier timed passes needed before "fast" means anything for a card."""


def propose(
    outcome: Outcome,
    duration_ms: int,
    *,
    used_hint: bool,
    retried: bool,
    earlier_pass_ms: Sequence[int] = (),
) -> Rating:
    if outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.TIMEOUT):
        return Rating.Again
    if used_hint or retried:
        return Rating.Hard
    if outcome is Outcome.PASS and is_fast(duration_ms, earlier_pass_ms):
        return Rating.Easy
    return Rating.Good


def is_fast(duration_ms: int, earlier_pass_ms: Sequence[int]) -> bool:
    timed = [d for d in earlier_pass_ms if d > 0]
    if len(timed) < MIN_HISTORY or duration_ms <= 0:
        return False
    return duration_ms <= FAST_FRACTION * statistics.median(timed)
