"""ClozeAnswer: the card's code with an inline input for each blank; Tab moves between them."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.highlight import highlight
from textual.widget import Widget
from textual.widgets import Input, Static

from quiz.deck.cloze import blanks
from quiz.tui.formatting import cells
from quiz.tui.ports import Response
from quiz.tui.widgets.answer import AnswerWidget

# Blanks are at least this wide, so the input's width does not give the answer away.
MIN_BLANK_CELLS = 10


@dataclass(frozen=True)
class _Piece:
    text: str = ""
    blank: int | None = None  # the blank's index, when this piece is an input
    hint: str | None = None
    width: int = 0


def _lines(code: str) -> list[list[_Piece]]:
    """The code split into lines of text pieces and blank pieces, in reading order."""
    lines: list[list[_Piece]] = [[]]
    position = 0

    def add_text(text: str) -> None:
        for index, part in enumerate(text.split("\n")):
            if index:
                lines.append([])
            if part:
                lines[-1].append(_Piece(text=part))

    for index, blank in enumerate(blanks(code)):
        add_text(code[position : blank.start])
        width = max(MIN_BLANK_CELLS, cells(blank.fill) + 2, cells(blank.hint or "") + 2)
        lines[-1].append(_Piece(blank=index, hint=blank.hint, width=width))
        position = blank.end
    add_text(code[position:])
    return lines


class ClozeAnswer(AnswerWidget):
    DEFAULT_CSS = """
    ClozeAnswer { padding: 0 1; background: $surface; }
    ClozeAnswer > .cloze-line { height: 1; }
    ClozeAnswer > .cloze-line > Static { width: auto; }
    ClozeAnswer > .cloze-line > Input { border: none; height: 1; padding: 0; }
    """

    def __init__(self, code: str) -> None:
        super().__init__()
        self._lines = _lines(code)

    def compose(self) -> ComposeResult:
        for line in self._lines:
            with Horizontal(classes="cloze-line"):
                for piece in line:
                    if piece.blank is None:
                        yield Static(highlight(piece.text, language="python"), markup=False)
                    else:
                        field = Input(
                            placeholder=piece.hint or "…",
                            id=f"blank-{piece.blank}",
                            compact=True,
                            classes="cloze-blank",
                        )
                        field.styles.width = piece.width
                        yield field

    @property
    def fields(self) -> list[Input]:
        return list(self.query(".cloze-blank").results(Input))

    def response(self) -> Response:
        return Response(fills=tuple(field.value for field in self.fields))

    def first_field(self) -> Widget | None:
        fields = self.fields
        return fields[0] if fields else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in a blank moves to the next one; in the last blank it submits.
        event.stop()
        fields = self.fields
        index = fields.index(event.input) if event.input in fields else len(fields) - 1
        if index + 1 < len(fields):
            fields[index + 1].focus()
        else:
            self.submit()
