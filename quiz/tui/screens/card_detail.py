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
from quiz.tui.formatting import relative
from quiz.tui.markdown import DeckMarkdown
from quiz.tui.ports import CardInfoLike
from quiz.tui.services import Services
from quiz.tui.widgets.footer import QuizFooter

HISTORY_COLUMNS = ("When", "Grade", "Proposed", "Outcome", "Answer", "Time")


def info_line(info: CardInfoLike, now_text: str) -> Content:
    stability = f"{info.stability:.1f} days" if info.stability is not None else "—"
    parts: list[tuple[str, str] | str] = [
        ("state ", "dim"),
        info.state,
        ("   due ", "dim"),
        now_text,
        ("   stability ", "dim"),
        stability,
        ("   lapses ", "dim"),
        str(info.lapses),
    ]
    if info.suspended:
        parts.append(("   suspended", "$text-warning bold"))
    if info.leech:
        parts.append(("   leech", "$text-error bold"))
    if info.flag:
        parts.append(("   ⚑ flagged", "$text-error"))
    return Content.assemble(*parts)


class CardDetailScreen(ModalScreen[None]):
    HELP = "One card with its schedule and every review of it, newest last."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("s", "toggle_suspend", "Suspend/unsuspend"),
        Binding("question_mark", "app.help", "Help", key_display="?"),
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
            yield Static(Content.styled("History", "bold"), id="detail-history-title")
            yield DataTable(id="detail-history", cursor_type="row")
        yield QuizFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in HISTORY_COLUMNS:
            table.add_column(name)
        self.refresh_info()

    def refresh_info(self) -> None:
        collection, now = self.services.collection, self.services.clock()
        info = collection.info(self.card.key)
        self.query_one("#detail-info", Static).update(info_line(info, relative(info.due, now)))
        table = self.query_one(DataTable)
        table.clear()
        rows = collection.history(self.card.key)
        for row in rows:
            proposed = row.proposed.name if row.proposed is not None else "—"
            table.add_row(
                Text(row.reviewed_at.astimezone().strftime("%Y-%m-%d %H:%M")),
                Text(row.rating.name),
                Text(proposed, style="dim"),
                Text(str(row.outcome)),
                Text(row.answer_text.replace("\n", "⏎")[:40]),
                Text(f"{row.duration_ms / 1000:.1f}s", justify="right"),
            )
        if not rows:
            self.query_one("#detail-history-title", Static).update(
                Content.styled("History: never reviewed", "bold")
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
