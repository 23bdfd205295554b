"""HelpScreen: what the screen underneath is for, and every key it answers to right now."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from quiz.i18n import N_, _
from quiz.tui.widgets.footer import QuizFooter

# Textual's own housekeeping keys: always there, never what a learner looks for.
_BUILT_IN = {
    "app.help",
    "help",
    "command_palette",
    "app.focus_next",
    "app.focus_previous",
    "screen.copy_text",
    "help_quit",
}


def key_rows(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, what they do) for the screen's keys and the focused widget's shown ones."""
    app = screen.app
    by_action: dict[str, tuple[list[str], str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        own = active.node is screen or active.node is app
        if binding.action in _BUILT_IN or not (own or binding.show):
            continue
        label = _(binding.description) if binding.description else binding.action
        keys, _first_label = by_action.setdefault(binding.action, ([], label))
        display = (
            app.get_key_display(binding)
            if binding.key_display
            else app.get_key_display(Binding(key, binding.action))
        )
        if display not in keys:
            keys.append(display)
    return [(", ".join(keys), label) for keys, label in by_action.values()]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", N_("Close"))
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        about = getattr(self.under, "HELP", "") or getattr(self.app, "HELP", "")
        about = _(str(about)) if about else _("Keys for this screen.")
        with Vertical(id="help", classes="dialog"):
            yield Static(Content.styled(_("Help"), "bold"), classes="dialog-title")
            yield Static(about, id="help-about", markup=False)
            yield DataTable(id="help-keys", cursor_type="none", show_header=False)
            yield Static(
                Content.styled(
                    _("? opens this on every screen · ctrl+p: commands and themes · Esc closes it"),
                    "dim",
                ),
                id="help-foot",
            )
        yield QuizFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("key"), _("action"))
        for keys, label in key_rows(self.under):
            table.add_row(Text(keys, style="bold"), Text(label))

    def action_close(self) -> None:
        self.dismiss(None)
