"""Today's queue, as Anki builds it: limits, sibling burying, and the order cards come in.

Pure: the caller reads the candidates from the store (already free of suspended and manually
buried cards, in due order / deck order) and this module decides. Order: learning cards that
are due now first; then reviews and new cards interleaved so that the new ones spread evenly
through the day; then, when nothing else is left, learning cards due within the learn-ahead
window (Anki's 20 minutes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

LEARN_AHEAD_SECONDS = 20 * 60


@dataclass(frozen=True)
class Candidate:
    key: str
    sibling_group: str | None
    """`deck-id/group` for a card with a group (Card.sibling_group), so siblings share it
    whichever deck they are in; None otherwise."""
    due: int = 0
    """Reviews: the due (microseconds); today's reviews are shown most overdue first."""


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
        # As Anki counts: every learning card due within the learn-ahead window, whatever else
        # is left. Counting the window only when nothing else was left made a deck's row
        # disagree with the "all decks" row above it.
        return len(self.learn_now) + len(self.learn_ahead)


def _limited(
    candidates: Iterable[Candidate],
    limit: int,
    taken_groups: set[str],
    answered_groups: Mapping[str, set[str]],
) -> list[Candidate]:
    """Up to `limit` candidates, in order, reading no further than needed."""
    chosen: list[Candidate] = []
    if limit <= 0:
        return chosen
    for cand in candidates:
        group = cand.sibling_group
        if group is not None:
            answered = answered_groups.get(group)
            if answered and cand.key not in answered:
                continue  # a sibling was answered today: buried until tomorrow
            if group in taken_groups:
                continue  # a sibling is already in today's queue
            taken_groups.add(group)
        chosen.append(cand)
        if len(chosen) >= limit:
            break
    return chosen


def build(
    *,
    learn_now: Iterable[str],
    learn_ahead: Iterable[str],
    reviews: Mapping[str, Iterable[Candidate]],
    new: Mapping[str, Iterable[Candidate]],
    reviews_left: Mapping[str, int],
    new_left: Mapping[str, int],
    answered_groups: Mapping[str, set[str]],
    new_done: int,
    reviews_done: int,
) -> DayQueue:
    """Today's queue from each deck's candidates (reviews in due order, new in deck order).

    Candidates may be lazy: each deck's are read only until its limit is met. A deck's reviews
    claim sibling groups before its new cards do.
    """
    taken: set[str] = set()
    day_reviews: list[Candidate] = []
    day_new: list[str] = []
    for deck_id in dict.fromkeys([*reviews, *new]):
        day_reviews += _limited(
            reviews.get(deck_id, ()), reviews_left.get(deck_id, 0), taken, answered_groups
        )
        day_new += [
            c.key
            for c in _limited(
                new.get(deck_id, ()), new_left.get(deck_id, 0), taken, answered_groups
            )
        ]
    day_reviews.sort(key=lambda c: (c.due, c.key))
    return DayQueue(
        learn_now=list(learn_now),
        reviews=[c.key for c in day_reviews],
        new=day_new,
        learn_ahead=list(learn_ahead),
        new_done=new_done,
        reviews_done=reviews_done,
    )
