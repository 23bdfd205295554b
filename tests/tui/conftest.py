"""Fixtures that make every TUI test deterministic: its own QUIZ_HOME, no blinking, frozen time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from quiz.config import AppConfig
from quiz.deck.model import Deck
from quiz.i18n import set_language
from quiz.tui.app import QuizApp, build_app
from tests.tui.decks import BASICS, HOOKS
from tests.tui.fakes import (
    FakeChecker,
    FakeCollection,
    FakeDeckLoad,
    FakeEngine,
    FakeLibrary,
    FrozenClock,
)


@pytest.fixture(autouse=True)
def quiz_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "quiz-home"
    monkeypatch.setenv("QUIZ_HOME", str(home))
    for name in ("VISUAL", "EDITOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    # A blinking cursor makes screenshots depend on timing: keep it always on.
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


class Harness:
    """Builds an app over fakes and keeps them at hand for assertions."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.checker = FakeChecker()
        self.engine = FakeEngine(clock)

    def app(
        self,
        decks: Sequence[Deck] = (BASICS, HOOKS),
        failures: Sequence[FakeDeckLoad] = (),
        lang: str | None = None,
    ) -> QuizApp:
        return build_app(
            config=AppConfig(),
            lang=lang,
            library=FakeLibrary(list(decks), list(failures)),
            engine=self.engine,
            checker=self.checker,
            clock=self.clock,
            seed=0,
        )

    @property
    def fake(self) -> FakeCollection:
        assert self.engine.current is not None, "the app has not loaded its decks yet"
        return self.engine.current


@pytest.fixture
def harness(clock: FrozenClock) -> Harness:
    return Harness(clock)


@pytest.fixture(autouse=True)
def english_by_default() -> Iterator[None]:
    # The app's language is process-wide: a Korean test must not leave later tests in Korean.
    set_language("en")
    yield
    set_language("en")
