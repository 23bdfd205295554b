"""BrowseScreen: every card in a searchable table; open one for its history; suspend or reset."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from quiz.errors import QuizError
from quiz.i18n import N_, _, ngettext
from quiz.tui.browse_filter import BrowseRow, parse_filter, select
from quiz.tui.formatting import relative
from quiz.tui.services import Services
from quiz.tui.widgets.footer import QuizFooter

# Card states as Browse shows them; the keys are the store's names.
STATE_NAMES = {
    "new": N_("new"),
    "learning": N_("learning"),
    "review": N_("review"),
    "relearning": N_("relearning"),
}

# Fixed widths keep the useful columns on an 80-column screen; Tags takes what is left.
COLUMNS: tuple[tuple[str, int | None], ...] = (
    (N_("Deck"), 14),
    (N_("Card"), 26),
    (N_("Type"), 7),
    (N_("State"), 10),
    (N_("Due"), 8),
    (N_("Stability"), 9),
    (N_("Lapses"), 6),
    (N_("Tags"), None),
)


class BrowseScreen(Screen[None]):
    HELP = N_(
        "Type to search: `deck:ID`, `tag:NAME`, `is:due`, `is:new`, `is:learning`, `is:review`, "
        "`is:suspended`, `is:buried`, `is:leech` and free words combine (all must match). "
        "Enter opens a card with its whole history."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", N_("Search"), key_display="/"),
        Binding("enter", "open", N_("Open"), show=False),
        Binding("s", "toggle_suspend", N_("Suspend/unsuspend")),
        Binding("r", "reset", N_("Reset")),
        Binding("escape", "back", N_("Back")),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.rows: list[BrowseRow] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield Input(
            placeholder=_("search: deck:ID tag:NAME is:due|new|review|buried… words"),
            id="browse-search",
        )
        yield Static(id="browse-status")
        yield DataTable(id="browse-table", cursor_type="row", zebra_stripes=True)
        yield QuizFooter()

    def on_mount(self) -> None:
        self.sub_title = _("browse")
        table = self.query_one(DataTable)
        for name, width in COLUMNS:
            table.add_column(_(name), key=name.lower(), width=width)
        self.load_rows()
        table.focus()

    def load_rows(self) -> None:
        services = self.services
        lang = services.lang
        collection = services.collection
        self.rows = [
            BrowseRow(card, collection.info(card.key), card.prompt.get(lang), deck.title.get(lang))
            for deck in services.decks
            for card in deck.cards
        ]
        self.apply_filter()

    def apply_filter(self) -> None:
        table = self.query_one(DataTable)
        status = self.query_one("#browse-status", Static)
        text = self.query_one("#browse-search", Input).value
        try:
            flt = parse_filter(text)
        except QuizError as exc:
            status.update(Text(f"✗ {exc.message}", style="bold"))
            return
        now = self.services.clock()
        shown = select(flt, self.rows, now)
        keep = self._cursor_key()
        table.clear()
        for row in shown:
            table.add_row(*self._cells(row, now), key=row.card.key)
        status.update(
            ngettext("{shown} of {n} card", "{shown} of {n} cards", len(self.rows)).format(
                shown=len(shown), n=len(self.rows)
            )
        )
        keys = [row.card.key for row in shown]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))

    @staticmethod
    def _cells(row: BrowseRow, now: datetime) -> list[Text]:
        info, card = row.info, row.card
        if info.suspended:
            state = _("suspended")
        elif info.buried:
            state = _("buried")
        else:
            state = _(STATE_NAMES.get(info.state, info.state))
        if info.leech:
            state += " · " + _("leech")
        stability = f"{info.stability:.1f}d" if info.stability is not None else "—"
        return [
            Text(card.deck_id),
            Text(card.id),
            Text(card.type.value),
            Text(state, style="dim" if info.suspended or info.buried else ""),
            Text(relative(info.due, now) if info.due else "—"),
            Text(stability, justify="right"),
            Text(str(info.lapses), justify="right"),
            Text(" ".join(card.tags), style="dim"),
        ]

    def _cursor_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_search(self) -> None:
        self.query_one("#browse-search", Input).focus()

    def action_back(self) -> None:
        if self.focused is self.query_one("#browse-search"):
            self.query_one(DataTable).focus()
            return
        self.dismiss()

    def action_open(self) -> None:
        from quiz.tui.screens.card_detail import CardDetailScreen

        key = self._cursor_key()
        found = self.services.card(key) if key else None
        if found is not None:
            self.app.push_screen(
                CardDetailScreen(self.services, found[1]), lambda _: self.load_rows()
            )

    def action_toggle_suspend(self) -> None:
        key = self._cursor_key()
        if key is None:
            return
        collection = self.services.collection
        if collection.info(key).suspended:
            collection.unsuspend(key)
            self.notify(_("Unsuspended {key}").format(key=key))
        else:
            collection.suspend(key)
            self.notify(_("Suspended {key}").format(key=key))
        self.load_rows()

    def action_reset(self) -> None:
        from quiz.tui.screens.confirm import ConfirmScreen

        key = self._cursor_key()
        if key is None:
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.services.collection.reset(key)
                self.notify(_("Reset {key}: it is new again (its history is kept)").format(key=key))
                self.load_rows()

        question = _("Forget the schedule of {key}? It becomes new again; its history stays.")
        self.app.push_screen(ConfirmScreen(question.format(key=key), _("Reset")), done)
