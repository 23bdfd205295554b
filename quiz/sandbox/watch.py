"""Watching one run from its worker: collect its output and report, enforce the wall clock and
the output cap, notice cancellation, and turn whatever happened into a RunResult.

Everything read here comes from hostile code: output is capped as it arrives, the report is
parsed as plain JSON and checked field by field, and anything malformed counts against the run.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quiz.sandbox import framing
from quiz.sandbox.child import CHANNEL_LOST
from quiz.sandbox.protocol import ANSWER, RunResult, RunStatus
from quiz.textsafe import clean as terminal_safe

MAX_REPORT_LINE = 16 * 1024 * 1024
_TEXT_LIMIT = 1024 * 1024
_MAX_VALUES = 4096
_REPORTABLE = {RunStatus.OK, RunStatus.ERROR, RunStatus.MEMORY}


@dataclass(frozen=True)
class RunPipes:
    """The worker's ends of one child's pipes, plus a pidfd that turns readable when it exits."""

    stdout: int
    stderr: int
    result: int
    pidfd: int


@dataclass
class _Stream:
    limit: int
    data: bytearray = field(default_factory=bytearray)
    overflow: bool = False
    closed: bool = False

    def take(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if len(chunk) > room:
            self.data += chunk[: max(room, 0)]
            self.overflow = True
        else:
            self.data += chunk

    def text(self) -> str:
        # Control characters (but tab and newline) never leave the sandbox: every front end
        # shows this text, and a terminal would obey an escape sequence in it.
        text = terminal_safe(self.data.decode("utf-8", errors="replace"))
        if self.overflow:
            text += f"\n[... output truncated at {_size(self.limit)} ...]\n"
        return text


def _size(limit: int) -> str:
    return f"{limit // 1024} KiB" if limit % 1024 == 0 else f"{limit} bytes"


def clean_text(value: object, limit: int = _TEXT_LIMIT) -> str | None:
    """A string from the child, made valid UTF-8 and bounded; None for anything else."""
    if not isinstance(value, str):
        return None
    return terminal_safe(value[:limit].encode("utf-8", errors="replace").decode("utf-8"))


@dataclass
class Watch:
    """The state of one run as its worker sees it."""

    output_limit: int
    # The segment names the child may announce before and after the worker sends the rest of a
    # two-part run (an answer's check), and the token a final report must carry.
    first_names: frozenset[str] = frozenset()
    rest_names: frozenset[str] = frozenset()
    two_part: bool = False
    token: str | None = None
    stdout: _Stream = field(init=False)
    stderr: _Stream = field(init=False)
    report: dict[str, Any] | None = None
    setup_error: str | None = None
    garbage: bool = False
    last_segment: str | None = None
    exited: bool = False
    timed_out: bool = False
    cancelled: bool = False
    awaiting: bool = False  # the first part ran; the child waits for the rest
    answered: int = 0  # times the child said the answer ended (its leftovers dropped)
    gated: int = 0  # of those, how many the worker has acted on (`Server._gate`)
    rest_sent: bool = False
    early_report: bool = False  # the run ended before the rest was sent
    forged: str | None = None  # what the run wrote that the harness never would
    refused: str | None = None  # why the worker would not send the rest
    oom_killed: bool = False  # the memory cgroup's OOM killer ended part of the run
    started: float = field(default_factory=time.monotonic)
    ended: float = 0.0
    _results: framing.LineBuffer = field(
        default_factory=lambda: framing.LineBuffer(MAX_REPORT_LINE)
    )

    def __post_init__(self) -> None:
        self.stdout = _Stream(self.output_limit)
        self.stderr = _Stream(self.output_limit)

    def take_result(self, chunk: bytes) -> None:
        """Parse what the child wrote on its result channel; anything malformed is noted."""
        try:
            self._results.feed(chunk)
            lines = self._results.lines()
        except framing.FrameError:
            self.garbage = True
            return
        for line in lines:
            try:
                message = framing.decode(line)
            except framing.FrameError:
                self.garbage = True
                continue
            if "segment" in message:
                self._take_segment(clean_text(message["segment"], 200))
            elif isinstance(message.get("report"), dict):
                self._take_report(message)
            elif message.get("answered") is True and self.two_part and not self.rest_sent:
                self.answered += 1
            elif message.get("await") == "check" and self.two_part and not self.awaiting:
                if self.rest_sent:
                    self.forged = "asked twice for its check"
                self.awaiting = True
            elif "setup_error" in message:
                self.setup_error = clean_text(message["setup_error"], 2000) or "unknown"
            else:
                self.garbage = True

    def _take_segment(self, name: str | None) -> None:
        allowed = self.rest_names if self.rest_sent else self.first_names
        if name is not None and (not allowed or name in allowed):
            self.last_segment = name
        else:
            self.forged = f"announced segment {name!r} out of turn"

    def _take_report(self, message: dict[str, Any]) -> None:
        if self.two_part and not self.rest_sent:
            # Only the harness's account of an answer that ended early: never a pass (below).
            self.early_report = True
        elif message.get("token") != self.token:
            self.forged = "sent a report the sandbox did not ask for"
            return
        self.report = message["report"]

    def send_rest(self) -> None:
        self.awaiting = False
        self.rest_sent = True

    @property
    def finished(self) -> bool:
        """Time for the worker to act: the run ended its part, or the child waits for it."""
        return self.stopped or self.awaiting or self.answered > self.gated

    @property
    def stopped(self) -> bool:
        """Nothing more to follow: a report, a flood, a forgery, an exit, the clock, a cancel."""
        return (
            self.report is not None
            or self.stdout.overflow
            or self.forged is not None
            or self.exited
            or self.timed_out
            or self.cancelled
        )

    def _read(self, fd: int, stream: _Stream | None) -> bool:
        """Take one chunk from a pipe; False at EOF, on error, or when nothing is there now."""
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # BlockingIOError included, for the non-blocking drain
            return False
        if not chunk:
            return False
        if stream is None:
            self.take_result(chunk)
        else:
            stream.take(chunk)
        return True

    def follow(
        self, pipes: RunPipes, timeout: float, controls: dict[int, Callable[[bytes], bool]]
    ) -> None:
        """Read until the child reports or exits, the clock runs out, stdout floods, or a control
        fd (the host, the worker's lifeline) says stop: its handler gets each chunk read there."""
        deadline = self.started + timeout
        streams = {pipes.stdout: self.stdout, pipes.stderr: self.stderr}
        open_fds = {pipes.stdout, pipes.stderr, pipes.result}
        while not self.finished:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.timed_out = True
                break
            ready, _, _ = select.select([*open_fds, pipes.pidfd, *controls], [], [], remaining)
            if any(self._control(fd, controls[fd]) for fd in ready if fd in controls):
                self.cancelled = True
                break
            for fd in ready:
                if fd in open_fds and not self._read(fd, streams.get(fd)):
                    open_fds.discard(fd)
            if pipes.pidfd in ready:
                self.exited = True
                break
        self.ended = time.monotonic()

    @staticmethod
    def _control(fd: int, handler: Callable[[bytes], bool]) -> bool:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            chunk = b""
        return handler(chunk)

    def drain(self, pipes: RunPipes) -> None:
        """Take what is still buffered in the pipes without waiting for anyone to close them."""
        streams = {pipes.stdout: self.stdout, pipes.stderr: self.stderr, pipes.result: None}
        for fd, stream in streams.items():
            os.set_blocking(fd, False)
            for _ in range(1024):  # bounded: a surviving writer cannot keep us here
                if (stream is not None and stream.overflow) or not self._read(fd, stream):
                    break

    def result(self, wait_status: int | None) -> RunResult:
        """What happened, in order of precedence; `wait_status` is needed only without a report."""
        notes: list[str] = []
        if self.stderr.overflow:
            notes.append(f"stderr truncated at {_size(self.output_limit)}")
        base: dict[str, Any] = {
            "stdout": self.stdout.text(),
            "stderr": self.stderr.text(),
            "duration_ms": round((self.ended - self.started) * 1000, 3),
        }
        if self.cancelled:
            return RunResult(RunStatus.KILLED, notes=(*notes, "cancelled"), **base)
        if self.oom_killed:
            note = "memory cap reached (everything the run started counts together)"
            return RunResult(RunStatus.MEMORY, notes=(*notes, note), **base)
        if self.forged is not None:
            note = f"the run {self.forged}: graded as failing"
            return RunResult(
                RunStatus.ERROR, exception="SandboxTampering", notes=(*notes, note), **base
            )
        if self.refused is not None:
            return RunResult(
                RunStatus.ERROR,
                exception="SandboxTampering",
                segment=self.last_segment,
                notes=(*notes, self.refused),
                **base,
            )
        if self.stdout.overflow:
            note = f"stdout truncated at {_size(self.output_limit)}: the run was stopped"
            return RunResult(RunStatus.OUTPUT_LIMIT, notes=(*notes, note), **base)
        if self.timed_out:
            return RunResult(
                RunStatus.TIMEOUT, segment=self.last_segment, notes=tuple(notes), **base
            )
        if self.report is not None:
            return self._from_report(notes, base)
        return self._from_exit(wait_status, notes, base)

    def _from_report(self, notes: list[str], base: dict[str, Any]) -> RunResult:
        report = self.report or {}
        try:
            status = RunStatus(str(report.get("status")))
        except ValueError:
            status = None
        values = report.get("values")
        child_notes = report.get("notes")
        if (
            status not in _REPORTABLE
            or not isinstance(values, list)
            or len(values) > _MAX_VALUES
            or not isinstance(child_notes, list)
        ):
            notes.append("the run sent an unreadable report")
            return RunResult(RunStatus.KILLED, notes=tuple(notes), **base)
        assert status is not None
        clean_values = tuple(clean_text(v) or "" for v in values)
        extra = tuple(clean_text(n, 2000) or "" for n in child_notes[:16])
        segment = clean_text(report.get("segment"), 200)
        if self.early_report and (segment is None or segment not in self.first_names):
            # A report before the check was even sent cannot speak for the check.
            segment = ANSWER if status is RunStatus.OK else segment
            if status is RunStatus.OK:
                notes.append("the run ended before its check")
        return RunResult(
            status,
            exception=clean_text(report.get("exception"), 200),
            traceback=clean_text(report.get("traceback")),
            segment=segment,
            values=clean_values,
            notes=(*notes, *extra),
            **base,
        )

    def _from_exit(
        self, wait_status: int | None, notes: list[str], base: dict[str, Any]
    ) -> RunResult:
        segment = self.last_segment
        if self.setup_error is not None:
            notes.append(f"the sandbox could not start the run: {self.setup_error}")
            return RunResult(RunStatus.KILLED, notes=tuple(notes), **base)
        if self.garbage:
            notes.append("the run wrote garbage on its result channel")
        if wait_status is None:
            notes.append("the run vanished without an exit status")
            return RunResult(RunStatus.KILLED, segment=segment, notes=tuple(notes), **base)
        if os.WIFSIGNALED(wait_status):
            sig = os.WTERMSIG(wait_status)
            if sig == signal.SIGXCPU:
                notes.append("CPU time limit reached")
                return RunResult(RunStatus.TIMEOUT, segment=segment, notes=tuple(notes), **base)
            notes.append(f"died of {_signal_name(sig)}")
            return RunResult(RunStatus.KILLED, segment=segment, notes=tuple(notes), **base)
        code = os.waitstatus_to_exitcode(wait_status)
        if self.two_part and code in (0, CHANNEL_LOST):
            # Without the harness's tokened report nothing says the check ran, let alone passed.
            notes.append(f"exited with code {code} in {segment} before its check finished")
            return RunResult(
                RunStatus.ERROR, exception="SystemExit", segment=segment, notes=tuple(notes), **base
            )
        if code == CHANNEL_LOST:
            notes.append("the run closed its own result channel: its outcome is unknown")
            return RunResult(RunStatus.ERROR, segment=segment, notes=tuple(notes), **base)
        if code == 0:
            notes.append(f"exited with code 0 in {segment} before finishing")
            return RunResult(RunStatus.OK, segment=segment, notes=tuple(notes), **base)
        notes.append(f"exited with code {code} without a report")
        return RunResult(
            RunStatus.ERROR, exception="SystemExit", segment=segment, notes=tuple(notes), **base
        )


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
