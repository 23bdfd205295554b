"""The answer widget for each question, from the card as the hub showed it.

The study widgets serve predict, choice and cloze as they are; a code question uses the study
CodeEditor without the Run button, since nothing runs on a participant's machine.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from quiz.i18n import _
from quiz.tui.ports import Response
from quiz.tui.widgets.answer import AnswerWidget, PredictAnswer
from quiz.tui.widgets.choice_answer import ChoiceAnswer
from quiz.tui.widgets.cloze_answer import ClozeAnswer
from quiz.tui.widgets.code_editor import CodeEditor


class PeerCodeAnswer(AnswerWidget):
    """Write code from the starter; ctrl+s sends it to the host, which runs and grades it."""

    def __init__(self, starter: str) -> None:
        super().__init__()
        self._starter = starter

    def compose(self) -> ComposeResult:
        yield CodeEditor(self._starter, id="code-editor")
        yield Static(
            _("ctrl+s sends it; the host runs it with the card's check"), classes="answer-hint"
        )

    def response(self) -> Response:
        return Response(text=self.query_one(CodeEditor).text)

    def first_field(self) -> Widget | None:
        found = self.query(CodeEditor)
        return found.first() if found else None


def answer_widget(card: dict[str, Any]) -> AnswerWidget:
    kind = card.get("type")
    if kind == "choice":
        return ChoiceAnswer([str(option) for option in card.get("options", [])])
    if kind == "cloze":
        return ClozeAnswer(str(card.get("code") or ""))
    if kind == "code":
        return PeerCodeAnswer(str(card.get("starter") or ""))
    return PredictAnswer(multiline=bool(card.get("multiline")))


def answer_parts(card: dict[str, Any], response: Response) -> dict[str, Any]:
    """The `answer` message's fields for this card type."""
    kind = card.get("type")
    if kind == "choice":
        return {"choices": list(response.choices or ())}
    if kind == "cloze":
        return {"fills": list(response.fills or ())}
    return {"text": response.text or ""}
