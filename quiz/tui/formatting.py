"""Short human strings for intervals, durations and dates, and padding by terminal cell width."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.cells import cell_len, set_cell_size

from quiz.i18n import _

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
        return "<" + _("{n}m").format(n=1)
    if seconds < _HOUR:
        return "<" + _("{n}m").format(n=round(seconds / _MINUTE))
    if seconds < _DAY:
        return "<" + _("{n}h").format(n=round(seconds / _HOUR))
    if seconds < _MONTH:
        return _("{n}d").format(n=round(seconds / _DAY))
    if seconds < _YEAR:
        return _("{n}mo").format(n=_one_decimal(seconds / _MONTH))
    return _("{n}y").format(n=_one_decimal(seconds / _YEAR))


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
        return _("{minutes} min").format(minutes=minutes)
    return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)


def relative(when: datetime | None, now: datetime) -> str:
    """When something happens relative to now: `now`, `in 10m`, `in 3d`, `2d ago`."""
    if when is None:
        return "—"
    delta = when - now
    if abs(delta.total_seconds()) < _MINUTE:
        return _("now")
    if delta.total_seconds() > 0:
        return _("in {interval}").format(interval=interval(delta).lstrip("<"))
    return _("{interval} ago").format(interval=interval(-delta).lstrip("<"))


def pad(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` terminal cells (a Korean syllable takes two)."""
    return set_cell_size(text, width)


def cells(text: str) -> int:
    """How many terminal cells `text` takes: what tables must align on, never len()."""
    return cell_len(text)
