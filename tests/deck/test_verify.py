"""`quiz check`'s proofs: each card type proven, and disproven with its claim beside the run."""

from __future__ import annotations

import pytest

from quiz.deck.verify import verify_card
from quiz.sandbox.protocol import RunResult, RunStatus
from tests.deck.fakes import CannedRunner, ExecRunner
from tests.deck.helpers import one_card


async def verdicts(card_yaml: str, setup: str = "") -> list[tuple[bool, str]]:
    deck, card = one_card(card_yaml, setup)
    return [(c.ok, str(c)) for c in await verify_card(deck, card, ExecRunner())]


async def test_predict_proven() -> None:
    assert await verdicts("id: p\ntype: predict\ncode: print([1, 2])\nanswer: '[1,2]'\n") == [
        (True, "proven")
    ]


async def test_predict_without_answer_only_has_to_run() -> None:
    assert (await verdicts("id: p\ntype: predict\ncode: print(1)\n"))[0][0]


async def test_predict_claim_contradicted() -> None:
    [(ok, message)] = await verdicts("id: p\ntype: predict\ncode: print(2)\nanswer: '3'\n")
    assert not ok
    assert message == "claims '3' (auto match) but the code prints '2'"


async def test_predict_exception_claims() -> None:
    good = "id: p\ntype: predict\ncode: int('x')\nanswer: ValueError\n"
    assert (await verdicts(good))[0][0]
    [(ok, message)] = await verdicts(good.replace("ValueError", "TypeError"))
    assert not ok and message.endswith("but the code raises ValueError")


async def test_predict_that_prints_before_it_raises_fails() -> None:
    card = "id: p\ntype: predict\ncode: \"print(2)\\nint('x')\"\nanswer: ValueError\n"
    [(ok, message)] = await verdicts(card)
    assert not ok
    assert message == (
        "the code prints '2' before it raises ValueError, but the answer of a raising card is "
        "only the exception's name: print nothing first"
    )


async def test_predict_regex_claim() -> None:
    card = (
        "id: p\ntype: predict\nmatch: regex\ncode: print('<obj at 0x1f>')\n"
        "answer: '<obj at 0x[0-9a-f]+>'\n"
    )
    assert (await verdicts(card))[0][0]
    assert not (await verdicts(card.replace("obj at", "thing at", 1)))[0][0]


async def test_predict_broken_setup_fails() -> None:
    [(ok, message)] = await verdicts("id: p\ntype: predict\ncode: print(1)\n", setup="1/0")
    assert not ok and message == "the setup raised ZeroDivisionError: division by zero"


CHOICE = """\
id: c
type: choice
prompt: p
code: x = [1, 2]
options:
  - {text: a list, truth: "isinstance(x, list)"}
  - {text: a tuple, truth: "isinstance(x, tuple)"}
answer: 0
"""


async def test_choice_truths_agree_with_answer() -> None:
    assert (await verdicts(CHOICE))[0] == (True, "proven")


async def test_choice_truths_disagree_with_answer() -> None:
    [(ok, message)] = await verdicts(CHOICE.replace("answer: 0", "answer: 1"))
    assert not ok
    assert message == "answer claims option(s) 1 but the truths hold for 0 (0-based)"


async def test_choice_with_no_true_option_fails() -> None:
    card = CHOICE.replace("isinstance(x, list)", "isinstance(x, dict)").replace("answer: 0\n", "")
    [(ok, message)] = await verdicts(card)
    assert not ok and "no option's truth holds" in message


async def test_choice_truth_that_raises_fails() -> None:
    [(ok, message)] = await verdicts(CHOICE.replace("isinstance(x, tuple)", "undefined_name"))
    assert not ok and "NameError" in message


CODE = """\
id: k
type: code
prompt: p
starter: "def f():\\n    pass"
solution: "def f():\\n    return 1"
check: assert f() == 1
wrong: ["def f():\\n    return 2", "f = 1"]
"""


async def test_code_proven() -> None:
    assert (await verdicts(CODE))[0] == (True, "proven")


async def test_code_solution_that_fails() -> None:
    [(ok, message)] = await verdicts(CODE.replace("return 1", "return 0"))
    assert not ok
    assert message.startswith("solution must pass the check but the check raised AssertionError")


async def test_code_starter_or_wrong_that_passes() -> None:
    [(ok, message)] = await verdicts(CODE.replace('"f = 1"', '"def f():\\n    return 1"'))
    assert not ok and message == "wrong[1] must fail the check but passes it"
    [(ok, message)] = await verdicts(CODE.replace("    pass", "    return 1"))
    assert not ok and message == "starter must fail the check but passes it"


async def test_cloze_original_fills_pass() -> None:
    card = "id: z\ntype: cloze\ncode: x = {{1}} + 1\ncheck: assert x == 2\n"
    assert (await verdicts(card))[0][0]
    [(ok, message)] = await verdicts(card.replace("x == 2", "x == 3"))
    assert not ok and message.startswith("the original fills must pass the check")


async def test_cloze_without_check_must_run() -> None:
    assert not (await verdicts("id: z\ntype: cloze\ncode: x = {{1}} / 0\n"))[0][0]


async def test_every_vary_combination_is_proven() -> None:
    card = "id: v\ntype: predict\nvary: {n: [1, 2, 3]}\ncode: print($n % 2)\nanswer: '1'\n"
    results = await verdicts(card)
    assert [ok for ok, _ in results] == [True, False, True]
    assert results[1][1] == "[n=2] claims '1' (auto match) but the code prints '0'"


async def test_large_vary_is_sampled() -> None:
    deck, card = one_card(
        "id: v\ntype: predict\nvary: {a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "
        "b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}\ncode: print($a)\nanswer: '$a'\n"
    )
    runner = ExecRunner()
    checks = await verify_card(deck, card, runner)
    assert len(checks) == 64 and len(runner.requests) == 64
    assert all(c.ok for c in checks)


async def test_flip_needs_no_run() -> None:
    deck, card = one_card("id: f\ntype: flip\nprompt: q\nanswer: a\n")
    runner = ExecRunner()
    [check] = await verify_card(deck, card, runner)
    assert check.ok and runner.requests == []


@pytest.mark.parametrize("status", [RunStatus.TIMEOUT, RunStatus.MEMORY, RunStatus.KILLED])
async def test_a_card_that_cannot_run_fails(status: RunStatus) -> None:
    deck, card = one_card("id: p\ntype: predict\ncode: print(1)\nanswer: '1'\n")
    [check] = await verify_card(deck, card, CannedRunner(lambda _: RunResult(status)))
    assert not check.ok


async def test_predict_that_raises_without_a_claim_fails() -> None:
    [(ok, message)] = await verdicts("id: p\ntype: predict\ncode: print(undefined)\n")
    assert not ok
    assert message == (
        "the card's code raised NameError: name 'undefined' is not defined and the card has no "
        "'answer'; if the exception is the point, add `answer: NameError`"
    )
