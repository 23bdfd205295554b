"""Pilot tests of the study flow: each card type end to end, and the card commands."""

from __future__ import annotations

import asyncio

from fsrs import Rating
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from quiz.deck.model import Card, Deck
from quiz.outcome import Outcome
from quiz.sandbox.protocol import RunResult, RunStatus
from quiz.tui.app import QuizApp
from quiz.tui.ports import Response
from quiz.tui.screens.study import StudyScreen
from quiz.tui.screens.summary import SummaryScreen
from quiz.tui.widgets.choice_answer import ChoiceList
from quiz.tui.widgets.code_answer import CodeAnswer
from quiz.tui.widgets.grade_bar import GradeBar
from quiz.tui.widgets.verdict import Verdict
from tests.tui.conftest import Harness
from tests.tui.decks import CHOICE, CLOZE, CODE, FLIP, PREDICT, PREDICT_LINES, only
from tests.tui.fakes import FakeChecker, Judged

SIZE = (100, 30)


async def start_study(app: QuizApp, pilot: Pilot[int]) -> StudyScreen:
    """From the home screen, study all decks; waits until the first card is shown."""
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, StudyScreen)
    return screen


async def settle(pilot: Pilot[int], app: QuizApp) -> None:
    """Wait for check workers and the messages they post."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def proposed_button(app: QuizApp) -> str | None:
    bar = app.screen.query_one(GradeBar)
    proposed = [b for b in bar.query("Button") if b.has_class("-proposed")]
    return proposed[0].id if proposed else None


async def test_predict_pass_is_proposed_good_and_space_accepts(harness: Harness) -> None:
    harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.PASS, "['b', 'w']", "['b', 'w']")]
    app = harness.app([only(PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        assert isinstance(screen.focused, Input)
        await pilot.press(*"['b', 'w']")
        harness.clock.advance(seconds=7)
        await pilot.press("enter")
        await settle(pilot, app)
        assert screen.phase == "judged"
        assert proposed_button(app) == "grade-3"
        assert "Correct" in str(screen.query_one("#verdict-headline").render())
        await pilot.press("space")
        await pilot.pause()
        answered = harness.fake.answers
        assert [(a.key, a.rating, a.proposed, a.outcome) for a in answered] == [
            (PREDICT.key, Rating.Good, Rating.Good, Outcome.PASS)
        ]
        assert answered[0].answer_text == "['b', 'w']"
        assert answered[0].duration_ms == 7000
        assert isinstance(app.screen, SummaryScreen)


async def test_predict_fail_proposes_again_and_shows_both_sides(harness: Harness) -> None:
    harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.FAIL, "['b', 'w']", "['w']")]
    app = harness.app([only(PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press(*"['w']", "enter")
        await settle(pilot, app)
        assert proposed_button(app) == "grade-1"
        given = str(screen.query_one("#verdict-given").render())
        truth = str(screen.query_one("#verdict-truth").render())
        assert "['w']" in given and "['b', 'w']" in truth
        await pilot.press("3")  # the learner overrides the proposal
        await pilot.pause()
        assert [(a.rating, a.proposed) for a in harness.fake.answers] == [
            (Rating.Good, Rating.Again)
        ]


async def test_multiline_predict_takes_a_text_area_and_diffs(harness: Harness) -> None:
    truth = "running_mean\nrunning_var\nnum_batches_tracked"
    harness.checker.verdicts[PREDICT_LINES.key] = [Judged(Outcome.FAIL, truth, "x")]
    app = harness.app([only(PREDICT_LINES)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        assert isinstance(screen.focused, TextArea)
        await pilot.press(*"running_mean", "enter", *"running_var")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        asked = harness.checker.asked[-1][1]
        assert asked.text == "running_mean\nrunning_var"
        diff = str(screen.query_one("#verdict-diff").render())
        assert "+ num_batches_tracked" in diff


async def test_submit_waits_for_keys_still_queued_in_the_field(harness: Harness) -> None:
    """A paste or a fast typist: ctrl+s must read the answer after the keys before it."""
    harness.checker.verdicts[PREDICT_LINES.key] = [Judged(Outcome.FAIL, "a\nb", "x")]
    app = harness.app([only(PREDICT_LINES)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        area = screen.query_one(TextArea)
        for char in "ab":
            area.post_message(events.Key(char, char))  # queued, not yet handled
        screen.action_submit()
        await settle(pilot, app)
        assert harness.checker.asked[-1][1].text == "ab"


async def test_code_card_runs_then_retries_to_a_hard_pass(harness: Harness) -> None:
    failed = RunResult(
        status=RunStatus.ERROR,
        exception="AssertionError",
        traceback='File "<check>", line 1\nAssertionError',
        segment="<check>",
    )
    harness.checker.verdicts[CODE.key] = [
        Judged(Outcome.FAIL, "...", "", run=failed, detail="check raised AssertionError"),
        Judged(Outcome.PASS, "...", ""),
    ]
    app = harness.app([only(CODE)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        answer = screen.query_one(CodeAnswer)
        assert answer.editor.text == CODE.starter
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert harness.checker.runs == [(CODE.key, CODE.starter)]
        assert "hello" in str(screen.query_one("#code-output").render())
        assert harness.fake.answers == []  # a run grades nothing
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert proposed_button(app) == "grade-1"
        assert "AssertionError" in str(screen.query_one("#verdict-run").render())
        # Fix the code and submit again: a pass after a retry proposes Hard.
        assert screen.focused is answer.editor
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert harness.fake.proposals[-1] == (CODE.key, Outcome.PASS, False, True)
        assert proposed_button(app) == "grade-2"
        await pilot.press("enter")
        await pilot.pause()
        assert [(a.rating, a.outcome) for a in harness.fake.answers] == [
            (Rating.Hard, Outcome.PASS)
        ]


async def test_choice_digits_toggle_and_enter_submits(harness: Harness) -> None:
    harness.checker.verdicts[CHOICE.key] = [Judged(Outcome.FAIL, "1. parameters; 2. buffers")]
    app = harness.app([only(CHOICE)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        choices = screen.query_one(ChoiceList)
        assert screen.focused is choices
        await pilot.press("1", "3", "3", "2", "3")
        assert choices.chosen == {0, 1, 2}
        await pilot.press("enter")
        await settle(pilot, app)
        assert harness.checker.asked[-1][1].choices == (0, 1, 2)
        assert choices.correct == frozenset({0, 1})
        assert "wrong" in choices.render().plain
        await pilot.press("1")  # now a grade, no longer a toggle
        await pilot.pause()
        assert [a.answer_text for a in harness.fake.answers] == ["1, 2, 3"]


async def test_cloze_tab_moves_between_blanks_and_enter_submits(harness: Harness) -> None:
    app = harness.app([only(CLOZE)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        assert screen.focused is not None and screen.focused.id == "blank-0"
        await pilot.press(*"nn.Parameter", "tab", *"register_buffer")
        await pilot.press("enter")
        await settle(pilot, app)
        assert harness.checker.asked[-1][1].fills == ("nn.Parameter", "register_buffer")
        assert screen.phase == "judged"


async def test_flip_space_reveals_and_is_self_graded(harness: Harness) -> None:
    app = harness.app([only(FLIP)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        assert not screen.query_one("#flip-answer").display
        await pilot.press("space")
        await pilot.pause()
        assert screen.query_one("#flip-answer").display
        assert harness.checker.asked == []  # flip cards are never judged
        assert screen.query_one(Verdict).has_class("-shown")
        await pilot.press("1")
        await pilot.pause()
        assert [(a.rating, a.outcome) for a in harness.fake.answers] == [
            (Rating.Again, Outcome.SELF_GRADED)
        ]


async def test_hint_lowers_the_proposal_to_hard(harness: Harness) -> None:
    app = harness.app([only(PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press("escape", "h")
        await pilot.pause()
        assert "Buffers count too." in str(screen.query_one("#study-hint").render())
        await pilot.press("i")  # back into the answer field
        assert isinstance(screen.focused, Input)
        await pilot.press("x", "enter")
        await settle(pilot, app)
        assert harness.fake.proposals[-1] == (PREDICT.key, Outcome.PASS, True, False)
        assert proposed_button(app) == "grade-2"


async def test_undo_brings_back_the_last_card(harness: Harness) -> None:
    app = harness.app([only(FLIP, PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        assert screen.shown is not None and screen.shown.key == FLIP.key
        await pilot.press("space", "3")
        await pilot.pause()
        assert screen.shown.key == PREDICT.key
        await pilot.press("escape", "u")
        await pilot.pause()
        assert harness.fake.answers == []
        assert screen.shown.key == FLIP.key
        assert screen.tally.cards == 0


async def test_bury_and_suspend_skip_to_the_next_card(harness: Harness) -> None:
    app = harness.app([only(FLIP, PREDICT, CHOICE)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press("minus")
        await pilot.pause()
        assert harness.fake.buried == [FLIP.key]
        assert screen.shown is not None and screen.shown.key == PREDICT.key
        await pilot.press("escape", "exclamation_mark")
        await pilot.pause()
        assert harness.fake.suspended == {PREDICT.key}
        assert screen.shown.key == CHOICE.key


async def test_flag_toggles(harness: Harness) -> None:
    app = harness.app([only(FLIP)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        assert harness.fake.flags == {FLIP.key: 1}
        assert "flagged" in str(screen.query_one("#study-meta").render())
        await pilot.press("f")
        assert harness.fake.flags == {FLIP.key: 0}


async def test_resubmitting_cancels_the_running_check(harness: Harness) -> None:
    gate = asyncio.Event()
    harness.checker.gate = gate
    harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.FAIL), Judged(Outcome.PASS)]
    app = harness.app([only(PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press("a", "enter")
        await pilot.pause()
        assert screen.phase == "checking"
        assert screen.query_one("#study-spinner").has_class("-active")
        await pilot.press("b", "ctrl+s")
        await pilot.pause()
        gate.set()
        await settle(pilot, app)
        assert [r.text for _, r in harness.checker.asked] == ["a", "ab"]
        # The first check was cancelled: only the second one's verdict counts.
        assert len(harness.fake.proposals) == 1


async def test_warming_sandbox_is_announced_while_checking(harness: Harness) -> None:
    harness.checker.ready = False
    harness.checker.gate = asyncio.Event()
    app = harness.app([only(PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press("a", "enter")
        await pilot.pause()
        assert "Warming up the sandbox" in str(screen.query_one("#study-warming").render())
        harness.checker.gate.set()


async def test_summary_counts_the_session(harness: Harness) -> None:
    harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.FAIL)]
    app = harness.app([only(FLIP, PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        await start_study(app, pilot)
        await pilot.press("space", "3")
        harness.clock.advance(minutes=2, seconds=5)
        await pilot.press(*"x", "enter")
        await settle(pilot, app)
        await pilot.press("space")
        await pilot.pause()
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        lines = dict(summary.summary.lines())
        assert lines["Cards"] == "2"
        assert lines["Accuracy"].startswith("0%")
        assert lines["Time"] == "2:05"
        assert lines["Next card"] == "in 10m"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


async def test_cards_replaced_in_quick_succession_focus_the_last_one(harness: Harness) -> None:
    # Found driving the real app: a focus scheduled for a card already replaced crashed.
    app = harness.app([only(PREDICT, FLIP, CODE)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        screen.show_card(PREDICT)
        screen.show_card(CODE)
        screen.show_card(PREDICT)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(screen.focused, Input)
        assert screen.answer is not None and screen.answer.is_attached


async def test_a_check_that_crashes_is_reported_and_the_card_stays(harness: Harness) -> None:
    class BrokenChecker(FakeChecker):
        async def judge(self, deck: Deck, card: Card, response: Response) -> Judged:
            raise RuntimeError("judge exploded")

    harness.checker = BrokenChecker()
    app = harness.app([only(PREDICT)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_study(app, pilot)
        await pilot.press("x", "enter")
        await settle(pilot, app)
        assert screen.phase == "answering"
        assert not screen.query_one("#study-spinner").has_class("-active")
        assert any("judge exploded" in n.message for n in app._notifications)
