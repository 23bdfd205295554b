"""DeckTable: the home screen's deck tree with Anki's New / Learn / Due columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from quiz.i18n import N_, _
from quiz.tui.formatting import cells as cell_width
from quiz.tui.theming import DUE, LEARN, NEW, theme_style

ALL_DECKS = "*"


@dataclass(frozen=True)
class DeckRow:
    key: str  # a deck id, or ALL_DECKS for the root
    title: str
    new: int
    learn: int
    due: int


class DeckTable(DataTable[Text]):
    """One root row for all decks, then one branch per deck. Enter selects (RowSelected)."""

    DEFAULT_CSS = """
    DeckTable {
        height: auto;
        max-height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, id=id)
        self._rows: Sequence[DeckRow] = ()

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda: self.show(self._rows), init=False)

    def on_resize(self) -> None:
        if self._rows:
            self.show(self._rows)

    def show(self, rows: Sequence[DeckRow]) -> None:
        """Replace the rows, keeping the cursor on the same deck when it is still there."""
        selected = self.selected_key
        self._rows = rows
        # Columns are rebuilt too: a cleared table keeps stale header widths otherwise.
        self.clear(columns=True)
        headers = [_(name) for name in (N_("New"), N_("Learn"), N_("Due"))]
        # Korean headers are wider than "New": two cells a syllable.
        widths = [max(5, cell_width(header)) for header in headers]
        longest = max((cell_width(row.title) + 3 for row in rows), default=10)
        # A long deck title must not push the counts off an 80-column screen: it is cut.
        room = self.app.size.width - 6 - sum(width + 2 for width in widths) - 2
        self.add_column(_("Deck"), key="deck", width=max(10, min(longest, room)))
        for key, header, width in zip(("new", "learn", "due"), headers, widths, strict=True):
            self.add_column(Text(header, justify="right"), key=key, width=width)
        variables = self.app.get_css_variables()
        styles = (theme_style(variables, NEW), theme_style(variables, LEARN))
        due_style = theme_style(variables, DUE)
        for index, row in enumerate(rows):
            if row.key == ALL_DECKS:
                label = Text(row.title, style="bold")
            else:
                branch = "└─ " if index == len(rows) - 1 else "├─ "
                label = Text.assemble((branch, "dim"), row.title, overflow="ellipsis")
            cells = [label]
            for value, style in zip(
                (row.new, row.learn, row.due), (*styles, due_style), strict=True
            ):
                cells.append(Text(str(value), style=style if value else "dim", justify="right"))
            self.add_row(*cells, key=row.key)
        keys = [row.key for row in rows]
        if selected in keys:
            self.move_cursor(row=keys.index(selected))

    @property
    def selected_key(self) -> str | None:
        """The deck id under the cursor (ALL_DECKS for the root), None when empty."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return key
