"""YearHeatmap: a year of reviews per day, a week per column, as GitHub draws contributions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from textual.content import Content
from textual.widget import Widget

from quiz.i18n import N_, _
from quiz.tui.formatting import pad

# Shades from none to most, as theme colours so every theme (and NO_COLOR) reads.
LEVELS = ("$panel", "$success 30%", "$success 55%", "$success 80%", "$success")
CELL = "■"
DAY_LABELS = (N_("Mon"), "", N_("Wed"), "", N_("Fri"), "", N_("Sun"))


def level(count: int, top: int) -> int:
    """0 for no reviews, else 1-4 by quarter of the busiest day."""
    if count <= 0 or top <= 0:
        return 0
    return min(4, 1 + (4 * (count - 1)) // top)


def grid(counts: Sequence[int], last_day: date) -> list[list[int | None]]:
    """7 rows (Monday first) by N week columns; None where a cell falls outside the counts."""
    first_day = last_day - timedelta(days=len(counts) - 1)
    start = first_day - timedelta(days=first_day.weekday())
    weeks = (last_day - start).days // 7 + 1
    rows: list[list[int | None]] = [[None] * weeks for _ in range(7)]
    for offset, count in enumerate(counts):
        day = first_day + timedelta(days=offset)
        column = (day - start).days // 7
        rows[day.weekday()][column] = count
    return rows


class YearHeatmap(Widget):
    DEFAULT_CSS = """
    YearHeatmap { height: 9; width: 1fr; }
    """

    def __init__(self, counts: Sequence[int], last_day: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts = list(counts)
        self.last_day = last_day

    def render(self) -> Content:
        # Only the weeks that fit: the most recent ones, so today is always on screen.
        room = max((self.size.width - 4) // 1, 1)
        rows = grid(self.counts, self.last_day)
        weeks = len(rows[0])
        first = max(weeks - room, 0)
        top = max(self.counts, default=0)
        lines: list[Content] = [self._months(first, weeks)]
        for weekday, row in enumerate(rows):
            parts: list[tuple[str, str] | str] = [
                (pad(_(DAY_LABELS[weekday]) if DAY_LABELS[weekday] else "", 4), "dim")
            ]
            for value in row[first:]:
                if value is None:
                    parts.append(" ")
                else:
                    parts.append((CELL, LEVELS[level(value, top)]))
            lines.append(Content.assemble(*parts))
        legend = [
            ("    " + _("less") + " ", "dim"),
            *((CELL, shade) for shade in LEVELS),
            (" " + _("more"), "dim"),
        ]
        lines.append(Content.assemble(*legend))
        return Content("\n").join(lines)

    def _months(self, first: int, weeks: int) -> Content:
        """Month names above the first week that starts in each month."""
        start = self.last_day - timedelta(days=len(self.counts) - 1)
        start -= timedelta(days=start.weekday())
        label = [" "] * (weeks - first + 4 + 3)  # room for the last month's name
        for column in range(first, weeks):
            monday = start + timedelta(days=7 * column)
            if monday.day <= 7:
                name = monday.strftime("%b")
                at = column - first + 4
                if at + len(name) <= len(label):
                    label[at : at + len(name)] = list(name)
        return Content.styled("".join(label).rstrip(), "dim")
