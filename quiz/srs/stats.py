"""Statistics over the log and the card cache, for `quiz stats` and the TUI's Stats screen.

Undone reviews never count. Study days follow the same day-start hour and time zone as the
queue. True retention is Anki's: of the reviews of cards in the review state (not learning or
relearning steps), the share not graded Again, split at a 21-day interval into young and mature.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from quiz.deck.model import Deck
from quiz.i18n import N_
from quiz.srs.events import Phase
from quiz.srs.store import Store
from quiz.srs.timeutil import DEFAULT_DAY_START_HOUR, date_bounds, study_date, to_us, utc_now

FORECAST_DAYS = 30
HISTORY_DAYS = 365
MATURE_DAYS = 21


@dataclass(frozen=True)
class Today:
    cards: int
    """Distinct cards answered today."""
    reviews: int
    seconds: float
    again: int


@dataclass(frozen=True)
class Retention:
    period: str
    young_passed: int
    young_failed: int
    mature_passed: int
    mature_failed: int

    @staticmethod
    def _rate(passed: int, failed: int) -> float | None:
        return passed / (passed + failed) if passed + failed else None

    @property
    def young(self) -> float | None:
        return self._rate(self.young_passed, self.young_failed)

    @property
    def mature(self) -> float | None:
        return self._rate(self.mature_passed, self.mature_failed)

    @property
    def total(self) -> float | None:
        return self._rate(
            self.young_passed + self.mature_passed, self.young_failed + self.mature_failed
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(young=self.young, mature=self.mature, total=self.total)
        return data


@dataclass(frozen=True)
class StateCounts:
    new: int | None
    """Loaded deck cards never studied; None when no decks were given."""
    learning: int
    review: int
    relearning: int
    suspended: int
    leech: int


@dataclass(frozen=True)
class Stats:
    generated_at: datetime
    today_date: date
    today: Today
    forecast: list[int]
    """Cards due on each of the next 30 study days; index 0 is today, overdue included."""
    reviews_per_day: list[int]
    """Reviews on each of the last 365 study days, oldest first; the last is today."""
    retention: list[Retention]
    states: StateCounts
    streak: int
    """Consecutive study days with a review, up to today (or yesterday, if none yet today)."""
    total_reviews: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "today_date": self.today_date.isoformat(),
            "today": asdict(self.today),
            "forecast": list(self.forecast),
            "reviews_per_day": {
                "first_day": (self.today_date - timedelta(days=HISTORY_DAYS - 1)).isoformat(),
                "counts": list(self.reviews_per_day),
            },
            "retention": [r.to_dict() for r in self.retention],
            "states": asdict(self.states),
            "streak": self.streak,
            "total_reviews": self.total_reviews,
        }


def _bounds(days: Sequence[date], tz: tzinfo | None, hour: int) -> list[tuple[int, int]]:
    out = []
    for day in days:
        start, stop = date_bounds(day, tz, hour)
        out.append((to_us(start), to_us(stop)))
    return out


@dataclass(frozen=True)
class _UndoneReview:
    uuid: str
    time: int
    state_before: int | None
    rating: int
    interval_before: float | None


def _undone(conn: sqlite3.Connection) -> list[_UndoneReview]:
    # Few rows: aggregates run over every review (index only), then these are taken back out.
    rows = conn.execute(
        "SELECT DISTINCT r.uuid, r.time, r.state_before, r.rating, r.interval_before "
        "FROM log AS u JOIN log AS r ON r.uuid = u.target "
        "WHERE u.kind = 'undo' AND r.kind = 'review'"
    )
    return [_UndoneReview(*row) for row in rows]


def _per_day(
    conn: sqlite3.Connection, bounds: list[tuple[int, int]], undone: list[_UndoneReview]
) -> list[int]:
    """Standing reviews in each [start, stop) of contiguous study days."""
    conn.execute("DROP TABLE IF EXISTS temp.stat_days")
    conn.execute("CREATE TEMP TABLE stat_days (i INTEGER PRIMARY KEY, start INTEGER, stop INTEGER)")
    conn.executemany(
        "INSERT INTO temp.stat_days VALUES (?, ?, ?)",
        [(i, a, b) for i, (a, b) in enumerate(bounds)],
    )
    counts = [0] * len(bounds)
    # CROSS JOIN keeps the days outside and INDEXED BY stops SQLite from building an automatic
    # index on `kind` per query: each day is one range of the log_review_time index.
    for i, count in conn.execute(
        "SELECT d.i, count(*) FROM temp.stat_days AS d "
        "CROSS JOIN log AS l INDEXED BY log_review_time WHERE l.kind = 'review' "
        "AND l.time >= d.start AND l.time < d.stop GROUP BY d.i"
    ):
        counts[i] = count
    starts = [a for a, _ in bounds]
    for review in undone:
        i = bisect.bisect_right(starts, review.time) - 1
        if 0 <= i < len(bounds) and review.time < bounds[i][1]:
            counts[i] -= 1
    return counts


_PERIODS = ("today", "yesterday", "week", "month", "year", "all")
# How the retention table names its periods, marked for translation (the CLI's and the stats
# screen's words; each shows them through `_()`).
PERIOD_NAMES = {
    "today": N_("today"),
    "yesterday": N_("yesterday"),
    "week": N_("week"),
    "month": N_("month"),
    "year": N_("year"),
    "all": N_("all"),
}


def _retention(
    conn: sqlite3.Connection, edges: list[int], stop: int, undone: list[_UndoneReview]
) -> list[Retention]:
    """Anki's true retention for each period.

    `edges` are the starts of today, yesterday, 7, 30 and 365 days back (descending). Each
    disjoint bucket between them is counted per class (young/mature x fail/pass) as one range
    of the log_retention index, whose expressions the query must repeat exactly; the periods
    are sums of buckets.
    """
    ranges = [(edges[0], stop)]
    ranges += [(edges[i + 1], edges[i]) for i in range(len(edges) - 1)]
    ranges.append((-(2**63), edges[-1]))
    query = (
        "SELECT count(*) FROM log INDEXED BY log_retention WHERE kind = 'review' "
        f"AND state_before = {int(Phase.REVIEW)} AND (rating > 1) = ? "
        f"AND (coalesce(interval_before, 0) >= {MATURE_DAYS}) = ? AND time >= ? AND time < ?"
    )
    buckets = [[0, 0, 0, 0] for _ in ranges]  # young fail/pass, mature fail/pass
    for bucket, (start, end) in enumerate(ranges):
        for mature in (0, 1):
            for passed in (0, 1):
                row = conn.execute(query, (passed, mature, start, end)).fetchone()
                buckets[bucket][2 * mature + passed] = row[0]
    for review in undone:
        if review.state_before != Phase.REVIEW or review.time >= stop:
            continue
        bucket = next((i for i, edge in enumerate(edges) if review.time >= edge), len(edges))
        mature = (review.interval_before or 0) >= MATURE_DAYS
        buckets[bucket][2 * int(mature) + int(review.rating > 1)] -= 1
    members = {
        "today": [0],
        "yesterday": [1],
        "week": [0, 1, 2],
        "month": [0, 1, 2, 3],
        "year": [0, 1, 2, 3, 4],
        "all": [0, 1, 2, 3, 4, 5],
    }
    out = []
    for period in _PERIODS:
        yf, yp, mf, mp = (sum(buckets[b][k] for b in members[period]) for k in range(4))
        out.append(
            Retention(period, young_passed=yp, young_failed=yf, mature_passed=mp, mature_failed=mf)
        )
    return out


def _streak(
    conn: sqlite3.Connection,
    recent: list[int],
    today: date,
    tz: tzinfo | None,
    hour: int,
    undone: list[_UndoneReview],
) -> int:
    counts = recent[:-1] if recent[-1] == 0 else recent  # today not studied yet breaks nothing
    streak = 0
    end = today if recent[-1] else today - timedelta(days=1)
    while True:
        for count in reversed(counts):
            if not count:
                return streak
            streak += 1
        # Every day of this window had reviews: look further back, a year at a time.
        end -= timedelta(days=len(counts))
        days = [end - timedelta(days=HISTORY_DAYS - 1 - i) for i in range(HISTORY_DAYS)]
        counts = _per_day(conn, _bounds(days, tz, hour), undone)


def compute_stats(
    store: Store,
    clock: Callable[[], datetime] = utc_now,
    *,
    tz: tzinfo | None = None,
    day_start_hour: int | None = None,
    decks: Sequence[Deck] | None = None,
) -> Stats:
    now = clock()
    hour = day_start_hour if day_start_hour is not None else store.setting("day_start_hour")
    hour = DEFAULT_DAY_START_HOUR if hour is None else int(hour)
    if tz is None and store.setting("timezone"):
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(str(store.setting("timezone")))
    today = study_date(now, tz, hour)
    start, stop = (to_us(t) for t in date_bounds(today, tz, hour))
    with store.read() as conn:
        undone = _undone(conn)
        undone_ids = {r.uuid for r in undone}
        today_rows = [
            row
            for row in conn.execute(
                "SELECT uuid, key, rating, duration_ms FROM log WHERE kind = 'review' "
                "AND time >= ? AND time < ?",
                (start, stop),
            )
            if row[0] not in undone_ids
        ]
        history = [today - timedelta(days=HISTORY_DAYS - 1 - i) for i in range(HISTORY_DAYS)]
        per_day = _per_day(conn, _bounds(history, tz, hour), undone)

        forecast = [0] * FORECAST_DAYS
        forecast_bounds = _bounds(
            [today + timedelta(days=i) for i in range(FORECAST_DAYS)], tz, hour
        )
        # One range of the cards_state_due index per state; overdue cards count for today.
        starts = [a for a, _ in forecast_bounds]
        for state in (Phase.LEARNING, Phase.REVIEW, Phase.RELEARNING):
            for (due,) in conn.execute(
                "SELECT due FROM cards WHERE state = ? AND due < ? AND suspended = 0",
                (int(state), forecast_bounds[-1][1]),
            ):
                forecast[max(0, bisect.bisect_right(starts, due) - 1)] += 1

        edges = [
            to_us(date_bounds(today - timedelta(days=back), tz, hour)[0])
            for back in (0, 1, 6, 29, 364)
        ]
        retention = _retention(conn, edges, stop, undone)

        by_state = dict.fromkeys(Phase, 0)
        suspended = 0
        for state, count, in_state_suspended in conn.execute(
            "SELECT state, count(*), sum(suspended) FROM cards INDEXED BY cards_queue "
            "GROUP BY state"
        ):
            by_state[Phase(state)] = count - in_state_suspended
            suspended += in_state_suspended
        leech = conn.execute(
            "SELECT count(*) FROM cards INDEXED BY cards_leech WHERE leech != 0"
        ).fetchone()[0]
        total = conn.execute(
            "SELECT count(*) FROM log INDEXED BY log_review_time WHERE kind = 'review'"
        ).fetchone()[0]
        streak = _streak(conn, per_day, today, tz, hour, undone)
        new: int | None = None
        if decks is not None:
            seen = {
                row[0]
                for row in conn.execute("SELECT key FROM cards WHERE state != 0 OR suspended != 0")
            }
            new = sum(1 for d in decks for c in d.cards if c.key not in seen)
    return Stats(
        generated_at=now,
        today_date=today,
        today=Today(
            cards=len({row[1] for row in today_rows}),
            reviews=len(today_rows),
            seconds=sum(row[3] or 0 for row in today_rows) / 1000.0,
            again=sum(1 for row in today_rows if row[2] == 1),
        ),
        forecast=forecast,
        reviews_per_day=per_day,
        retention=retention,
        states=StateCounts(
            new=new,
            learning=by_state[Phase.LEARNING],
            review=by_state[Phase.REVIEW],
            relearning=by_state[Phase.RELEARNING],
            suspended=suspended,
            leech=leech,
        ),
        streak=streak,
        total_reviews=total - len(undone),
    )
