"""The study screen draws text, never markup or control sequences: what reaches it (a loaded
deck, a run's output) is made terminal-safe where it enters (tests/test_terminal_safety.py)."""

from __future__ import annotations

import dataclasses
import html
import re

from quiz.outcome import Outcome
from quiz.tui.app import QuizApp
from tests.test_terminal_safety import controls
from tests.tui.conftest import Harness
from tests.tui.decks import PREDICT, only
from tests.tui.fakes import Judged
from tests.tui.test_study import settle, start_study


def drawn_text(app: QuizApp) -> str:
    """The text of what the screen draws, from the same segments the terminal would get."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_the_study_screen_draws_only_text(harness: Harness) -> None:
    """What reaches the study screen (a loaded deck, a run's output) is already clean; the
    screen then draws text, never markup: brackets in a prompt or a run stay literal."""
    card = dataclasses.replace(PREDICT, code="print('[bold]x[/bold] [link=file:///etc]y[/link]')")
    harness.checker.verdicts[card.key] = [Judged(Outcome.FAIL, "[red]truth[/red]", "[b]given")]
    app = harness.app([only(card)])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press(*"abc", "enter")
        await settle(pilot, app)
        drawn = drawn_text(app)
        assert app.screen is screen and screen.phase == "judged", type(app.screen)
        assert "[red]truth[/red]" in drawn and "[b]given" in drawn, drawn
        assert "[bold]x[/bold] [link=file:///etc]y[/link]" in drawn
        assert controls(drawn) == []
