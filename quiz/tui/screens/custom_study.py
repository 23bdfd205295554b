"""CustomStudyScreen: cram a deck or a tag without touching the schedule."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Select, Static

from quiz.deck.model import CardType
from quiz.tui.services import Services


class CustomStudyScreen(ModalScreen[None]):
    HELP = (
        "Custom study goes through every card of a deck (or with a tag, or of one type) in "
        "order, checking your answers as usual, without changing when they are due."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel"),
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("question_mark", "app.help", "Help", key_display="?"),
    ]

    def __init__(self, services: Services, deck_id: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.deck_id = deck_id

    def compose(self) -> ComposeResult:
        lang = self.services.lang
        decks = sorted(self.services.decks, key=lambda d: d.title.get(lang).lower())
        tags = sorted({tag for deck in decks for card in deck.cards for tag in card.tags})
        with Vertical(id="custom", classes="dialog"):
            yield Static(Content.styled("Custom study", "bold"), classes="dialog-title")
            yield Static(
                Content.styled("Review cards ahead of schedule; your schedule stays.", "dim")
            )
            yield Label("Deck")
            yield Select(
                [(d.title.get(lang), d.id) for d in decks],
                prompt="All decks",
                value=self.deck_id if self.deck_id is not None else Select.NULL,
                id="custom-deck",
            )
            yield Label("Tag")
            yield Select([(t, t) for t in tags], prompt="Any tag", id="custom-tag")
            yield Label("Card type")
            yield Select(
                [(t.value, t.value) for t in CardType], prompt="Any type", id="custom-type"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="custom-cancel")
                yield Button("Start  ^s", variant="primary", id="custom-start")
        yield Footer(compact=True, show_command_palette=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "custom-start":
            self.action_start()
        else:
            self.action_close()

    def _value(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else None

    def action_start(self) -> None:
        from quiz.tui.screens.study import StudyScreen

        deck_id, tag = self._value("#custom-deck"), self._value("#custom-tag")
        kind = self._value("#custom-type")
        cards = self.services.collection.cram(deck_id, tag)
        cards = [card for card in cards if kind is None or card.type.value == kind]
        if not cards:
            self.notify("No cards match: pick another deck or tag.", severity="warning")
            return
        self.dismiss(None)
        self.app.push_screen(StudyScreen(self.services, deck_id=deck_id, cram=cards))

    def action_close(self) -> None:
        self.dismiss(None)
