"""Time for the review engine: UTC-aware instants, their integer storage form, and study days.

Instants are stored as integer microseconds since the Unix epoch (UTC), so a value read back
from SQLite is exactly the datetime that was written and the cache replays bit for bit.
A study day runs from `day_start_hour` local time to the same hour the next local day, as in
Anki; across a DST change a day is 23 or 25 hours long.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
DEFAULT_DAY_START_HOUR = 4


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The same instant with tzinfo exactly `UTC` (fsrs refuses any other tzinfo)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: every time in quiz must be timezone-aware")
    return moment.astimezone(UTC)


def to_us(moment: datetime) -> int:
    return (as_utc(moment) - EPOCH) // _MICROSECOND


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    # tz None means the system's local rules; astimezone() with no argument applies them per
    # instant, so DST is right even without a named zone.
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def _instant(day: date, hour: int, tz: tzinfo | None) -> datetime:
    wall = datetime.combine(day, time(hour))
    if tz is None:
        return wall.astimezone(UTC)  # a naive wall time is read as system local time
    return wall.replace(tzinfo=tz).astimezone(UTC)


def study_date(moment: datetime, tz: tzinfo | None, hour: int = DEFAULT_DAY_START_HOUR) -> date:
    """The calendar date a moment's study day is named after (before `hour`, it is yesterday)."""
    local = _local(moment, tz)
    return local.date() - timedelta(days=1) if local.hour < hour else local.date()


def day_bounds(
    moment: datetime, tz: tzinfo | None, hour: int = DEFAULT_DAY_START_HOUR
) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the study day that contains `moment`."""
    day = study_date(moment, tz, hour)
    return date_bounds(day, tz, hour)


def date_bounds(
    day: date, tz: tzinfo | None, hour: int = DEFAULT_DAY_START_HOUR
) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the study day named `day`."""
    return _instant(day, hour, tz), _instant(day + timedelta(days=1), hour, tz)
