"""Judging answers of every card type; wrong, crashing and hanging answers are data."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quiz.deck.compare import answer_matches, auto_equal
from quiz.deck.judge import Answer, judge, predict_run, predict_truth, try_code
from quiz.deck.model import MatchMode
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


async def test_numbers_compare_by_value_but_other_types_must_match() -> None:
    deck, card = one_card("id: p\ntype: predict\ncode: print(1)\n")
    runner = ExecRunner()
    assert (await judge(deck, card, Answer(text="1"), runner)).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(text="1.0"), runner)).outcome is Outcome.PASS
    assert (await judge(deck, card, Answer(text="True"), runner)).outcome is Outcome.FAIL
    assert (await judge(deck, card, Answer(text="'1'"), runner)).outcome is Outcome.FAIL
    assert (await judge(deck, card, Answer(text="[1]"), runner)).outcome is Outcome.FAIL
    assert (await judge(deck, card, Answer(text="2"), runner)).outcome is Outcome.FAIL


@pytest.mark.parametrize(
    ("truth", "given", "same"),
    [
        ("tensor([18., 18., 18.])", "tensor([18, 18, 18])", True),
        ("tensor([18., 18., 18.])", "tensor([18., 18., 19.])", False),
        ("tensor([18])", "tensor([19])", False),
        ("tensor([0.5000, 1.0000])", "tensor([0.5, 1.])", True),
        ("tensor([0.3333])", "tensor([0.333])", False),
        ("tensor(40.)", "tensor(40)", True),
        ("tensor(40.)", "40", False),
        ("40.0", "40", True),
        ("tensor([-1.])", "tensor([1.])", False),
        ("tensor([1.], requires_grad=True)", "tensor([1])", False),
        ("tensor([2.], grad_fn=<MulBackward0>)", "tensor([2], grad_fn=<MulBackward0>)", True),
        ("tensor([2.], grad_fn=<MulBackward0>)", "tensor([2.], grad_fn=<MulBackward1>)", False),
        ("torch.float32", "torch.float32.0", False),
        ("2.13.0", "2.13", False),
        ("['0.weight']", "['0.weight']", True),
        ("0.weight 1.bias", "0.weight 1.0.bias", False),
        ("(tensor([1.]), tensor([2.]))", "(tensor([1]),tensor([2]))", True),
        ("{'w': tensor([[1., 2.],\n        [3., 4.]])}", "{'w': tensor([[1, 2], [3, 4]])}", True),
        ("True", "1", False),
        ("nan", "nan", True),
        ("1e3", "1000", True),
        ("[1, 2]", "(1, 2)", False),
    ],
)
def test_auto_compares_numbers_by_value(truth: str, given: str, same: bool) -> None:
    assert answer_matches(given, truth, MatchMode.AUTO, None) is same
    assert answer_matches(truth, given, MatchMode.AUTO, None) is same


def test_exact_keeps_int_and_float_apart() -> None:
    assert not answer_matches("40", "40.0", MatchMode.EXACT, None)
    assert not answer_matches("tensor([18])", "tensor([18.])", MatchMode.EXACT, None)


_ints = st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=6)


def _float_tensor(values: list[int]) -> str:
    return f"tensor([{', '.join(f'{v}.' for v in values)}])"


def _int_tensor(values: list[int]) -> str:
    return f"tensor([{', '.join(str(v) for v in values)}])"


@given(_ints)
def test_a_tensor_matches_its_other_dtypes_repr(values: list[int]) -> None:
    assert auto_equal(_int_tensor(values), _float_tensor(values))


@given(_ints, _ints)
def test_tensors_of_different_values_never_match(left: list[int], right: list[int]) -> None:
    assume(left != right)
    assert not auto_equal(_int_tensor(left), _float_tensor(right))
    assert not auto_equal(_float_tensor(left), _float_tensor(right))


@given(st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9))
def test_numbers_match_by_value_only(a: int, b: int) -> None:
    assert auto_equal(str(a), f"{a}.0")
    assert auto_equal(str(a), str(float(a))) is (float(a) == a)
    if a != b:
        assert not auto_equal(str(a), f"{b}.0")
        assert not auto_equal(f"tensor({a}.)", f"tensor({b})")


@given(st.text(max_size=40), st.text(max_size=40))
def test_auto_is_reflexive_and_symmetric(a: str, b: str) -> None:
    assert auto_equal(a, a)
    assert auto_equal(a, b) is auto_equal(b, a)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1))
def test_changing_one_number_breaks_the_match(values: list[float]) -> None:
    shown = f"tensor([{', '.join(f'{v:.4f}' for v in values)}])"
    changed = f"tensor([{', '.join(f'{v:.4f}' for v in [values[0] + 1, *values[1:]])}])"
    assume(f"{values[0]:.4f}" != f"{values[0] + 1:.4f}")
    assert not auto_equal(shown, changed)


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
