"""Today's queue, as Anki builds it: limits, sibling burying, and the order cards come in.

Pure: the caller reads the candidates from the store (already free of suspended and manually
buried cards, in due order / deck order) and this module decides. Order: learning cards that
are due now first; then reviews and new cards interleaved so that the new ones spread evenly
through the day; then, when nothing else is left, learning cards due within the learn-ahead
window (Anki's 20 minutes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

LEARN_AHEAD_SECONDS = 20 * 60


@dataclass(frozen=True)
class Candidate:
    key: str
    deck_id: str
    sibling_group: str | None
    """`deck-id/group` for a card with a group, so siblings share it; None otherwise."""


@dataclass
class DayQueue:
    learn_now: list[str] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    learn_ahead: list[str] = field(default_factory=list)
    new_done: int = 0
    reviews_done: int = 0

    def next_key(self) -> str | None:
        if self.learn_now:
            return self.learn_now[0]
        if self.reviews or self.new:
            return self.new[0] if self._new_turn() else self.reviews[0]
        return self.learn_ahead[0] if self.learn_ahead else None

    def _new_turn(self) -> bool:
        if not self.new:
            return False
        if not self.reviews:
            return True
        # Keep the share of today's new cards shown in step with the share of reviews shown,
        # so new cards are spread through the reviews rather than bunched at either end.
        total_new = self.new_done + len(self.new)
        total_reviews = self.reviews_done + len(self.reviews)
        return self.new_done * total_reviews < self.reviews_done * total_new

    @property
    def learn_count(self) -> int:
        if self.learn_now or self.reviews or self.new:
            return len(self.learn_now)
        return len(self.learn_ahead)


def _limited(
    candidates: Iterable[Candidate],
    left: Mapping[str, int],
    taken_groups: set[str],
    answered_groups: Mapping[str, set[str]],
) -> list[str]:
    remaining = dict(left)
    chosen: list[str] = []
    for cand in candidates:
        if remaining.get(cand.deck_id, 0) <= 0:
            if not any(v > 0 for v in remaining.values()):
                break
            continue
        group = cand.sibling_group
        if group is not None:
            answered = answered_groups.get(group)
            if answered and cand.key not in answered:
                continue  # a sibling was answered today: buried until tomorrow
            if group in taken_groups:
                continue  # a sibling is already in today's queue
            taken_groups.add(group)
        remaining[cand.deck_id] -= 1
        chosen.append(cand.key)
    return chosen


def build(
    *,
    learn_now: Iterable[str],
    learn_ahead: Iterable[str],
    reviews: Iterable[Candidate],
    new: Iterable[Candidate],
    reviews_left: Mapping[str, int],
    new_left: Mapping[str, int],
    answered_groups: Mapping[str, set[str]],
    new_done: int,
    reviews_done: int,
    is_loaded: Callable[[str], bool],
) -> DayQueue:
    """Today's queue. `new` may be lazy: it is read only until every deck's new limit is met."""
    taken: set[str] = set()
    return DayQueue(
        learn_now=[k for k in learn_now if is_loaded(k)],
        reviews=_limited(
            (c for c in reviews if is_loaded(c.key)), reviews_left, taken, answered_groups
        ),
        new=_limited(new, new_left, taken, answered_groups),
        learn_ahead=[k for k in learn_ahead if is_loaded(k)],
        new_done=new_done,
        reviews_done=reviews_done,
    )
