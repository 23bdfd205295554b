"""Short human strings for intervals, durations and dates, and padding by terminal cell width."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.cells import cell_len, set_cell_size

_MINUTE = 60.0
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_MONTH = 30 * _DAY
_YEAR = 365 * _DAY


def interval(delta: timedelta) -> str:
    """An interval as Anki prints it on its grade buttons: `<1m`, `<10m`, `1d`, `3.5mo`, `1.2y`.

    Anything shorter than a day is a learning step, shown with `<` because the card comes back
    within that time rather than exactly then.
    """
    seconds = max(delta.total_seconds(), 0.0)
    if seconds < _MINUTE:
        return "<1m"
    if seconds < _HOUR:
        return f"<{round(seconds / _MINUTE)}m"
    if seconds < _DAY:
        return f"<{round(seconds / _HOUR)}h"
    if seconds < _MONTH:
        return f"{round(seconds / _DAY)}d"
    if seconds < _YEAR:
        return f"{_one_decimal(seconds / _MONTH)}mo"
    return f"{_one_decimal(seconds / _YEAR)}y"


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def clock_time(seconds: float) -> str:
    """Elapsed time as `m:ss`, or `h:mm:ss` past an hour."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def study_time(seconds: float) -> str:
    """Time spent studying, in words that fit a status line: `0 min`, `12 min`, `1 h 5 min`."""
    minutes = int(max(seconds, 0.0) // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def relative(when: datetime | None, now: datetime) -> str:
    """When something happens relative to now: `now`, `in 10m`, `in 3d`, `2d ago`."""
    if when is None:
        return "—"
    delta = when - now
    if abs(delta.total_seconds()) < _MINUTE:
        return "now"
    if delta.total_seconds() > 0:
        return f"in {interval(delta).lstrip('<')}"
    return f"{interval(-delta).lstrip('<')} ago"


def pad(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` terminal cells (a Korean syllable takes two)."""
    return set_cell_size(text, width)


def cells(text: str) -> int:
    """How many terminal cells `text` takes: what tables must align on, never len()."""
    return cell_len(text)
