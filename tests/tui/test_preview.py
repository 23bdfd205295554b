"""`quiz preview`: cards as a learner sees them, their check status, reloads on save, no store."""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static
from textual.worker import WorkerCancelled

from quiz.cli import main
from quiz.errors import QuizError
from quiz.sandbox.protocol import RunRequest, RunResult, RunStatus
from quiz.tui.preview import FAILED, PENDING, PROVEN, SELF, PreviewApp
from tests.tui.fakes import FakeRunner

DECK = textwrap.dedent(
    """\
    schema_version: 1
    id: preview-me
    title: Preview me
    cards:
      - id: prints-two
        type: predict
        prompt: What does this print?
        code: print(1 + 1)
        answer: "2"
      - id: recall
        type: flip
        prompt: Why?
        answer: Because.
    """
)

PRINTS_TWO = RunResult(status=RunStatus.OK, stdout="2\n")


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "preview.yaml"
    path.write_text(DECK, encoding="utf-8")
    return path


async def checks_done(app: PreviewApp) -> None:
    """Wait until no card is pending. Not `workers.wait_for_complete()`: the file watcher is
    a worker that runs until the app exits."""
    for _ in range(200):  # at most 10 s
        await asyncio.sleep(0.05)
        if app.deck is None or PENDING not in {mark for mark, _ in app.status.values()}:
            break
    for worker in [w for w in app.workers if w.group == "check"]:
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


def text(app: PreviewApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def test_cards_show_their_check_status(deck_file: Path, quiz_home: Path) -> None:
    app = PreviewApp(deck_file, runner=FakeRunner(PRINTS_TWO))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await checks_done(app)
        await pilot.pause()
        assert app.status["preview-me/prints-two"] == (PROVEN, [])
        assert app.status["preview-me/recall"][0] == SELF
        assert "proven by running it" in text(app, "#preview-check")
        assert "Answer" in text(app, "#preview-key") and "2" in text(app, "#preview-key")
        assert "1 proven" in text(app, "#preview-status")
        assert app.query_one(OptionList).option_count == 2
    assert not (quiz_home / "quiz.db").exists(), "preview never opens the review store"


async def test_a_wrong_claim_fails_with_the_reason(deck_file: Path) -> None:
    app = PreviewApp(deck_file, runner=FakeRunner(RunResult(status=RunStatus.OK, stdout="3\n")))
    async with app.run_test(size=(120, 36)) as pilot:
        await checks_done(app)
        await pilot.pause()
        mark, messages = app.status["preview-me/prints-two"]
        assert mark == FAILED and messages
        assert "quiz check fails" in text(app, "#preview-check")


async def test_saving_reloads_and_checks_again(deck_file: Path) -> None:
    app = PreviewApp(deck_file, runner=FakeRunner(PRINTS_TWO))
    async with app.run_test(size=(120, 36)) as pilot:
        await checks_done(app)
        await pilot.pause()
        deck_file.write_text(DECK.replace('answer: "2"', 'answer: "4"'), encoding="utf-8")
        app.post_message(PreviewApp.Changed())
        await pilot.pause()
        await checks_done(app)
        await pilot.pause()
        assert app.status["preview-me/prints-two"][0] == FAILED
        deck_file.write_text("cards: [", encoding="utf-8")
        app.post_message(PreviewApp.Changed())
        await pilot.pause()
        assert app.deck is None and app.problems
        assert "does not load" in text(app, "#preview-meta")


async def test_the_file_watcher_notices_a_save(deck_file: Path) -> None:
    app = PreviewApp(deck_file, runner=FakeRunner(PRINTS_TWO))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.5)  # let the watcher start
        first = app.generation
        deck_file.write_text(DECK.replace("Why?", "Why not?"), encoding="utf-8")
        for _ in range(100):  # inotify plus the 300 ms debounce: wait up to 10 s
            await pilot.pause(0.1)
            if app.generation > first:
                break
        assert app.generation > first
        assert app.deck is not None and app.deck.cards[1].prompt.get() == "Why not?"


def test_preview_command_rejects_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "no-such-deck.yaml"]) == QuizError.exit_code
    assert "no-such-deck.yaml: no such deck file" in capsys.readouterr().err


def test_snapshot(
    snap_compare: Callable[..., bool], deck_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def run_before(pilot: object) -> None:
        await checks_done(app)

    # A relative path, so the screenshot does not depend on where pytest puts tmp_path.
    monkeypatch.chdir(deck_file.parent)
    app = PreviewApp(Path(deck_file.name), runner=FakeRunner(PRINTS_TWO))
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


async def test_a_vary_card_is_shown_as_an_instance(tmp_path: Path) -> None:
    """Authors see what a learner sees: substituted values, never the `$name` template."""
    path = tmp_path / "vary.yaml"
    path.write_text(
        DECK.replace(
            'code: print(1 + 1)\n    answer: "2"',
            'vary: {n: [3, 4]}\n    code: print($n + 1)\n    answer: "${n}1"',
        ),
        encoding="utf-8",
    )
    app = PreviewApp(path, runner=FakeRunner(RunResult(status=RunStatus.OK, stdout="4\n")))
    async with app.run_test(size=(120, 36)) as pilot:
        await checks_done(app)
        await pilot.pause()
        code = text(app, "#preview-code")
        assert "print(3 + 1)" in code and "$n" not in code
        key = text(app, "#preview-key")
        assert "showing n=3" in key and "31" in key


async def test_a_save_that_breaks_the_file_under_the_help_screen_still_reloads(
    deck_file: Path,
) -> None:
    """Issue 12: a file saved broken while the help screen was open went on showing "1 proven"
    (the save was dropped as if the app were closing): a broken file claims nothing proven."""
    from quiz.tui.screens.help import HelpScreen

    app = PreviewApp(deck_file, runner=FakeRunner(PRINTS_TWO))
    async with app.run_test(size=(120, 36)) as pilot:
        await checks_done(app)
        await pilot.pause()
        assert "1 proven" in text(app, "#preview-status")
        app.action_help()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        first = app.generation
        deck_file.write_text(DECK + "  - id: broken\n    type: nosuch\n", encoding="utf-8")
        app.post_message(PreviewApp.Changed())
        # Still under the help screen: the save (and the file watcher's own notice of it, once
        # its debounce is over) must reload the file now, not be dropped.
        for _ in range(50):
            await pilot.pause(0.1)
            if app.generation > first:
                break
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert app.deck is None and app.problems
        status = text(app, "#preview-status")
        assert "proven" not in status and "1 problem" in status
        assert "does not load" in text(app, "#preview-meta")
        assert app.query_one(OptionList).option_count == 0


async def test_checks_that_finish_under_the_help_screen_are_shown(deck_file: Path) -> None:
    from quiz.tui.screens.help import HelpScreen

    release = asyncio.Event()

    class SlowRunner(FakeRunner):
        async def arun(self, request: RunRequest) -> RunResult:
            await release.wait()
            return await super().arun(request)

    app = PreviewApp(deck_file, runner=SlowRunner(PRINTS_TWO))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.action_help()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        release.set()
        await checks_done(app)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.status["preview-me/prints-two"] == (PROVEN, [])
        assert "1 proven" in text(app, "#preview-status")


PROVEN_FLIP = DECK + textwrap.indent(
    textwrap.dedent(
        """\
        - id: proven-recall
          type: flip
          prompt: Is a Parameter a tensor?
          answer: "Yes: a subclass of it."
          proof: |
            import torch
            assert isinstance(torch.nn.Parameter(torch.ones(1)), torch.Tensor)
        """
    ),
    "  ",
)


async def test_a_flip_card_with_a_proof_is_run_not_self_graded(tmp_path: Path) -> None:
    path = tmp_path / "flip.yaml"
    path.write_text(PROVEN_FLIP, encoding="utf-8")
    failing = FakeRunner(RunResult(status=RunStatus.ERROR, exception="AssertionError"))
    app = PreviewApp(path, runner=failing)
    async with app.run_test(size=(120, 36)) as pilot:
        await checks_done(app)
        await pilot.pause()
        assert app.status["preview-me/recall"][0] == SELF  # no proof: the learner grades it
        assert app.status["preview-me/proven-recall"][0] == FAILED  # its proof failed
