"""Statistics over the log and the card cache, for `quiz stats` and the TUI's Stats screen.

Undone reviews never count. Study days follow the same day-start hour and time zone as the
queue. True retention is Anki's: of the reviews of cards in the review state (not learning or
relearning steps), the share not graded Again, split at a 21-day interval into young and mature.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from quiz.deck.model import Deck
from quiz.srs.events import Phase
from quiz.srs.store import Store
from quiz.srs.timeutil import DEFAULT_DAY_START_HOUR, date_bounds, study_date, to_us, utc_now

FORECAST_DAYS = 30
HISTORY_DAYS = 365
MATURE_DAYS = 21
_NOT_UNDONE = "uuid NOT IN (SELECT target FROM log WHERE kind = 'undo' AND target IS NOT NULL)"


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


def _day_table(
    conn: sqlite3.Connection, name: str, days: Sequence[date], tz: tzinfo | None, hour: int
) -> None:
    conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
    conn.execute(f"CREATE TEMP TABLE {name} (i INTEGER PRIMARY KEY, start INTEGER, stop INTEGER)")
    rows = []
    for i, day in enumerate(days):
        start, stop = date_bounds(day, tz, hour)
        rows.append((i, to_us(start), to_us(stop)))
    conn.executemany(f"INSERT INTO temp.{name} VALUES (?, ?, ?)", rows)


def _per_day(conn: sqlite3.Connection, table: str, n: int) -> list[int]:
    counts = [0] * n
    rows = conn.execute(
        f"SELECT d.i, count(*) FROM temp.{table} AS d JOIN log AS l "
        f"ON l.time >= d.start AND l.time < d.stop "
        f"WHERE l.kind = 'review' AND l.{_NOT_UNDONE} GROUP BY d.i"
    )
    for i, count in rows:
        counts[i] = count
    return counts


def _retention(conn: sqlite3.Connection, period: str, start: int | None, stop: int) -> Retention:
    where = "time < ?" if start is None else "time >= ? AND time < ?"
    params = (stop,) if start is None else (start, stop)
    found = {(False, False): 0, (False, True): 0, (True, False): 0, (True, True): 0}
    rows = conn.execute(
        f"SELECT coalesce(interval_before, 0) >= {MATURE_DAYS}, rating > 1, count(*) FROM log "
        f"WHERE kind = 'review' AND state_before = {int(Phase.REVIEW)} AND {where} "
        f"AND {_NOT_UNDONE} GROUP BY 1, 2",
        params,
    )
    for mature, passed, count in rows:
        found[(bool(mature), bool(passed))] = count
    return Retention(
        period=period,
        young_passed=found[(False, True)],
        young_failed=found[(False, False)],
        mature_passed=found[(True, True)],
        mature_failed=found[(True, False)],
    )


def _streak(
    conn: sqlite3.Connection, recent: list[int], today: date, tz: tzinfo | None, hour: int
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
        _day_table(conn, "streak_days", days, tz, hour)
        counts = _per_day(conn, "streak_days", HISTORY_DAYS)


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
        cards, reviews, ms, again = conn.execute(
            f"SELECT count(DISTINCT key), count(*), coalesce(sum(duration_ms), 0), "
            f"coalesce(sum(rating = 1), 0) FROM log WHERE kind = 'review' AND time >= ? "
            f"AND time < ? AND {_NOT_UNDONE}",
            (start, stop),
        ).fetchone()
        history_days = [today - timedelta(days=HISTORY_DAYS - 1 - i) for i in range(HISTORY_DAYS)]
        _day_table(conn, "history_days", history_days, tz, hour)
        per_day = _per_day(conn, "history_days", HISTORY_DAYS)

        forecast_days = [today + timedelta(days=i) for i in range(FORECAST_DAYS)]
        _day_table(conn, "forecast_days", forecast_days, tz, hour)
        forecast = [0] * FORECAST_DAYS
        for i, count in conn.execute(
            "SELECT d.i, count(*) FROM temp.forecast_days AS d JOIN cards AS c "
            "ON c.due >= d.start AND c.due < d.stop "
            "WHERE c.state != 0 AND c.suspended = 0 GROUP BY d.i"
        ):
            forecast[i] = count
        forecast[0] += conn.execute(
            "SELECT count(*) FROM cards WHERE state != 0 AND suspended = 0 AND due < ?", (start,)
        ).fetchone()[0]

        periods = [
            ("today", start, stop),
            ("yesterday", to_us(date_bounds(today - timedelta(days=1), tz, hour)[0]), start),
            ("week", to_us(date_bounds(today - timedelta(days=6), tz, hour)[0]), stop),
            ("month", to_us(date_bounds(today - timedelta(days=29), tz, hour)[0]), stop),
            ("year", to_us(date_bounds(today - timedelta(days=364), tz, hour)[0]), stop),
            ("all", None, stop),
        ]
        retention = [_retention(conn, name, a, b) for name, a, b in periods]

        by_state = dict.fromkeys(Phase, 0)
        for state, count in conn.execute(
            "SELECT state, count(*) FROM cards WHERE suspended = 0 GROUP BY state"
        ):
            by_state[Phase(state)] = count
        suspended, leech = conn.execute(
            "SELECT coalesce(sum(suspended), 0), coalesce(sum(leech), 0) FROM cards"
        ).fetchone()
        total = conn.execute(
            f"SELECT count(*) FROM log WHERE kind = 'review' AND {_NOT_UNDONE}"
        ).fetchone()[0]
        streak = _streak(conn, per_day, today, tz, hour)
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
        today=Today(cards=cards, reviews=reviews, seconds=ms / 1000.0, again=again),
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
        total_reviews=total,
    )
