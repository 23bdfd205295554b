"""CodeEditor: a Python TextArea, highlighted in the app theme's colours, with 4-space indents."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from quiz.tui.highlighting import python_highlights, syntax_styles


class CodeEditor(TextArea):
    """Edits (or, read-only, shows) Python. Tab indents; Escape leaves the editor."""

    DEFAULT_CSS = """
    CodeEditor {
        height: auto;
        min-height: 5;
        max-height: 20;
    }
    """

    def __init__(self, text: str = "", *, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(
            text,
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            read_only=read_only,
            **kwargs,
        )
        self.indent_width = 4
        self.indent_type = "spaces"

    def on_mount(self) -> None:
        self._follow_theme()
        self.watch(self.app, "theme", self._follow_theme, init=False)

    def _follow_theme(self) -> None:
        name = f"quiz-{self.app.theme}"
        styles = syntax_styles(self.app.get_css_variables())
        self.register_theme(TextAreaTheme(name=name, syntax_styles=styles))
        self.theme = name

    async def _on_key(self, event: events.Key) -> None:
        # Escape hands the keys back to the screen (its letter commands), not to the next field.
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.screen.set_focus(None)
            return
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self.replace(
                "\n" + self._indent_after(start), start, end, maintain_selection_offset=False
            )
            return
        await super()._on_key(event)

    def _indent_after(self, location: tuple[int, int]) -> str:
        """The indent of a new line: the current line's, one level deeper after a colon."""
        row, column = location
        line = self.document.get_line(row)
        indent = line[: len(line) - len(line.lstrip(" "))]
        if line[:column].rstrip().endswith(":"):
            indent += " " * self.indent_width
        return indent

    def _build_highlight_map(self) -> None:
        # TextArea calls this after every edit; it normally queries tree-sitter, which quiz does
        # not ship, so the map comes from Pygments instead (same shape: byte ranges per line).
        self._line_cache.clear()
        self._highlights.clear()
        self._highlights.update(python_highlights(self.text))
