"""Pilot tests of Browse (search, detail, suspend, reset), Stats, Options and Help."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from quiz.tui.screens.browse import BrowseScreen
from quiz.tui.screens.card_detail import CardDetailScreen
from quiz.tui.screens.confirm import ConfirmScreen
from quiz.tui.screens.help import HelpScreen
from quiz.tui.screens.options import OptionsScreen
from quiz.tui.screens.stats import StatsScreen
from tests.tui.conftest import Harness
from tests.tui.decks import CODE, PREDICT, PREDICT_LINES

SIZE = (120, 36)


def keys(table: DataTable[object]) -> list[str]:
    return [str(k.value) for k in table.rows]


async def test_browse_filters_as_you_type(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one(DataTable)
        assert len(keys(table)) == 7
        await pilot.press("slash", *"tag:buffers is:new")
        await pilot.pause()
        assert keys(table) == [CODE.key, PREDICT_LINES.key]
        status = str(screen.query_one("#browse-status", Static).render())
        assert status == "2 of 7 cards"
        screen.query_one(Input).value = "is:overdue"
        await pilot.pause()
        assert "unknown `is:overdue`" in str(screen.query_one("#browse-status", Static).render())


async def test_browse_suspends_resets_and_opens_history(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert harness.fake.suspended == {PREDICT.key}
        await pilot.press("s")
        assert harness.fake.suspended == set()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert harness.fake.resets == [PREDICT.key]
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, CardDetailScreen)
        assert "never reviewed" in str(detail.query_one("#detail-history-title", Static).render())


async def test_stats_screen_draws_every_section(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        for selector in ("#stats-forecast", "#stats-reviews", "#stats-heatmap", "#stats-retention"):
            assert screen.query(selector), selector
        table = screen.query_one("#stats-retention", DataTable)
        assert table.row_count == 6
        text = " ".join(str(s.render()) for s in screen.query(Static))
        assert "6-day streak" in text and "60 review" in text


async def test_options_validate_as_typed_and_save_overrides(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OptionsScreen)
        retention = screen.query_one("#opt-desired_retention", Input)
        retention.value = "1.5"
        await pilot.pause()
        help_line = str(screen.query_one("#opt-desired_retention-help", Static).render())
        assert "✗" in help_line and "0.70 to 0.99" in help_line
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert harness.engine.saved == [], "an invalid value is never saved"
        retention.value = "0.85"
        screen.query_one("#opt-learning_steps", Input).value = "30s 5m"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert harness.engine.saved == [
            (None, {"desired_retention": 0.85, "learning_steps": [30, 300]})
        ]


async def test_help_lists_the_keys_of_the_screen_below(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        table = screen.query_one(DataTable)
        actions = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        for action in ("Study", "Custom", "Browse", "Stats", "Options", "Quit"):
            assert action in actions
