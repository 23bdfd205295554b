"""The data that crosses the sandbox boundary: a run request and its versioned result.

Plain dataclasses with explicit to_dict/from_dict, so requests and results travel as JSON between
the host and its workers, into caches, and out of `quiz exec --json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

RESULT_VERSION = 1

# Segment names: each piece of a run is compiled under its own filename, so a traceback keeps
# only frames from card or learner code, with that piece's own line numbers.
SETUP = "<setup>"
CARD = "<card>"
ANSWER = "<answer>"
CHECK = "<check>"
PROOF = "<proof>"  # a card's own assertions (`quiz check` only): no learner code in its run


class RunStatus(StrEnum):
    OK = "ok"
    ERROR = "error"  # the code raised (or exited non-zero); see `exception`
    TIMEOUT = "timeout"  # wall-clock or CPU-time limit
    MEMORY = "memory"  # hit the memory cap
    KILLED = "killed"  # died by a signal (segfault, SIGKILL from itself, ...)
    OUTPUT_LIMIT = "output_limit"  # flooded stdout/stderr past the cap


@dataclass(frozen=True)
class Segment:
    """One piece of source executed, in order, in the run's single fresh namespace."""

    name: str  # SETUP, CARD, ANSWER, CHECK, PROOF, or a file name for `quiz exec`
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(name=str(data["name"]), source=str(data["source"]))


@dataclass(frozen=True)
class RunRequest:
    segments: tuple[Segment, ...]
    # Expressions evaluated after every segment ran without error (choice-card truths);
    # each value comes back as repr() in RunResult.values, in order.
    evaluate: tuple[str, ...] = ()
    timeout: float = 5.0  # seconds of wall clock; CPU time is capped near it too
    memory_mb: int | None = None  # None: the pool's configured cap
    output_limit: int | None = None  # bytes per stream; None: the pool's configured cap

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": [s.to_dict() for s in self.segments],
            "evaluate": list(self.evaluate),
            "timeout": self.timeout,
            "memory_mb": self.memory_mb,
            "output_limit": self.output_limit,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRequest:
        return cls(
            segments=tuple(Segment.from_dict(s) for s in data["segments"]),
            evaluate=tuple(str(e) for e in data.get("evaluate", ())),
            timeout=float(data.get("timeout", 5.0)),
            memory_mb=data.get("memory_mb"),
            output_limit=data.get("output_limit"),
        )


@dataclass(frozen=True)
class RunResult:
    status: RunStatus
    stdout: str = ""
    stderr: str = ""
    exception: str | None = None  # class name, e.g. "RuntimeError"; None when nothing raised
    traceback: str | None = None  # only frames from the run's own segments
    segment: str | None = None  # the segment that raised, e.g. CHECK or ANSWER
    values: tuple[str, ...] = ()  # repr() of each RunRequest.evaluate expression
    duration_ms: float = 0.0
    version: int = RESULT_VERSION
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "stdout truncated at 64 KiB"

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "status": self.status.value,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "exception": self.exception,
            "traceback": self.traceback,
            "segment": self.segment,
            "values": list(self.values),
            "duration_ms": self.duration_ms,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        return cls(
            status=RunStatus(data["status"]),
            stdout=str(data.get("stdout", "")),
            stderr=str(data.get("stderr", "")),
            exception=data.get("exception"),
            traceback=data.get("traceback"),
            segment=data.get("segment"),
            values=tuple(str(v) for v in data.get("values", ())),
            duration_ms=float(data.get("duration_ms", 0.0)),
            version=int(data.get("version", RESULT_VERSION)),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )


class Runner(Protocol):
    """What the deck checker, the TUI and peer sessions need from a sandbox (or a fake)."""

    def run(self, request: RunRequest) -> RunResult: ...

    async def arun(self, request: RunRequest) -> RunResult: ...


class WorkerGone(Exception):
    """The worker ended, or said something that is not the protocol; it must be replaced."""
