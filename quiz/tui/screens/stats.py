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

from quiz.i18n import N_, _, ngettext
from quiz.srs.stats import PERIOD_NAMES
from quiz.tui.formatting import pad, study_time
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
        (ngettext("{n} card", "{n} cards", today.cards).format(n=today.cards), "bold"),
        ("  ", ""),
        (ngettext("{n} review", "{n} reviews", today.reviews).format(n=today.reviews), "bold"),
        ("  ", ""),
        (study_time(today.seconds), "bold"),
        ("  ", ""),
        (str(today.again), "bold $text-error"),
        (" " + _("again") + "  ", "dim"),
        (
            ngettext("{n}-day streak", "{n}-day streak", stats.streak).format(n=stats.streak),
            "bold $text-success",
        ),
        (
            "  "
            + ngettext("{n} review in all", "{n} reviews in all", stats.total_reviews).format(
                n=stats.total_reviews
            ),
            "dim",
        ),
    )


def states_line(stats: Stats) -> Content:
    s = stats.states
    parts: list[tuple[str, str]] = []
    for name, value, style in (
        (_("new"), s.new, "$text-primary"),
        (_("learning"), s.learning, "$text-error"),
        (_("review"), s.review, "$text-success"),
        (_("relearning"), s.relearning, "$text-warning"),
        (_("suspended"), s.suspended, "$text-muted"),
        (_("leech"), s.leech, "$text-error"),
    ):
        parts += [
            (str(value) if value is not None else "—", f"bold {style}"),
            (f" {name}  ", "dim"),
        ]
    return Content.assemble(*parts)


class StatsScreen(Screen[None]):
    HELP = N_(
        "Today's work, the cards due over the next 30 days (today includes overdue ones), "
        "reviews per day, a year of study, true retention (Anki's: reviews of graduated cards "
        "not graded Again; mature means an interval of 21 days or more) and card states."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", N_("Back")),
        Binding("r", "reload", N_("Refresh")),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield VerticalScroll(id="stats")
        yield QuizFooter()

    def on_mount(self) -> None:
        self.sub_title = _("stats")
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
        retention.add_columns("", _("Young"), _("Mature"), _("Total"), _("Reviews"))
        for r in stats.retention:
            count = r.young_passed + r.young_failed + r.mature_passed + r.mature_failed
            retention.add_row(
                Text(_(PERIOD_NAMES.get(r.period, r.period)), style="bold"),
                *(Text(_percent(v), justify="right") for v in (r.young, r.mature, r.total)),
                Text(str(count), justify="right"),
            )
        return [
            Static(Content.styled(_("Today"), "bold"), classes="stats-title"),
            Static(today_line(stats)),
            Static(
                Content.assemble(
                    (_("Due in the next 30 days"), "bold"),
                    (
                        "   "
                        + ngettext(
                            "{n} card · {today} today", "{n} cards · {today} today", sum(forecast)
                        ).format(n=sum(forecast), today=forecast[0] if forecast else 0),
                        "dim",
                    ),
                ),
                classes="stats-title",
            ),
            Vertical(
                Sparkline(forecast, id="stats-forecast"),
                Static(Content.styled(pad(_("today"), CHART_WIDTH - 10) + _("in 30 days"), "dim")),
                classes="stats-chart",
            ),
            Static(
                Content.assemble(
                    (_("Reviews per day, last {n} days").format(n=RECENT_DAYS), "bold"),
                    ("   " + _("busiest {n}").format(n=max(recent, default=0)), "dim"),
                ),
                classes="stats-title",
            ),
            Vertical(Sparkline(recent, id="stats-reviews"), classes="stats-chart"),
            Static(Content.styled(_("The last year"), "bold"), classes="stats-title"),
            YearHeatmap(stats.reviews_per_day, stats.today_date, id="stats-heatmap"),
            Static(Content.styled(_("True retention"), "bold"), classes="stats-title"),
            retention,
            Static(Content.styled(_("Card states"), "bold"), classes="stats-title"),
            Static(states_line(stats)),
        ]

    def action_back(self) -> None:
        self.dismiss()
