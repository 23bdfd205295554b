"""HomeScreen: the deck tree with today's counts, study time, sandbox state and broken decks."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from quiz.errors import QuizError
from quiz.i18n import N_, _, ngettext
from quiz.tui.formatting import study_time
from quiz.tui.services import Services
from quiz.tui.widgets.deck_table import ALL_DECKS, DeckRow, DeckTable
from quiz.tui.widgets.footer import QuizFooter


class HomeScreen(Screen[None]):
    """Pick a deck and study. Every other screen starts from here."""

    HELP = N_(
        "Choose a deck with the arrows and press Enter to study it; the first row studies "
        "every deck. Counts are Anki's: new (blue), learning (red), due (green). r reads the "
        "deck files again after you fix or add one."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "study", N_("Study"), priority=True),
        Binding("c", "custom_study", N_("Custom")),
        Binding("b", "browse", N_("Browse")),
        Binding("s", "stats", N_("Stats")),
        Binding("o", "options", N_("Options")),
        Binding("r", "reload", N_("Reload decks"), show=False),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
        Binding("q", "app.quit", N_("Quit")),
    ]

    class ReloadRequested(Message):
        """Load the deck library again (the app owns loading)."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self._sandbox_ready: bool | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Vertical(id="home"):
            yield Static(_("Loading decks…"), id="home-status")
            yield Static(id="home-warning", classes="-empty")
            yield DeckTable(id="home-decks")
            yield Static(id="home-today")
            yield Static(id="home-sandbox")
            with VerticalScroll(id="home-failures", classes="-empty"):
                yield Static(id="home-failures-text")
        yield QuizFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Until the decks and the store are open (or when they could not be), only help, reload
        # and quit do anything: the footer offers nothing else.
        if action in ("study", "custom_study", "browse", "stats", "options"):
            return self.services.loaded
        return True

    def on_mount(self) -> None:
        self.title = "quiz"
        self.sub_title = _("study")
        if self.services.loaded:
            self.refresh_decks()
        self.set_interval(0.5, self._show_sandbox_state)

    def on_screen_resume(self) -> None:
        if self.services.loaded:
            self.refresh_decks()

    def refresh_decks(self) -> None:
        """Counts change after every answer: recompute them whenever the screen shows."""
        services = self.services
        collection = services.collection
        rows: list[DeckRow] = []
        total = collection.counts(None)
        rows.append(DeckRow(ALL_DECKS, _("All decks"), total.new, total.learn, total.due))
        for deck in sorted(services.decks, key=lambda d: d.title.get(services.lang).lower()):
            counts = collection.counts(deck.id)
            rows.append(
                DeckRow(
                    deck.id, deck.title.get(services.lang), counts.new, counts.learn, counts.due
                )
            )
        status = self.query_one("#home-status", Static)
        if services.decks:
            cards = sum(len(d.cards) for d in services.decks)
            decks = ngettext("{n} deck", "{n} decks", len(services.decks))
            counted = ngettext("{n} card", "{n} cards", cards)
            status.update(f"{decks.format(n=len(services.decks))} · {counted.format(n=cards)}")
        else:
            status.update(_("No decks yet: put deck files in the folder `quiz locate` shows."))
        self.query_one(DeckTable).show(rows)
        seconds = collection.study_seconds_today()
        self.query_one("#home-today", Static).update(
            Content.assemble((_("Studied today") + "  ", "dim"), study_time(seconds))
        )
        self._show_save_warning()
        self.refresh_bindings()
        self._show_failures()
        self._show_sandbox_state()
        self.query_one(DeckTable).focus()

    def _show_save_warning(self) -> None:
        """Say before the first card, not after it, that answers will not be kept."""
        try:
            reason = self.services.engine.read_only_reason()
        except QuizError as exc:
            reason = exc.message
        box = self.query_one("#home-warning", Static)
        box.set_class(reason is None, "-empty")
        if reason is not None:
            box.update(
                Content.assemble(
                    (_("⚠ Reviews cannot be saved: "), "$text-error bold"),
                    (reason, "$text-error"),
                    "\n",
                    (_("Answers cannot be kept until this is fixed (`quiz doctor` helps)."), "dim"),
                )
            )

    def show_error(self, error: QuizError) -> None:
        """The decks or the store could not be opened: say why where the decks would be."""
        self.query_one("#home-status", Static).update(
            Content.assemble(("✗ ", "$text-error bold"), (error.message, "$text-error"))
        )

    def _show_failures(self) -> None:
        failures = self.services.failures
        box = self.query_one("#home-failures")
        box.set_class(not failures, "-empty")
        if not failures:
            return
        lines = [
            Content.styled(
                ngettext(
                    "⚠ {n} deck file could not be loaded (fix it, then press r to reload):",
                    "⚠ {n} deck files could not be loaded (fix them, then press r to reload):",
                    len(failures),
                ).format(n=len(failures)),
                "$text-warning bold",
            )
        ]
        for failure in failures:
            problems = list(getattr(failure, "problems", ()))
            for problem in problems[:3]:
                lines.append(Content(f"  {problem}"))
            if len(problems) > 3:
                more = _("… and {n} more").format(n=len(problems) - 3)
                lines.append(Content.styled(f"  {more}", "dim"))
        self.query_one("#home-failures-text", Static).update(Content("\n").join(lines))

    def _show_sandbox_state(self) -> None:
        ready = self.services.checker.ready
        if ready == self._sandbox_ready:
            return
        self._sandbox_ready = ready
        text = (
            Content.assemble(("● ", "$text-success"), (_("sandbox ready"), "dim"))
            if ready
            else Content.assemble(("○ ", "$text-warning"), (_("warming up the sandbox…"), "dim"))
        )
        self.query_one("#home-sandbox", Static).update(text)

    def action_reload(self) -> None:
        """Read every deck file again (after fixing one, or adding one to the decks folder)."""
        self.query_one("#home-status", Static).update(_("Loading decks…"))
        self.post_message(self.ReloadRequested())

    def _selected_deck(self) -> str | None:
        key = self.query_one(DeckTable).selected_key
        return None if key in (None, ALL_DECKS) else key

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_study()

    def action_study(self) -> None:
        if not self.services.loaded:
            return
        from quiz.tui.screens.study import StudyScreen

        self.app.push_screen(StudyScreen(self.services, deck_id=self._selected_deck()))

    def action_custom_study(self) -> None:
        if not self.services.loaded:
            return
        from quiz.tui.screens.custom_study import CustomStudyScreen

        self.app.push_screen(CustomStudyScreen(self.services, deck_id=self._selected_deck()))

    def action_browse(self) -> None:
        if not self.services.loaded:
            return
        from quiz.tui.screens.browse import BrowseScreen

        self.app.push_screen(BrowseScreen(self.services))

    def action_stats(self) -> None:
        if not self.services.loaded:
            return
        from quiz.tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen(self.services))

    def action_options(self) -> None:
        if not self.services.loaded:
            return
        from quiz.tui.screens.options import OptionsScreen

        self.app.push_screen(OptionsScreen(self.services, deck_id=self._selected_deck()))
