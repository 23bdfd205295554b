"""Runners for deck tests: exec() in-process for small torch-free snippets, and canned results.

The in-process runner mirrors the sandbox's contract (quiz/sandbox/protocol.py): segments run in
order in one fresh namespace, a raise stops the run with the segment and exception class, a
clean sys.exit() ends it early with status ok, and each `evaluate` comes back as repr().
"""

from __future__ import annotations

import contextlib
import io
import traceback
from collections.abc import Callable

from quiz.sandbox.protocol import RunRequest, RunResult, RunStatus


class ExecRunner:
    """Runs requests with exec(); records every request it was given."""

    def __init__(self) -> None:
        self.requests: list[RunRequest] = []

    def run(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        namespace: dict[str, object] = {"__name__": "__main__"}
        out = io.StringIO()
        values: list[str] = []
        with contextlib.redirect_stdout(out):
            for segment in request.segments:
                try:
                    exec(compile(segment.source, segment.name, "exec"), namespace)
                except SystemExit as exc:
                    if exc.code not in (None, 0):
                        return self._raised(exc, segment.name, out.getvalue())
                    return RunResult(RunStatus.OK, out.getvalue(), segment=segment.name)
                except Exception as exc:
                    return self._raised(exc, segment.name, out.getvalue())
            for expression in request.evaluate:
                try:
                    values.append(repr(eval(expression, namespace)))
                except Exception as exc:
                    return self._raised(exc, "<evaluate>", out.getvalue())
        return RunResult(RunStatus.OK, out.getvalue(), values=tuple(values))

    @staticmethod
    def _raised(exc: BaseException, segment: str, stdout: str) -> RunResult:
        text = "".join(traceback.format_exception_only(type(exc), exc))
        return RunResult(
            RunStatus.ERROR, stdout, exception=type(exc).__name__, traceback=text, segment=segment
        )

    async def arun(self, request: RunRequest) -> RunResult:
        return self.run(request)


class CannedRunner:
    """Answers every request with what `answer(request)` returns (timeouts, crashes, ...)."""

    def __init__(self, answer: Callable[[RunRequest], RunResult]) -> None:
        self.answer = answer
        self.requests: list[RunRequest] = []

    def run(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        return self.answer(request)

    async def arun(self, request: RunRequest) -> RunResult:
        return self.run(request)
