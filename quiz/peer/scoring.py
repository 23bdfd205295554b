"""Scoring a peer session: points per answer and the ranking, for `speed` and `accuracy`.

`speed` is Kahoot's: a correct answer earns 1000 points at once, falling linearly to 500 at the
deadline, plus a streak bonus of +100 for each consecutive correct answer before this one (the
second in a row earns +100, the sixth and later +500). `accuracy` is 1 point per correct answer;
ties are broken by the total time taken (faster first). Times are the hub's, never a client's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

SPEED_MAX = 1000
SPEED_MIN = 500
STREAK_STEP = 100
STREAK_CAP = 500


class Scoring(StrEnum):
    SPEED = "speed"
    ACCURACY = "accuracy"


@dataclass(frozen=True)
class Scored:
    points: int
    streak: int  # consecutive correct answers, this one included (0 after a miss)


def score(
    scoring: Scoring, correct: bool, elapsed: float, limit: float, streak_before: int
) -> Scored:
    """The points for one answer given `elapsed` of `limit` seconds and the streak so far."""
    if not correct:
        return Scored(0, 0)
    streak = streak_before + 1
    if scoring is Scoring.ACCURACY:
        return Scored(1, streak)
    share = min(max(elapsed / limit, 0.0), 1.0) if limit > 0 else 0.0
    base = round(SPEED_MAX - (SPEED_MAX - SPEED_MIN) * share)
    bonus = min(STREAK_STEP * (streak - 1), STREAK_CAP)
    return Scored(base + bonus, streak)


@dataclass(frozen=True)
class Standing:
    participant: int
    name: str
    score: int
    correct: int
    time: float  # seconds spent over the questions this participant was asked

    def as_dict(self, rank: int) -> dict[str, object]:
        return {
            "rank": rank,
            "name": self.name,
            "score": self.score,
            "correct": self.correct,
            "time": round(self.time, 3),
        }


def ranking(standings: Iterable[Standing]) -> list[tuple[int, Standing]]:
    """(rank, standing), best first: more points, then less time; equal both share a rank."""
    ordered = sorted(standings, key=lambda s: (-s.score, s.time, s.name.casefold()))
    ranked: list[tuple[int, Standing]] = []
    for index, standing in enumerate(ordered):
        previous = ranked[-1] if ranked else None
        if previous and (previous[1].score, previous[1].time) == (standing.score, standing.time):
            ranked.append((previous[0], standing))
        else:
            ranked.append((index + 1, standing))
    return ranked


def board(standings: Sequence[Standing], limit: int | None = None) -> list[dict[str, object]]:
    rows = [standing.as_dict(rank) for rank, standing in ranking(standings)]
    return rows[:limit] if limit is not None else rows
