"""SummaryScreen: the end of a session: cards, accuracy, time, and when the next card is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from quiz.i18n import N_, _, ngettext
from quiz.tui.formatting import clock_time, pad, relative
from quiz.tui.widgets.footer import QuizFooter


@dataclass(frozen=True)
class Summary:
    cards: int
    judged: int
    passed: int
    seconds: float
    next_due: datetime | None
    now: datetime

    def lines(self) -> list[tuple[str, str]]:
        accuracy = f"{100 * self.passed / self.judged:.0f}%" if self.judged else "—"
        checked = (
            "  "
            + ngettext(
                "({passed} of {n} checked answer)", "({passed} of {n} checked answers)", self.judged
            ).format(passed=self.passed, n=self.judged)
            if self.judged
            else ""
        )
        next_due = relative(self.next_due, self.now) if self.next_due else _("nothing scheduled")
        return [
            (_("Cards"), str(self.cards)),
            (_("Accuracy"), accuracy + checked),
            (_("Time"), clock_time(self.seconds)),
            (_("Next card"), next_due),
        ]


class SummaryScreen(ModalScreen[None]):
    HELP = N_("The session is over. Enter or Esc goes back to the decks.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,space", "close", N_("Back to decks")),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
    ]

    def __init__(self, summary: Summary) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        title = (
            _("Congratulations! You have finished for now.")
            if self.summary.cards
            else _("Nothing to study here right now.")
        )
        with Vertical(id="summary", classes="dialog"):
            yield Static(Content.styled(title, "bold"), classes="dialog-title")
            rows = [
                Content.assemble((pad(name, 12), "dim"), value)
                for name, value in self.summary.lines()
            ]
            yield Static(Content("\n").join(rows), id="summary-lines")
            yield Button(_("Back to decks"), variant="primary", id="summary-close")
        yield QuizFooter()

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
