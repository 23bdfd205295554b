"""StudyHeader: the deck being studied, the remaining New / Learn / Due, and the elapsed time."""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label

from quiz.i18n import _
from quiz.tui.formatting import clock_time
from quiz.tui.theming import DUE, LEARN, NEW, theme_style


def counts_text(variables: Mapping[str, str], new: int, learn: int, due: int) -> Text:
    """`12 + 3 + 40` in Anki's blue, red and green, each labelled so it reads without colour."""
    parts: list[tuple[str, str]] = [(_("new"), NEW), (_("learn"), LEARN), (_("due"), DUE)]
    text = Text()
    for index, ((label, var), value) in enumerate(zip(parts, (new, learn, due), strict=True)):
        if index:
            text.append("  ")
        text.append(str(value), style=theme_style(variables, var) + Style(bold=True))
        text.append(f" {label}", style="dim")
    return text


class StudyHeader(Horizontal):
    DEFAULT_CSS = """
    StudyHeader {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    StudyHeader > Label { width: 1fr; }
    StudyHeader > #study-counts { width: auto; }
    StudyHeader > #study-elapsed { text-align: right; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Label(Text(self._title, style="bold", overflow="ellipsis"), id="study-deck")
        yield Label(id="study-counts")
        yield Label(id="study-elapsed")

    def update_counts(self, new: int, learn: int, due: int) -> None:
        variables = self.app.get_css_variables()
        self.query_one("#study-counts", Label).update(counts_text(variables, new, learn, due))

    def update_left(self, left: int) -> None:
        """Custom study has no queues, only the cards left in this pass."""
        label = Content.assemble((str(left), "bold"), (" " + _("left"), "dim"))
        self.query_one("#study-counts", Label).update(label)

    def update_elapsed(self, seconds: float) -> None:
        self.query_one("#study-elapsed", Label).update(clock_time(seconds))
