"""CodeBlock: read-only, highlighted Python whose long lines wrap under their own indent."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.highlight import highlight
from textual.widget import Widget

from quiz.tui.wrapping import hang_code


class CodeBlock(Widget):
    DEFAULT_CSS = """
    CodeBlock { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._code = Content("")

    def show(self, code: str | None) -> None:
        """Show `code` (deck text: highlighted, never parsed as markup); None or "" clears it."""
        self._code = highlight(code.rstrip("\n"), language="python") if code else Content("")
        self.refresh(layout=True)

    @property
    def plain(self) -> str:
        return self._code.plain

    def _lines(self, width: int) -> list[Content]:
        return hang_code(self._code, max(width, 1)) if self._code.plain else []

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.content_size.width))
