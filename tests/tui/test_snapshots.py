"""Snapshot tests of every screen, one class per feature (update with --snapshot-update)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from quiz.outcome import Outcome
from quiz.sandbox.protocol import RunResult, RunStatus
from tests.tui.conftest import Harness
from tests.tui.decks import BROKEN_POS, CHOICE, CLOZE, CODE, FLIP, PREDICT, PREDICT_LINES, only
from tests.tui.fakes import FakeDeckLoad, FakeProblem, Judged

Snap = Callable[..., bool]
WIDE = (120, 36)
MEDIUM = (100, 30)
SMALL = (80, 24)


def drive(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the decks to load, then press each key and let every check finish."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


def typed(text: str) -> tuple[str, ...]:
    return tuple(text)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


class TestHome:
    def test_decks_and_counts(self, snap_compare: Snap, harness: Harness) -> None:
        assert snap_compare(harness.app(), terminal_size=MEDIUM, run_before=drive())

    def test_broken_deck_listed(self, snap_compare: Snap, harness: Harness) -> None:
        problem = FakeProblem(BROKEN_POS, "broken/x: unknown field 'promt' (did you mean prompt?)")
        app = harness.app(failures=[FakeDeckLoad(Path("decks/broken.yaml"), [problem])])
        assert snap_compare(app, terminal_size=SMALL, run_before=drive())

    def test_korean(self, snap_compare: Snap, harness: Harness) -> None:
        assert snap_compare(harness.app(lang="ko"), terminal_size=MEDIUM, run_before=drive())

    def test_sandbox_warming_up(self, snap_compare: Snap, harness: Harness) -> None:
        harness.checker.ready = False
        assert snap_compare(harness.app(), terminal_size=MEDIUM, run_before=drive())


class TestStudyPredict:
    def test_answering(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(PREDICT)])
        keys = ("enter", *typed("['b']"))
        assert snap_compare(app, terminal_size=MEDIUM, run_before=drive(*keys))

    def test_wrong_answer_beside_truth(self, snap_compare: Snap, harness: Harness) -> None:
        harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.FAIL, "['b', 'w']", "['w']")]
        app = harness.app([only(PREDICT)])
        keys = ("enter", *typed("['w']"), "enter")
        assert snap_compare(app, terminal_size=WIDE, run_before=drive(*keys))

    def test_multiline_diff(self, snap_compare: Snap, harness: Harness) -> None:
        truth = "running_mean\nrunning_var\nnum_batches_tracked"
        given = "running_mean\nrunning_var"
        harness.checker.verdicts[PREDICT_LINES.key] = [Judged(Outcome.FAIL, truth, given)]
        app = harness.app([only(PREDICT_LINES)])
        keys = ("enter", *typed("running_mean"), "enter", *typed("running_var"), "ctrl+s")
        assert snap_compare(app, terminal_size=WIDE, run_before=drive(*keys))

    def test_hint_shown(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(PREDICT)])
        assert snap_compare(app, terminal_size=MEDIUM, run_before=drive("enter", "escape", "h"))


class TestStudyCode:
    def test_run_output(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(CODE)])
        assert snap_compare(app, terminal_size=WIDE, run_before=drive("enter", "ctrl+r"))

    def test_failed_check_shows_traceback(self, snap_compare: Snap, harness: Harness) -> None:
        run = RunResult(
            status=RunStatus.ERROR,
            exception="AssertionError",
            traceback='  File "<check>", line 1, in <module>\nAssertionError',
            segment="<check>",
            duration_ms=9.0,
        )
        harness.checker.verdicts[CODE.key] = [
            Judged(Outcome.FAIL, "...", "", run=run, detail="check raised AssertionError")
        ]
        app = harness.app([only(CODE)])
        assert snap_compare(app, terminal_size=WIDE, run_before=drive("enter", "ctrl+s"))


class TestStudyChoice:
    def test_judged_marks(self, snap_compare: Snap, harness: Harness) -> None:
        harness.checker.verdicts[CHOICE.key] = [Judged(Outcome.FAIL)]
        app = harness.app([only(CHOICE)])
        keys = ("enter", "1", "3", "enter")
        assert snap_compare(app, terminal_size=MEDIUM, run_before=drive(*keys))


class TestStudyCloze:
    def test_blanks(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(CLOZE)])
        keys = ("enter", *typed("nn.Parameter"), "tab")
        assert snap_compare(app, terminal_size=MEDIUM, run_before=drive(*keys))


class TestStudyFlip:
    def test_revealed_at_80x24(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(FLIP)])
        assert snap_compare(app, terminal_size=SMALL, run_before=drive("enter", "space"))

    def test_korean_prompt(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(FLIP)], lang="ko")
        assert snap_compare(app, terminal_size=MEDIUM, run_before=drive("enter"))


class TestSummary:
    def test_end_of_session(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(FLIP)])
        keys = ("enter", "space", "3")
        assert snap_compare(app, terminal_size=MEDIUM, run_before=drive(*keys))


class TestBrowse:
    def test_table(self, snap_compare: Snap, harness: Harness) -> None:
        assert snap_compare(harness.app(), terminal_size=WIDE, run_before=drive("b"))

    def test_filtered(self, snap_compare: Snap, harness: Harness) -> None:
        keys = ("b", "slash", *typed("tag:buffers"))
        assert snap_compare(harness.app(), terminal_size=WIDE, run_before=drive(*keys))

    def test_card_detail(self, snap_compare: Snap, harness: Harness) -> None:
        assert snap_compare(harness.app(), terminal_size=WIDE, run_before=drive("b", "enter"))


class TestStats:
    def test_stats(self, snap_compare: Snap, harness: Harness) -> None:
        assert snap_compare(harness.app(), terminal_size=WIDE, run_before=drive("s"))


class TestOptions:
    def test_invalid_value(self, snap_compare: Snap, harness: Harness) -> None:
        keys = ("o", "ctrl+a", "ctrl+k", *typed("1.5"))
        assert snap_compare(harness.app(), terminal_size=WIDE, run_before=drive(*keys))


class TestDialogs:
    def test_help_on_study(self, snap_compare: Snap, harness: Harness) -> None:
        app = harness.app([only(FLIP)])
        keys = ("enter", "question_mark")
        assert snap_compare(app, terminal_size=WIDE, run_before=drive(*keys))

    def test_custom_study(self, snap_compare: Snap, harness: Harness) -> None:
        assert snap_compare(harness.app(), terminal_size=MEDIUM, run_before=drive("c"))
