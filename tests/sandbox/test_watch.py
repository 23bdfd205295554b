"""How a worker turns what a child left (output, report lines, exit status) into a RunResult.

Everything here comes from hostile code, so malformed input must give a killed or error result,
never an exception in the worker.
"""

from __future__ import annotations

import json
import signal

import pytest

from quiz.sandbox.child import CHANNEL_LOST
from quiz.sandbox.protocol import CARD, RunStatus
from quiz.sandbox.watch import Watch

LIMIT = 100


def exited(code: int) -> int:
    return code << 8


def report_line(**fields: object) -> bytes:
    report = {"status": "ok", "values": [], "notes": [], **fields}
    return (json.dumps({"report": report}) + "\n").encode()


def test_a_good_report_becomes_the_result() -> None:
    watch = Watch(LIMIT)
    watch.stdout.take(b"hello\n")
    watch.take_result(b'{"segment": "<card>"}\n')
    watch.take_result(report_line(values=["2"]))
    result = watch.result(None)
    assert (result.status, result.stdout, result.values) == (RunStatus.OK, "hello\n", ("2",))


def test_a_report_may_arrive_in_pieces() -> None:
    watch = Watch(LIMIT)
    line = report_line(status="error", exception="ValueError", segment=CARD)
    watch.take_result(line[:7])
    assert watch.report is None
    watch.take_result(line[7:])
    result = watch.result(None)
    assert (result.status, result.exception, result.segment) == (
        RunStatus.ERROR,
        "ValueError",
        CARD,
    )


@pytest.mark.parametrize(
    "line",
    [
        report_line(status="timeout"),  # a child cannot claim what only its worker decides
        report_line(status="bogus"),
        report_line(values="not a list"),
        report_line(notes={"a": 1}),
    ],
)
def test_a_forged_or_malformed_report_counts_as_killed(line: bytes) -> None:
    watch = Watch(LIMIT)
    watch.take_result(line)
    result = watch.result(exited(0))
    assert result.status is RunStatus.KILLED
    assert "unreadable report" in " ".join(result.notes)


@pytest.mark.parametrize("garbage", [b"\xff\xfe garbage\n", b"[1, 2]\n", b'{"what": 1}\n'])
def test_garbage_on_the_result_channel_is_noted(garbage: bytes) -> None:
    watch = Watch(LIMIT)
    watch.take_result(garbage)
    result = watch.result(exited(4))
    assert result.status is RunStatus.ERROR
    assert "garbage" in " ".join(result.notes)


def test_an_endless_line_is_garbage_not_memory_growth() -> None:
    watch = Watch(LIMIT)
    for _ in range(300):
        watch.take_result(b"x" * 65536)
    assert watch.garbage


@pytest.mark.parametrize(
    ("wait_status", "status", "note"),
    [
        (signal.SIGXCPU, RunStatus.TIMEOUT, "CPU time"),
        (signal.SIGSEGV, RunStatus.KILLED, "SIGSEGV"),
        (signal.SIGKILL, RunStatus.KILLED, "SIGKILL"),
        (exited(7), RunStatus.ERROR, "code 7"),
        (exited(CHANNEL_LOST), RunStatus.ERROR, "closed its own result channel"),
        (exited(0), RunStatus.OK, "before finishing"),
    ],
)
def test_a_run_without_a_report_is_judged_by_how_it_ended(
    wait_status: int, status: RunStatus, note: str
) -> None:
    watch = Watch(LIMIT)
    watch.take_result(b'{"segment": "<answer>"}\n')
    result = watch.result(wait_status)
    assert result.status is status
    assert note in " ".join(result.notes)
    assert result.segment == "<answer>"


def test_exit_code_exception_is_system_exit() -> None:
    watch = Watch(LIMIT)
    assert watch.result(exited(3)).exception == "SystemExit"


def test_stdout_flood_is_output_limit_with_the_first_bytes_and_a_notice() -> None:
    watch = Watch(LIMIT)
    watch.stdout.take(b"a" * 60)
    watch.stdout.take(b"b" * 60)
    watch.take_result(report_line())
    result = watch.result(None)
    assert result.status is RunStatus.OUTPUT_LIMIT
    assert result.stdout.startswith("a" * 60 + "b" * 40 + "\n[... output truncated at 100 bytes")
    assert "stdout truncated" in " ".join(result.notes)


def test_stderr_flood_is_cut_but_decides_nothing() -> None:
    watch = Watch(1024)
    watch.stderr.take(b"w" * 5000)
    watch.take_result(report_line())
    result = watch.result(None)
    assert result.status is RunStatus.OK
    assert result.stderr.endswith("[... output truncated at 1 KiB ...]\n")
    assert "stderr truncated at 1 KiB" in result.notes


def test_invalid_utf8_output_is_replaced_not_fatal() -> None:
    watch = Watch(LIMIT)
    watch.stdout.take(b"ok \xff\xfe\n")
    watch.take_result(report_line())
    assert watch.result(None).stdout == "ok \ufffd\ufffd\n"


def test_lone_surrogates_in_a_report_become_valid_text() -> None:
    watch = Watch(LIMIT)
    watch.take_result(report_line(status="error", exception="E", traceback="bad \ud800 char"))
    result = watch.result(None)
    assert result.traceback is not None
    result.traceback.encode("utf-8")  # would raise on a lone surrogate


def test_cancel_and_timeout_take_precedence_over_a_report() -> None:
    watch = Watch(LIMIT)
    watch.take_result(report_line())
    watch.cancelled = True
    assert watch.result(None).status is RunStatus.KILLED
    watch = Watch(LIMIT)
    watch.timed_out = True
    assert watch.result(None).status is RunStatus.TIMEOUT


def test_a_setup_failure_is_killed_with_its_reason() -> None:
    watch = Watch(LIMIT)
    watch.take_result(b'{"setup_error": "ValueError: request too large"}\n')
    result = watch.result(exited(70))
    assert result.status is RunStatus.KILLED
    assert "request too large" in " ".join(result.notes)
