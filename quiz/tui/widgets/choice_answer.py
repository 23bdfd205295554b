"""ChoiceAnswer: numbered options; 1-9 toggle, arrows move, space toggles, Enter submits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from quiz.i18n import N_, _
from quiz.tui.inline import inline
from quiz.tui.ports import Response
from quiz.tui.widgets.answer import AnswerWidget
from quiz.tui.wrapping import hang


class ChoiceList(Widget, can_focus=True):
    """The options, one per line. After judging, marks what was right and what was chosen."""

    DEFAULT_CSS = """
    ChoiceList { height: auto; padding: 0 1; }
    ChoiceList:focus { background: $boost; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(n), f"toggle_option({n - 1})", N_("Toggle"), show=False)
            for n in range(1, 10)
        ),
        Binding("up,k", "move(-1)", N_("Up"), show=False),
        Binding("down,j", "move(1)", N_("Down"), show=False),
        Binding("space", "toggle_cursor", N_("Toggle"), show=False),
        Binding("enter", "submit", N_("Submit")),
    ]

    cursor: reactive[int] = reactive(0)
    chosen: reactive[frozenset[int]] = reactive(frozenset())

    def __init__(self, options: Sequence[str]) -> None:
        super().__init__()
        self.options = tuple(options)
        self.correct: frozenset[int] | None = None
        self.frozen = False

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return sum(len(self._wrapped(i, width)) for i in range(len(self.options)))

    def _wrapped(self, index: int, width: int) -> list[Content]:
        # Continuation lines start under the option's text, not under its checkbox.
        return hang(self._line(index), max(width, 1), self._head_width(index))

    def _head_width(self, index: int) -> int:
        return len(f"› [ ] {index + 1}. ")

    def _line(self, index: int) -> Content:
        chosen = index in self.chosen
        box = "[x]" if chosen else "[ ]"
        pointer = "›" if index == self.cursor and not self.frozen else " "
        style = "bold" if chosen else ""
        mark = Content("")
        if self.correct is not None:
            if index in self.correct:
                mark = Content.styled(
                    "  " + (_("✓ right") if chosen else _("✓ right (missed)")),
                    "$text-success bold",
                )
                style = "$text-success"
            elif chosen:
                mark = Content.styled("  " + _("✗ wrong"), "$text-error bold")
                style = "$text-error"
        head = Content.styled(f"{pointer} {box} {index + 1}. ", style)
        return Content.assemble(head, inline(self.options[index], style), mark)

    def render(self) -> Content:
        width = self.content_size.width
        return Content("\n").join(
            line for i in range(len(self.options)) for line in self._wrapped(i, width)
        )

    def action_toggle_option(self, index: int) -> None:
        if self.frozen or not 0 <= index < len(self.options):
            return
        self.cursor = index
        self.chosen = self.chosen ^ {index}

    def action_toggle_cursor(self) -> None:
        self.action_toggle_option(self.cursor)

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.options)

    def action_submit(self) -> None:
        if self.frozen:
            return
        # Enter with nothing ticked means "this one": single-answer cards need no extra key.
        if not self.chosen:
            self.chosen = frozenset({self.cursor})
        parent = self.parent
        if isinstance(parent, AnswerWidget):
            parent.submit()

    def on_click(self, event: events.Click) -> None:
        # Each option takes at least one line; wrapped options take more.
        width = max(self.content_size.width, 1)
        line = 0
        for index in range(len(self.options)):
            height = len(self._wrapped(index, width))
            if line <= event.y < line + height:
                self.action_toggle_option(index)
                return
            line += height


class ChoiceAnswer(AnswerWidget):
    def __init__(self, options: Sequence[str]) -> None:
        super().__init__()
        self._options = options

    def compose(self) -> ComposeResult:
        yield ChoiceList(self._options)

    @property
    def choices(self) -> ChoiceList:
        return self.query_one(ChoiceList)

    def response(self) -> Response:
        return Response(choices=tuple(sorted(self.choices.chosen)))

    def first_field(self) -> Widget | None:
        found = self.query(ChoiceList)
        return found.first() if found else None

    def freeze(self) -> None:
        super().freeze()
        self.choices.frozen = True
        self.choices.refresh(layout=True)

    def mark(self, correct: frozenset[int]) -> None:
        self.choices.correct = correct
        self.choices.refresh(layout=True)
