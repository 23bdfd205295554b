"""StatsScreen: `quiz stats` drawn: today, the 30-day forecast, reviews per day, a year heatmap,
retention and card states."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, Sparkline, Static

from quiz.tui.formatting import study_time
from quiz.tui.services import Services
from quiz.tui.widgets.footer import QuizFooter
from quiz.tui.widgets.heatmap import YearHeatmap

if TYPE_CHECKING:
    from quiz.srs.stats import Stats

RECENT_DAYS = 60
CHART_WIDTH = 60  # two cells a day for the forecast, one for recent reviews


def _percent(value: float | None) -> str:
    return f"{100 * value:.1f}%" if value is not None else "—"


def today_line(stats: Stats) -> Content:
    today = stats.today
    return Content.assemble(
        (str(today.cards), "bold"),
        (" cards  ", "dim"),
        (str(today.reviews), "bold"),
        (" reviews  ", "dim"),
        (study_time(today.seconds), "bold"),
        ("  ", ""),
        (str(today.again), "bold $text-error"),
        (" again  ", "dim"),
        (f"{stats.streak}-day streak", "bold $text-success"),
        (f"  {stats.total_reviews} reviews in all", "dim"),
    )


def states_line(stats: Stats) -> Content:
    s = stats.states
    parts: list[tuple[str, str]] = []
    for name, value, style in (
        ("new", s.new, "$text-primary"),
        ("learning", s.learning, "$text-error"),
        ("review", s.review, "$text-success"),
        ("relearning", s.relearning, "$text-warning"),
        ("suspended", s.suspended, "$text-muted"),
        ("leech", s.leech, "$text-error"),
    ):
        parts += [
            (str(value) if value is not None else "—", f"bold {style}"),
            (f" {name}  ", "dim"),
        ]
    return Content.assemble(*parts)


class StatsScreen(Screen[None]):
    HELP = (
        "Today's work, the cards due over the next 30 days (today includes overdue ones), "
        "reviews per day, a year of study, true retention (Anki's: reviews of graduated cards "
        "not graded Again; mature means an interval of 21 days or more) and card states."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("r", "reload", "Refresh"),
        Binding("question_mark", "app.help", "Help", key_display="?"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield VerticalScroll(id="stats")
        yield QuizFooter()

    def on_mount(self) -> None:
        self.sub_title = "stats"
        self.action_reload()

    def action_reload(self) -> None:
        stats = self.services.engine.stats(self.services.decks)
        body = self.query_one("#stats", VerticalScroll)
        body.remove_children()
        body.mount_all(self._sections(stats))

    def _sections(self, stats: Stats) -> list[Widget]:
        forecast = list(stats.forecast)
        recent = list(stats.reviews_per_day[-RECENT_DAYS:])
        retention: DataTable[Text] = DataTable(
            id="stats-retention", cursor_type="none", zebra_stripes=True
        )
        retention.add_columns("", "Young", "Mature", "Total", "Reviews")
        for r in stats.retention:
            count = r.young_passed + r.young_failed + r.mature_passed + r.mature_failed
            retention.add_row(
                Text(r.period, style="bold"),
                *(Text(_percent(v), justify="right") for v in (r.young, r.mature, r.total)),
                Text(str(count), justify="right"),
            )
        return [
            Static(Content.styled("Today", "bold"), classes="stats-title"),
            Static(today_line(stats)),
            Static(
                Content.assemble(
                    ("Due in the next 30 days", "bold"),
                    (f"   {sum(forecast)} cards · {forecast[0] if forecast else 0} today", "dim"),
                ),
                classes="stats-title",
            ),
            Vertical(
                Sparkline(forecast, id="stats-forecast"),
                Static(Content.styled(f"{'today':<{CHART_WIDTH - 10}}in 30 days", "dim")),
                classes="stats-chart",
            ),
            Static(
                Content.assemble(
                    (f"Reviews per day, last {RECENT_DAYS} days", "bold"),
                    (f"   busiest {max(recent, default=0)}", "dim"),
                ),
                classes="stats-title",
            ),
            Vertical(Sparkline(recent, id="stats-reviews"), classes="stats-chart"),
            Static(Content.styled("The last year", "bold"), classes="stats-title"),
            YearHeatmap(stats.reviews_per_day, stats.today_date, id="stats-heatmap"),
            Static(Content.styled("True retention", "bold"), classes="stats-title"),
            retention,
            Static(Content.styled("Card states", "bold"), classes="stats-title"),
            Static(states_line(stats)),
        ]

    def action_back(self) -> None:
        self.dismiss()
