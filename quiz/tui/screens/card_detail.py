"""CardDetailScreen: one card as written, its scheduling state, and its whole review history."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.highlight import highlight
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from quiz.deck.model import Card
from quiz.i18n import N_, _
from quiz.textsafe import clean
from quiz.tui.formatting import relative
from quiz.tui.markdown import DeckMarkdown
from quiz.tui.ports import CardInfoLike
from quiz.tui.screens.browse import STATE_NAMES
from quiz.tui.services import Services
from quiz.tui.widgets.footer import QuizFooter
from quiz.tui.widgets.grade_bar import GRADE_NAMES

HISTORY_COLUMNS = (N_("When"), N_("Grade"), N_("Proposed"), N_("Outcome"), N_("Answer"), N_("Time"))


def info_line(info: CardInfoLike, now_text: str) -> Content:
    stability = (
        _("{n} days").format(n=f"{info.stability:.1f}") if info.stability is not None else "—"
    )
    parts: list[tuple[str, str] | str] = [
        (_("state") + " ", "dim"),
        _(STATE_NAMES.get(info.state, info.state)),
        ("   " + _("due") + " ", "dim"),
        now_text,
        ("   " + _("stability") + " ", "dim"),
        stability,
        ("   " + _("lapses") + " ", "dim"),
        str(info.lapses),
    ]
    if info.suspended:
        parts.append(("   " + _("suspended"), "$text-warning bold"))
    if info.buried:
        parts.append(("   " + _("buried"), "$text-warning bold"))
    if info.leech:
        parts.append(("   " + _("leech"), "$text-error bold"))
    if info.flag:
        parts.append(("   " + _("⚑ flagged"), "$text-error"))
    return Content.assemble(*parts)


# The review log's outcomes, as the history table names them.
OUTCOME_NAMES = {
    "pass": N_("pass"),
    "fail": N_("fail"),
    "error": N_("error"),
    "timeout": N_("timeout"),
    "self": N_("self-graded"),
}


class CardDetailScreen(ModalScreen[None]):
    HELP = N_("One card with its schedule and every review of it, newest last.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", N_("Close")),
        Binding("s", "toggle_suspend", N_("Suspend/unsuspend")),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
    ]

    def __init__(self, services: Services, card: Card) -> None:
        super().__init__()
        self.services = services
        self.card = card

    def compose(self) -> ComposeResult:
        card, lang = self.card, self.services.lang
        with VerticalScroll(id="detail", classes="dialog"):
            yield Static(
                Content.assemble((card.type.value, "bold $text-accent"), (f"  {card.key}", "bold")),
                classes="dialog-title",
            )
            if card.pos is not None:
                yield Static(Content.styled(str(card.pos), "dim"))
            yield DeckMarkdown(card.prompt.get(lang), id="detail-prompt")
            if card.code:
                yield Static(highlight(card.code, language="python"), id="detail-code")
            yield Static(id="detail-info")
            yield Static(Content.styled(_("History"), "bold"), id="detail-history-title")
            yield DataTable(id="detail-history", cursor_type="row")
        yield QuizFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in HISTORY_COLUMNS:
            table.add_column(_(name))
        self.refresh_info()

    def refresh_info(self) -> None:
        collection, now = self.services.collection, self.services.clock()
        info = collection.info(self.card.key)
        self.query_one("#detail-info", Static).update(info_line(info, relative(info.due, now)))
        table = self.query_one(DataTable)
        table.clear()
        rows = collection.history(self.card.key)
        for row in rows:
            proposed = _(GRADE_NAMES[row.proposed]) if row.proposed is not None else "—"
            table.add_row(
                Text(row.reviewed_at.astimezone().strftime("%Y-%m-%d %H:%M")),
                Text(_(GRADE_NAMES[row.rating])),
                Text(proposed, style="dim"),
                Text(_(OUTCOME_NAMES.get(str(row.outcome), str(row.outcome)))),
                Text(clean(row.answer_text).replace("\n", "⏎")[:40]),
                Text(f"{row.duration_ms / 1000:.1f}s", justify="right"),
            )
        if not rows:
            self.query_one("#detail-history-title", Static).update(
                Content.styled(_("History: never reviewed"), "bold")
            )

    def action_toggle_suspend(self) -> None:
        collection = self.services.collection
        key = self.card.key
        if collection.info(key).suspended:
            collection.unsuspend(key)
        else:
            collection.suspend(key)
        self.refresh_info()

    def action_close(self) -> None:
        self.dismiss(None)
