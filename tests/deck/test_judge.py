"""Judging answers of every card type; wrong, crashing and hanging answers are data."""

from __future__ import annotations

import pytest

from quiz.deck.judge import Answer, judge, predict_run, predict_truth, try_code
from quiz.outcome import Outcome
from quiz.sandbox.protocol import ANSWER, CARD, CHECK, SETUP, RunResult, RunStatus
from tests.deck.fakes import CannedRunner, ExecRunner
from tests.deck.helpers import one_card

PREDICT = "id: p\ntype: predict\ncode: \"print(sorted({'w': 1, 'b': 2}))\"\n"


@pytest.mark.parametrize(
    ("given", "outcome"),
    [
        ("['b', 'w']", Outcome.PASS),
        ('["b","w"]', Outcome.PASS),  # equal as Python literals
        ("['w', 'b']", Outcome.FAIL),
        ("b w", Outcome.FAIL),
    ],
)
async def test_predict_auto(given: str, outcome: Outcome) -> None:
    deck, card = one_card(PREDICT)
    result = await judge(deck, card, Answer(text=given), ExecRunner())
    assert result.outcome is outcome
    assert result.truth == "['b', 'w']\n"


async def test_literal_types_must_match() -> None:
    deck, card = one_card("id: p\ntype: predict\ncode: print(1)\n")
    runner = ExecRunner()
    assert (await judge(deck, card, Answer(text="1"), runner)).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(text="1.0"), runner)).outcome is Outcome.FAIL
    assert (await judge(deck, card, Answer(text="True"), runner)).outcome is Outcome.FAIL


async def test_whitespace_is_normalised_when_not_literals() -> None:
    deck, card = one_card(
        "id: p\ntype: predict\ncode: \"print('tensor([1., 2.])')\\nprint('x')\"\n"
    )
    given = "tensor([1.,  2.])\n\n  x  "
    assert (await judge(deck, card, Answer(text=given), ExecRunner())).outcome is Outcome.PASS


async def test_exact_match_keeps_inner_spacing() -> None:
    deck, card = one_card("id: p\ntype: predict\nmatch: exact\ncode: print('a  b')\n")
    runner = ExecRunner()
    assert (await judge(deck, card, Answer(text="a  b\n"), runner)).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(text="a b"), runner)).outcome is Outcome.FAIL


async def test_regex_mode_accepts_what_the_pattern_allows() -> None:
    card_yaml = "id: p\ntype: predict\nmatch: regex\ncode: print(id(object()))\nanswer: '\\d+'\n"
    deck, card = one_card(card_yaml)
    assert (await judge(deck, card, Answer(text="12345"), ExecRunner())).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(text="abc"), ExecRunner())).outcome is Outcome.FAIL


async def test_predict_truth_of_raising_code_is_the_exception_class() -> None:
    deck, card = one_card("id: p\ntype: predict\ncode: \"print('partial')\\n{}['k']\"\n")
    assert await predict_truth(deck, card, ExecRunner()) == "KeyError"
    assert (await judge(deck, card, Answer(text="KeyError"), ExecRunner())).outcome is Outcome.PASS


async def test_predict_with_broken_setup_is_an_error() -> None:
    deck, card = one_card("id: p\ntype: predict\ncode: print(1)\n", setup="import nothing_here")
    result = await judge(deck, card, Answer(text="1"), ExecRunner())
    assert result.outcome is Outcome.ERROR
    assert "setup raised" in result.detail


async def test_prior_run_is_reused() -> None:
    deck, card = one_card(PREDICT)
    runner = ExecRunner()
    prior = await predict_run(deck, card, runner)
    assert [s.name for s in runner.requests[0].segments] == [CARD]
    result = await judge(deck, card, Answer(text="['b', 'w']"), runner, prior_run=prior)
    assert result.outcome is Outcome.PASS
    assert len(runner.requests) == 1


CHOICE = """\
id: c
type: choice
prompt: which?
code: x = 3
options:
  - {text: odd, truth: x % 2 == 1}
  - {text: even, truth: x % 2 == 0}
  - {text: three, truth: "x == 3  # a comment"}
"""


async def test_choice_by_truths() -> None:
    deck, card = one_card(CHOICE)
    runner = ExecRunner()
    right = await judge(deck, card, Answer(choices=frozenset({0, 2})), runner)
    assert right.outcome is Outcome.PASS
    assert right.truth == "1. odd; 3. three"
    wrong = await judge(deck, card, Answer(choices=frozenset({0})), runner)
    assert wrong.outcome is Outcome.FAIL
    assert runner.requests[0].evaluate[0].startswith("bool((x % 2 == 1")


async def test_choice_by_static_answer_runs_nothing() -> None:
    deck, card = one_card("id: c\ntype: choice\nprompt: p\noptions: [a, b, c]\nanswer: [1, 2]\n")
    runner = ExecRunner()
    assert (
        await judge(deck, card, Answer(choices=frozenset({1, 2})), runner)
    ).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(choices=frozenset({1})), runner)).outcome is Outcome.FAIL
    assert runner.requests == []


async def test_choice_truth_that_raises_is_an_error() -> None:
    deck, card = one_card(CHOICE.replace("x % 2 == 0", "y == 0"))
    result = await judge(deck, card, Answer(choices=frozenset({0})), ExecRunner())
    assert result.outcome is Outcome.ERROR


CODE = """\
id: k
type: code
prompt: define double
code: base = 2
starter: "def double(x):\\n    pass"
solution: "def double(x):\\n    return x * base"
check: assert double(3) == 6
"""


async def test_code_card_runs_setup_card_answer_check_in_order() -> None:
    deck, card = one_card(CODE, setup="import math")
    runner = ExecRunner()
    result = await judge(deck, card, Answer(text="def double(x):\n    return x + x"), runner)
    assert result.outcome is Outcome.PASS
    assert [s.name for s in runner.requests[0].segments] == [SETUP, CARD, ANSWER, CHECK]


@pytest.mark.parametrize(
    ("source", "outcome"),
    [
        ("def double(x):\n    return x", Outcome.FAIL),  # the check's assertion
        ("def double(x) return", Outcome.FAIL),  # the learner's syntax error
        ("raise RuntimeError('mine')", Outcome.FAIL),  # the learner's own crash
        ("import sys\nsys.exit(0)", Outcome.FAIL),  # leaving before the check is no pass
    ],
)
async def test_code_card_failures(source: str, outcome: Outcome) -> None:
    deck, card = one_card(CODE)
    assert (await judge(deck, card, Answer(text=source), ExecRunner())).outcome is outcome


@pytest.mark.parametrize(
    ("status", "segment", "outcome"),
    [
        (RunStatus.TIMEOUT, ANSWER, Outcome.TIMEOUT),
        (RunStatus.MEMORY, ANSWER, Outcome.ERROR),
        (RunStatus.KILLED, ANSWER, Outcome.ERROR),
        (RunStatus.OUTPUT_LIMIT, ANSWER, Outcome.ERROR),
        (RunStatus.ERROR, CARD, Outcome.ERROR),
        (RunStatus.ERROR, CHECK, Outcome.FAIL),
    ],
)
async def test_code_card_run_statuses(status: RunStatus, segment: str, outcome: Outcome) -> None:
    deck, card = one_card(CODE)
    runner = CannedRunner(lambda _: RunResult(status, segment=segment, exception="E"))
    result = await judge(deck, card, Answer(text="x = 1"), runner)
    assert result.outcome is outcome
    assert result.run is not None and result.run.status is status


async def test_try_code_runs_without_the_check() -> None:
    deck, card = one_card(CODE)
    runner = ExecRunner()
    result = await try_code(deck, card, "print(double)", runner)
    assert result.status is RunStatus.ERROR and result.exception == "NameError"
    assert [s.name for s in runner.requests[0].segments] == [CARD, ANSWER]


async def test_cloze_with_check_accepts_any_passing_fill() -> None:
    deck, card = one_card(
        "id: z\ntype: cloze\ncode: x = {{2}} + {{3::a number}}\ncheck: assert x == 5\n"
    )
    runner = ExecRunner()
    assert (await judge(deck, card, Answer(fills=("4", "1")), runner)).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(fills=("4", "4")), runner)).outcome is Outcome.FAIL
    assert (await judge(deck, card, Answer(fills=("4",)), runner)).outcome is Outcome.FAIL


async def test_cloze_without_check_compares_normalised_text() -> None:
    deck, card = one_card("id: z\ntype: cloze\ncode: m.register_buffer({{'b', t}})\n")
    runner = ExecRunner()
    assert (await judge(deck, card, Answer(fills=("'b',t",)), runner)).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(fills=("'c', t",)), runner)).outcome is Outcome.FAIL
    assert runner.requests == []


async def test_flip_cards_are_self_graded() -> None:
    deck, card = one_card("id: f\ntype: flip\nprompt: q\nanswer: {en: yes, ko: 네}\n")
    result = await judge(deck, card, Answer(), ExecRunner())
    assert result.outcome is Outcome.SELF_GRADED
    assert result.truth == "yes"
