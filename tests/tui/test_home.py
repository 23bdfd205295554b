"""Pilot tests of the home screen: decks and counts, broken decks, and the keys to every screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from quiz.tui.screens.browse import BrowseScreen
from quiz.tui.screens.custom_study import CustomStudyScreen
from quiz.tui.screens.help import HelpScreen
from quiz.tui.screens.home import HomeScreen
from quiz.tui.screens.options import OptionsScreen
from quiz.tui.screens.stats import StatsScreen
from quiz.tui.screens.study import StudyScreen
from quiz.tui.widgets.deck_table import ALL_DECKS, DeckTable
from tests.tui.conftest import Harness
from tests.tui.decks import BROKEN_POS, HOOK
from tests.tui.fakes import FakeDeckLoad, FakeProblem

SIZE = (100, 30)


def rendered(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def test_home_lists_decks_with_counts_and_study_time(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        table = screen.query_one(DeckTable)
        assert [str(k.value) for k in table.rows] == [ALL_DECKS, "hooks", "basics"]
        assert [str(c) for c in table.get_row(ALL_DECKS)[1:]] == ["7", "0", "0"]
        assert [str(c) for c in table.get_row("basics")[1:]] == ["6", "0", "0"]
        assert "12 min" in rendered(screen, "#home-today")
        assert "2 decks · 7 cards" in rendered(screen, "#home-status")
        assert harness.checker.started, "the sandbox starts once the decks are in"


async def test_broken_deck_is_listed_with_file_and_line(harness: Harness) -> None:
    problem = FakeProblem(BROKEN_POS, "broken/x: unknown field 'promt'")
    broken = FakeDeckLoad(Path("decks/broken.yaml"), [problem])
    app = harness.app(failures=[broken])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = rendered(app.screen, "#home-failures-text")
        assert "1 deck file could not be loaded" in text
        assert "decks/broken.yaml:12:5: broken/x: unknown field 'promt'" in text
        assert isinstance(app.screen, HomeScreen)


async def test_enter_studies_the_selected_deck(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        assert screen.deck_id == "hooks"
        assert screen.shown is not None and screen.shown.key == HOOK.key
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize(
    ("key", "screen_type"),
    [
        ("b", BrowseScreen),
        ("s", StatsScreen),
        ("o", OptionsScreen),
        ("c", CustomStudyScreen),
        ("question_mark", HelpScreen),
    ],
)
async def test_keys_open_each_screen(harness: Harness, key: str, screen_type: type) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, screen_type)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_sandbox_state_is_shown(harness: Harness) -> None:
    harness.checker.ready = False
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "warming up the sandbox" in rendered(app.screen, "#home-sandbox")
        harness.checker.ready = True
        await pilot.pause(0.6)
        assert "sandbox ready" in rendered(app.screen, "#home-sandbox")


async def test_q_quits(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_custom_study_crams_a_tag_without_scheduling(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CustomStudyScreen)
        dialog.query_one("#custom-tag").value = "hooks"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        study = app.screen
        assert isinstance(study, StudyScreen) and study.cram is not None
        assert study.shown is not None and study.shown.key == HOOK.key
        await pilot.press("space", "3")
        await pilot.pause()
        assert harness.fake.answers == [], "custom study leaves the schedule alone"


async def test_korean_titles_when_lang_is_ko(harness: Harness) -> None:
    app = harness.app(lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeckTable)
        titles = [str(table.get_row_at(i)[0]) for i in range(1, table.row_count)]
        assert titles == ["├─ 텐서와 파라미터와 버퍼", "└─ 훅"]


async def test_r_reloads_the_decks(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        harness.fake.seconds_today = 3900.0
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "1 h 5 min" in rendered(app.screen, "#home-today")


async def test_a_missing_decks_path_is_said_on_the_home_screen(harness: Harness) -> None:
    from quiz.config import AppConfig
    from quiz.tui.app import build_app

    app = build_app(
        decks=["/no/such/decks"],
        config=AppConfig(),
        engine=harness.engine,
        checker=harness.checker,
        clock=harness.clock,
    )
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "/no/such/decks: no such deck file or folder" in rendered(app.screen, "#home-status")
        assert isinstance(app.screen, HomeScreen)
