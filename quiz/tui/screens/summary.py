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

from quiz.tui.formatting import clock_time, relative
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
        checked = f"  ({self.passed} of {self.judged} checked answers)" if self.judged else ""
        next_due = relative(self.next_due, self.now) if self.next_due else "nothing scheduled"
        return [
            ("Cards", str(self.cards)),
            ("Accuracy", accuracy + checked),
            ("Time", clock_time(self.seconds)),
            ("Next card", next_due),
        ]


class SummaryScreen(ModalScreen[None]):
    HELP = "The session is over. Enter or Esc goes back to the decks."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,space", "close", "Back to decks"),
        Binding("question_mark", "app.help", "Help", key_display="?"),
    ]

    def __init__(self, summary: Summary) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        title = (
            "Congratulations! You have finished for now."
            if self.summary.cards
            else ("Nothing to study here right now.")
        )
        with Vertical(id="summary", classes="dialog"):
            yield Static(Content.styled(title, "bold"), classes="dialog-title")
            rows = [
                Content.assemble((f"{name:<10}", "dim"), value)
                for name, value in self.summary.lines()
            ]
            yield Static(Content("\n").join(rows), id="summary-lines")
            yield Button("Back to decks", variant="primary", id="summary-close")
        yield QuizFooter()

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
