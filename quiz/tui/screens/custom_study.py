"""CustomStudyScreen: cram a deck or a tag without touching the schedule."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from quiz.deck.model import CardType
from quiz.i18n import N_, _
from quiz.tui.services import Services
from quiz.tui.widgets.footer import QuizFooter


class CustomStudyScreen(ModalScreen[None]):
    HELP = N_(
        "Custom study goes through every card of a deck (or with a tag, or of one type) in "
        "order, checking your answers as usual, without changing when they are due."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", N_("Cancel")),
        Binding("ctrl+s", "start", N_("Start"), priority=True),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
    ]

    def __init__(self, services: Services, deck_id: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.deck_id = deck_id

    def compose(self) -> ComposeResult:
        lang = self.services.lang
        decks = sorted(self.services.decks, key=lambda d: d.title.get(lang).lower())
        tags = sorted({tag for deck in decks for card in deck.cards for tag in card.tags})
        # Compact fields and buttons: the whole dialog fits on an 80x24 terminal.
        with Vertical(id="custom", classes="dialog"):
            yield Static(Content.styled(_("Custom study"), "bold"), classes="dialog-title")
            yield Static(
                Content.styled(_("Review cards ahead of schedule; your schedule stays."), "dim")
            )
            with Horizontal(classes="custom-row"):
                yield Label(_("Deck"))
                yield Select(
                    [(d.title.get(lang), d.id) for d in decks],
                    prompt=_("All decks"),
                    value=self.deck_id if self.deck_id is not None else Select.NULL,
                    id="custom-deck",
                    compact=True,
                )
            with Horizontal(classes="custom-row"):
                yield Label(_("Tag"))
                yield Select(
                    [(t, t) for t in tags], prompt=_("Any tag"), id="custom-tag", compact=True
                )
            with Horizontal(classes="custom-row"):
                yield Label(_("Card type"))
                yield Select(
                    [(t.value, t.value) for t in CardType],
                    prompt=_("Any type"),
                    id="custom-type",
                    compact=True,
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Cancel"), id="custom-cancel", compact=True)
                yield Button(_("Start  ^s"), variant="primary", id="custom-start", compact=True)
        yield QuizFooter()

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
            self.notify(_("No cards match: pick another deck or tag."), severity="warning")
            return
        self.dismiss(None)
        self.app.push_screen(StudyScreen(self.services, deck_id=deck_id, cram=cards))

    def action_close(self) -> None:
        self.dismiss(None)
