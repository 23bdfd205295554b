"""The judge's verdict details follow the app's language (a learner sees them under the answer);
`quiz check`'s author report, which quotes `describe()`, stays English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quiz.deck.judge import Answer, describe, judge
from quiz.i18n import set_language
from quiz.outcome import Outcome
from quiz.sandbox.protocol import CHECK, RunResult, RunStatus
from tests.deck.fakes import CannedRunner, ExecRunner
from tests.deck.helpers import one_card

PREDICT = "id: p\ntype: predict\ncode: \"print(sorted({'w': 1, 'b': 2}))\"\n"


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    # The language is process-wide: leave every later test in English.
    yield
    set_language("en")


async def test_a_wrong_predict_answer_is_explained_in_korean() -> None:
    set_language("ko")
    deck, card = one_card(PREDICT)
    wrong = await judge(deck, card, Answer(text="['w', 'b']"), ExecRunner())
    assert wrong.outcome is Outcome.FAIL
    assert wrong.detail == "출력과 달라요"
    right = await judge(deck, card, Answer(text="['b', 'w']"), ExecRunner())
    assert right.detail == "출력과 같아요"


async def test_a_crash_in_the_setup_is_explained_in_korean() -> None:
    set_language("ko")
    deck, card = one_card("id: p\ntype: predict\ncode: print(1)\n", setup="import nothing_here")
    result = await judge(deck, card, Answer(text="1"), ExecRunner())
    assert result.outcome is Outcome.ERROR
    assert result.detail.startswith("setup에서 예외가 발생했어요: ")
    assert "ModuleNotFoundError" in result.detail  # the exception itself is Python's own text
    assert "raised" not in result.detail


async def test_cloze_counts_agree_in_english_and_speak_korean() -> None:
    deck, card = one_card("id: z\ntype: cloze\ncode: m.register_buffer({{'b'}}, {{t}})\n")
    mismatch = await judge(deck, card, Answer(fills=("'b'",)), ExecRunner())
    assert mismatch.detail == "2 blanks but 1 fills"
    both = await judge(deck, card, Answer(fills=("'c'", "u")), ExecRunner())
    assert both.detail == "blanks 1, 2 differ"
    one = await judge(deck, card, Answer(fills=("'c'", "t")), ExecRunner())
    assert one.detail == "blank 1 differs"
    set_language("ko")
    one = await judge(deck, card, Answer(fills=("'c'", "t")), ExecRunner())
    assert one.detail == "1번 빈칸이 달라요"


def test_the_author_report_stays_english_under_korean() -> None:
    set_language("ko")
    timeout = RunResult(RunStatus.TIMEOUT, segment=CHECK)
    assert describe(timeout) == "the run timed out"
    assert describe(timeout, translate=True) == "실행 시간이 초과됐어요"


async def test_a_timed_out_check_is_explained_in_korean() -> None:
    set_language("ko")
    deck, card = one_card(
        "id: c\ntype: code\nprompt: Set x.\nsolution: x = 1\ncheck: assert x == 1\n"
    )
    runner = CannedRunner(lambda _request: RunResult(RunStatus.TIMEOUT, segment=CHECK))
    result = await judge(deck, card, Answer(text="x = 1"), runner)
    assert result.outcome is Outcome.TIMEOUT
    assert result.detail == "실행 시간이 초과됐어요"
