"""CodeAnswer: the learner writes code from the starter; Run shows its output, Submit grades it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from quiz.i18n import _
from quiz.sandbox.protocol import RunResult
from quiz.tui.ports import Response
from quiz.tui.widgets.answer import AnswerWidget
from quiz.tui.widgets.code_editor import CodeEditor
from quiz.tui.widgets.run_output import RunOutput, Spinner


class CodeAnswer(AnswerWidget):
    DEFAULT_CSS = """
    CodeAnswer > #code-buttons { height: auto; margin: 1 0 0 0; }
    CodeAnswer > #code-buttons > Button { margin: 0 1 0 0; }
    CodeAnswer > #code-buttons > Static { width: 1fr; color: $text-muted; padding: 0 1; }
    """

    class RunRequested(Message):
        """Run the editor's code without grading it (ctrl+r)."""

        def __init__(self, source: str) -> None:
            super().__init__()
            self.source = source

    def __init__(self, starter: str) -> None:
        super().__init__()
        self._starter = starter

    def compose(self) -> ComposeResult:
        yield CodeEditor(self._starter, id="code-editor")
        with Horizontal(id="code-buttons"):
            yield Button(_("Run  ^r"), id="code-run", compact=True)
            yield Button(_("Submit  ^s"), id="code-submit", variant="primary", compact=True)
            yield Static(_("esc leaves the editor"), id="code-tip")
        yield Spinner(id="code-spinner")
        yield RunOutput(id="code-output", classes="-empty")

    @property
    def editor(self) -> CodeEditor:
        return self.query_one("#code-editor", CodeEditor)

    def response(self) -> Response:
        return Response(text=self.editor.text)

    def first_field(self) -> Widget | None:
        found = self.query(CodeEditor)
        return found.first() if found else None

    def request_run(self) -> None:
        if not self.frozen:
            self.post_message(self.RunRequested(self.editor.text))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "code-run":
            self.request_run()
        elif event.button.id == "code-submit":
            self.submit()

    def show_running(self, label: str) -> None:
        self.query_one("#code-spinner", Spinner).start(label)

    def show_run(self, result: RunResult | None) -> None:
        self.query_one("#code-spinner", Spinner).stop()
        self.query_one("#code-output", RunOutput).show(result)

    def freeze(self) -> None:
        super().freeze()
        for button in self.query(Button):
            button.disabled = True

    def unfreeze(self) -> None:
        """After a failed check the learner may fix the code and submit again (a retry)."""
        self.frozen = False
        self.editor.read_only = False
        for button in self.query(Button):
            button.disabled = False
