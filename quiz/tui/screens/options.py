"""OptionsScreen: a deck's scheduling preset (or the default one), validated as it is typed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Header, Input, Label, Select, Static

from quiz.errors import QuizError
from quiz.i18n import N_, _
from quiz.srs.preset import Preset, format_value, parse_value, validate
from quiz.tui.services import Services
from quiz.tui.widgets.footer import QuizFooter

DEFAULT_SCOPE = "*default*"

# (key, label, help): the settings a learner tunes; FSRS weights are `quiz optimize`'s job.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("desired_retention", N_("Desired retention"), N_("0.70-0.99: higher means more reviews")),
    ("new_per_day", N_("New cards per day"), "0-9999"),
    (
        "reviews_per_day",
        N_("Reviews per day"),
        N_("0-99999 (learning steps are not limited)"),
    ),
    ("learning_steps", N_("Learning steps"), N_("e.g. 1m 10m (units s, m, h, d)")),
    ("relearning_steps", N_("Relearning steps"), N_("e.g. 10m")),
    ("maximum_interval", N_("Maximum interval"), N_("days, 1-36500")),
    (
        "leech_threshold",
        N_("Leech threshold"),
        N_("lapses that make a leech; 0 turns leeches off"),
    ),
    ("leech_action", N_("Leech action"), N_("suspend or tag")),
    ("fuzz", N_("Fuzz"), N_("true or false: spread intervals a little")),
)


class PresetValue(Validator):
    """One field: parsed the way `quiz config` parses it, then the preset validated whole."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def validate(self, value: str) -> ValidationResult:
        try:
            validate(replace(Preset(), **{self.key: parse_value(self.key, value)}))
        except QuizError as exc:
            return self.failure(exc.message)
        return self.success()


class OptionsScreen(Screen[None]):
    HELP = N_(
        "Scheduling options. The default preset applies to every deck; a deck's own settings "
        "override it. Each field is checked as you type; ctrl+s saves."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("escape", "back", N_("Back")),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
    ]

    def __init__(self, services: Services, deck_id: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.scope = deck_id if deck_id is not None else DEFAULT_SCOPE

    def compose(self) -> ComposeResult:
        lang = self.services.lang
        decks = sorted(self.services.decks, key=lambda d: d.title.get(lang).lower())
        scopes = [(_("Default (every deck)"), DEFAULT_SCOPE)]
        scopes += [(d.title.get(lang), d.id) for d in decks]
        yield Header(show_clock=False, icon="◆")
        with VerticalScroll(id="options"):
            with Horizontal(classes="option-row"):
                yield Label(_("Settings for"), classes="option-label")
                yield Select(
                    scopes, value=self.scope, allow_blank=False, id="options-scope", compact=True
                )
            for key, label, help_text in FIELDS:
                with Horizontal(classes="option-row"):
                    yield Label(_(label), classes="option-label")
                    with Vertical(classes="option-field"):
                        yield Input(
                            id=f"opt-{key}",
                            validators=[PresetValue(key)],
                            validate_on=["changed", "submitted"],
                            compact=True,
                        )
                        yield Static(_(help_text), classes="option-help", id=f"opt-{key}-help")
            yield Button(_("Save  ^s"), variant="primary", id="options-save", compact=True)
        yield QuizFooter()

    def on_mount(self) -> None:
        self.sub_title = _("options")
        self.load_scope()
        self.query_one(f"#opt-{FIELDS[0][0]}", Input).focus()

    def _base(self) -> Preset:
        """What the current scope inherits: Anki's defaults, or the default preset for a deck."""
        presets = self.services.engine.presets()
        return Preset() if self.scope == DEFAULT_SCOPE else Preset().merged(presets.default)

    def _current(self) -> Preset:
        presets = self.services.engine.presets()
        if self.scope == DEFAULT_SCOPE:
            return Preset().merged(presets.default)
        return presets.for_deck(self.scope)

    def load_scope(self) -> None:
        current = self._current()
        for key, _label, _help in FIELDS:
            field = self.query_one(f"#opt-{key}", Input)
            field.value = format_value(key, getattr(current, key))

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.scope:
            self.scope = event.value
            self.load_scope()

    def on_input_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("opt-")
        help_line = self.query_one(f"#opt-{key}-help", Static)
        result = event.validation_result
        if result is not None and not result.is_valid:
            help_line.update(Content.styled("✗ " + result.failure_descriptions[0], "$text-error"))
        else:
            help_line.update(_(next(h for k, _label, h in FIELDS if k == key)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        values: dict[str, Any] = {}
        for key, label, _help in FIELDS:
            field = self.query_one(f"#opt-{key}", Input)
            try:
                values[key] = parse_value(key, field.value)
            except QuizError as exc:
                field.focus()
                self.notify(f"{_(label)}: {exc.message}", severity="error")
                return
        try:
            preset = validate(replace(self._current(), **values))
        except QuizError as exc:
            self.notify(exc.message, severity="error")
            return
        base = self._base().to_dict()
        keep = {k: v for k, v in preset.to_dict().items() if k in values and base[k] != v}
        # Keys not on this screen (FSRS weights) keep whatever the scope had.
        stored = self.services.engine.presets()
        own = stored.default if self.scope == DEFAULT_SCOPE else stored.decks.get(self.scope, {})
        keep.update({k: v for k, v in own.items() if k not in values})
        self.services.engine.save_preset(None if self.scope == DEFAULT_SCOPE else self.scope, keep)
        self.services.refresh_collection()
        self.notify(_("Saved. New limits apply from the next card."))

    def _dirty(self) -> bool:
        current = self._current()
        return any(
            self.query_one(f"#opt-{key}", Input).value != format_value(key, getattr(current, key))
            for key, _label, _help in FIELDS
        )

    def action_back(self) -> None:
        if not self._dirty():
            self.dismiss()
            return
        from quiz.tui.screens.confirm import ConfirmScreen

        def done(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        question = _("Leave without saving your changes?")
        self.app.push_screen(ConfirmScreen(question, _("Discard")), done)
