"""The study app: `build_app` (one factory for the CLI and the tests) and `run_study_app`.

Start-up order keeps the first frame fast: the home screen paints at once, the deck library loads
in a thread worker, the store opens when it arrives, and only then does the sandbox pool start
(its workers import torch in their own processes; this process never imports torch).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, TextArea

from quiz.config import AppConfig, load_config
from quiz.errors import QuizError
from quiz.i18n import N_, set_language
from quiz.tui.engine import StoreEngine
from quiz.tui.ports import Checker, Clock, Engine, LibraryLike
from quiz.tui.screens.home import HomeScreen
from quiz.tui.services import Services, load_real_library, utc_now


class QuizApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "quiz"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", N_("Help"), key_display="?", show=False)
    ]

    class LibraryLoaded(Message):
        def __init__(self, library: LibraryLike) -> None:
            super().__init__()
            self.library = library

    class LoadFailed(Message):
        def __init__(self, error: QuizError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def on_load(self) -> None:
        # Before the first screen is even composed: parsing decks overlaps drawing the frame.
        self.load_library()

    def on_mount(self) -> None:
        self.push_screen(HomeScreen(self.services))

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_library(self) -> None:
        # Parsing every deck file takes a moment: off the UI thread, result posted back.
        try:
            library = self.services.library_source()
        except QuizError as exc:
            self.post_message(self.LoadFailed(exc))
            return
        self.post_message(self.LibraryLoaded(library))

    def on_home_screen_reload_requested(self, event: HomeScreen.ReloadRequested) -> None:
        self.load_library()

    def on_quiz_app_library_loaded(self, event: QuizApp.LibraryLoaded) -> None:
        try:
            # The store opens here, on the UI thread, because SQLite connections are per thread.
            self.services.adopt(event.library)
        except QuizError as exc:
            self.post_message(self.LoadFailed(exc))
            return
        home = self._home()
        if home is not None:
            home.refresh_decks()
        self.call_after_refresh(self.services.checker.start)

    def on_quiz_app_load_failed(self, event: QuizApp.LoadFailed) -> None:
        self.notify(event.error.message, title=event.error.title, severity="error", timeout=30)
        home = self._home()
        if home is not None:
            home.show_error(event.error)

    def _home(self) -> HomeScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `?` types itself in a text field: the footer must not offer Help there.
        if action == "help":
            focused = self.focused
            if isinstance(focused, TextArea):
                return focused.read_only
            return not (isinstance(focused, Input) and not focused.disabled)
        return True

    def action_help(self) -> None:
        from quiz.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def build_app(
    *,
    decks: Sequence[str | Path] = (),
    lang: str | None = None,
    config: AppConfig | None = None,
    library: LibraryLike | None = None,
    engine: Engine | None = None,
    checker: Checker | None = None,
    clock: Clock | None = None,
    seed: int | None = None,
) -> QuizApp:
    """The app, wired to the real decks, store and sandbox unless fakes are handed in."""
    config = config if config is not None else load_config()
    set_language(lang or config.lang)
    clock = clock or utc_now
    extra = [Path(p).expanduser() for p in decks]
    if checker is None:
        from quiz.tui.checker import SandboxChecker

        checker = SandboxChecker()
    services = Services(
        checker=checker,
        engine=engine if engine is not None else StoreEngine(clock),
        library_source=(lambda: library)
        if library is not None
        else (lambda: load_real_library(extra)),
        clock=clock,
        lang=lang or config.lang,
        editor=config.editor,
        rng=random.Random(seed),
    )
    return QuizApp(services)


def run_study_app(args: argparse.Namespace) -> int:
    """A bare `quiz`: the study app on the bundled, the user's and any --decks decks."""
    app = build_app(decks=list(args.decks or []), lang=args.lang)
    result = app.run()
    return int(result or 0)
