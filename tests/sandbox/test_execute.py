"""Running segments in one namespace, in this process: naming, tracebacks, values, exits, seeds."""

from __future__ import annotations

import random

import pytest

from quiz.sandbox.execute import EVALUATE, VALUE_LIMIT, Report, execute
from quiz.sandbox.protocol import ANSWER, CARD, CHECK, SETUP, RunRequest, RunStatus, Segment


def run(*segments: tuple[str, str], evaluate: tuple[str, ...] = ()) -> Report:
    request = RunRequest(tuple(Segment(n, s) for n, s in segments), evaluate=evaluate)
    return execute(request)


def test_segments_run_in_order_in_one_namespace() -> None:
    report = run((SETUP, "x = 1"), (CARD, "x += 1"), (ANSWER, "y = x * 10"), evaluate=("y", "x"))
    assert report.status is RunStatus.OK
    assert report.values == ["20", "2"]
    assert report.segment is None


def test_each_run_gets_a_fresh_main_namespace() -> None:
    assert run((CARD, "assert __name__ == '__main__'\nleak = 1")).status is RunStatus.OK
    report = run((CARD, "leak"))
    assert (report.status, report.exception) == (RunStatus.ERROR, "NameError")


def test_traceback_keeps_only_segment_frames_with_their_own_line_numbers() -> None:
    setup = "def helper():\n    raise ValueError('bad')\n"
    report = run((SETUP, setup), (CARD, "x = 1\nhelper()\n"))
    assert (report.status, report.exception, report.segment) == (
        RunStatus.ERROR,
        "ValueError",
        CARD,
    )
    assert report.traceback is not None
    assert 'File "<card>", line 2, in <module>' in report.traceback
    assert 'File "<setup>", line 2, in helper' in report.traceback
    assert "raise ValueError('bad')" in report.traceback  # the source line is quoted
    assert "execute.py" not in report.traceback
    assert report.traceback.endswith("ValueError: bad\n")


def test_library_frames_are_dropped() -> None:
    report = run((CARD, "import json\njson.loads('{')\n"))
    assert report.exception == "JSONDecodeError"
    assert report.traceback is not None
    assert 'File "<card>", line 2' in report.traceback
    assert "decoder.py" not in report.traceback


def test_syntax_error_names_its_segment() -> None:
    report = run((CARD, "x = 1"), (ANSWER, "x = 2\ndef f(:\n"))
    assert (report.status, report.exception, report.segment) == (
        RunStatus.ERROR,
        "SyntaxError",
        ANSWER,
    )
    assert report.traceback is not None and 'File "<answer>", line 2' in report.traceback


def test_check_failure_is_reported_in_the_check_segment() -> None:
    report = run((ANSWER, "def double(x):\n    return x + 1\n"), (CHECK, "assert double(3) == 6"))
    assert (report.status, report.exception, report.segment) == (
        RunStatus.ERROR,
        "AssertionError",
        CHECK,
    )


@pytest.mark.parametrize("exit_call", ["sys.exit()", "sys.exit(0)", "raise SystemExit"])
def test_clean_exit_is_a_normal_end_that_says_where_it_stopped(exit_call: str) -> None:
    report = run((ANSWER, f"import sys\nx = 1\n{exit_call}\n"), (CHECK, "x = 99"), evaluate=("x",))
    assert report.status is RunStatus.OK
    assert report.segment == ANSWER
    assert report.values == ["1"]  # the check never ran
    assert any("later segments did not run" in note for note in report.notes)


@pytest.mark.parametrize("exit_call", ["sys.exit(2)", "sys.exit('failed')"])
def test_non_zero_exit_is_an_error(exit_call: str) -> None:
    report = run((CARD, f"import sys\n{exit_call}\n"))
    assert (report.status, report.exception, report.segment) == (
        RunStatus.ERROR,
        "SystemExit",
        CARD,
    )


def test_an_evaluation_that_raises_is_an_error_in_evaluate() -> None:
    report = run((CARD, "x = 0"), evaluate=("x + 1", "1 / x"))
    assert (report.status, report.exception, report.segment) == (
        RunStatus.ERROR,
        "ZeroDivisionError",
        EVALUATE,
    )


def test_evaluated_values_are_reprs_and_capped() -> None:
    report = run((CARD, "s = 'x' * 200000"), evaluate=("'a'", "s", "[1, None]"))
    assert report.values[0] == "'a'"
    assert len(report.values[1]) < VALUE_LIMIT + 100
    assert report.values[1].endswith("characters]")
    assert report.values[2] == "[1, None]"


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("raise MemoryError", RunStatus.MEMORY),
        (
            'raise RuntimeError("DefaultCPUAllocator: can\'t allocate memory: you tried 8 bytes")',
            RunStatus.MEMORY,
        ),
        ("raise RuntimeError('shape mismatch')", RunStatus.ERROR),
    ],
)
def test_memory_failures_are_classified(source: str, status: RunStatus) -> None:
    assert run((CARD, source)).status is status


def test_seeds_are_set_before_the_first_segment(capsys: pytest.CaptureFixture[str]) -> None:
    random.seed(12345)
    source = "import random\nprint(random.random())\n"
    run((CARD, source))
    run((CARD, source))
    first, second = capsys.readouterr().out.split()
    assert first == second == str(random.Random(0).random())


def test_an_exception_that_cannot_be_printed_still_gives_a_result() -> None:
    source = (
        "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError\nraise Odd()\n"
    )
    report = run((CARD, source))
    assert (report.status, report.exception) == (RunStatus.ERROR, "Odd")
    assert report.traceback is not None and "Odd" in report.traceback
