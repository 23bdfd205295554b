"""The answer widgets' common base, and the two simplest: predict (type the output) and flip."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from quiz.i18n import N_, _
from quiz.tui.markdown import DeckMarkdown
from quiz.tui.ports import Response


class AnswerWidget(Vertical):
    """Collects one answer. Posts `Submitted` when the learner submits; `lock` freezes it."""

    DEFAULT_CSS = """
    AnswerWidget { height: auto; }
    AnswerWidget .answer-hint { color: $text-muted; }
    """

    class Submitted(Message):
        def __init__(self, response: Response) -> None:
            super().__init__()
            self.response = response

    frozen = False

    def response(self) -> Response:
        raise NotImplementedError

    def submit(self) -> None:
        if not self.frozen:
            self.post_message(self.Submitted(self.response()))

    def first_field(self) -> Widget | None:
        """Where the learner types first (None before the widget's children are mounted)."""
        return self

    def focus_answer(self) -> None:
        # This may run after the card was already replaced (fast keys): then there is nothing.
        field = self.first_field() if self.is_attached else None
        if field is not None:
            field.focus()

    def freeze(self) -> None:
        """After judging: the answer stays visible, read-only."""
        self.frozen = True
        for area in self.query(TextArea):
            area.read_only = True
        for field in self.query(Input):
            field.disabled = True


class PredictAnswer(AnswerWidget):
    """What does this print? One line (Enter submits) or several (ctrl+s submits)."""

    DEFAULT_CSS = """
    PredictAnswer > TextArea { height: auto; min-height: 5; max-height: 12; }
    """

    def __init__(self, multiline: bool) -> None:
        super().__init__()
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        if self.multiline:
            yield Static(_("The output has several lines."), classes="answer-hint")
            yield TextArea(id="predict-text", soft_wrap=False, tab_behavior="focus")
        else:
            yield Input(placeholder=_("what it prints"), id="predict-text")

    def response(self) -> Response:
        if self.multiline:
            return Response(text=self.query_one("#predict-text", TextArea).text)
        return Response(text=self.query_one("#predict-text", Input).value)

    def first_field(self) -> Widget | None:
        found = self.query("#predict-text")
        return found.first() if found else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()


class FlipAnswer(AnswerWidget):
    """Self-graded: Space (or Enter) shows the answer; the learner then grades themselves."""

    can_focus = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", N_("Show answer")),
        Binding("enter", "reveal", N_("Show answer"), show=False),
    ]

    DEFAULT_CSS = """
    FlipAnswer { padding: 0 1; }
    FlipAnswer #flip-answer { display: none; }
    FlipAnswer.-revealed #flip-answer { display: block; }
    FlipAnswer.-revealed #flip-cover { display: none; }
    """

    def __init__(self, answer_markdown: str) -> None:
        super().__init__()
        self._answer = answer_markdown

    def compose(self) -> ComposeResult:
        yield Static(
            _("Recall the answer, then press space to see it."),
            id="flip-cover",
            classes="answer-hint",
        )
        yield DeckMarkdown(self._answer, id="flip-answer")

    def response(self) -> Response:
        return Response()

    def action_reveal(self) -> None:
        if not self.frozen:
            self.add_class("-revealed")
            self.submit()
