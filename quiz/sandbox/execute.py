"""Running a request's segments in one fresh namespace, and describing how that went.

This is the part of a run that happens inside the sandboxed child, after all protections are in
place. It knows nothing about processes, so it is tested directly. The outcome is a `Report`:
the fields of a RunResult that only the code itself can tell (exception, traceback, values).
"""

from __future__ import annotations

import builtins
import contextlib
import linecache
import random
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import CodeType, ModuleType
from typing import Any

from quiz.sandbox.protocol import RunRequest, RunStatus, Segment

EVALUATE = "<evaluate>"
VALUE_LIMIT = 65536  # characters per repr() of an evaluated expression

# torch's CPU allocator raises RuntimeError, not MemoryError, when the address-space cap bites.
_TORCH_OOM_MARKERS = ("can't allocate memory", "Cannot allocate memory", "out of memory")


@dataclass
class Report:
    status: RunStatus = RunStatus.OK
    exception: str | None = None
    traceback: str | None = None
    segment: str | None = None
    values: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "exception": self.exception,
            "traceback": self.traceback,
            "segment": self.segment,
            "values": self.values,
            "notes": self.notes,
        }


def set_seeds(torch_module: ModuleType | None, *, every_device: bool = True) -> None:
    """Seed Python's random and torch as torch.manual_seed(0) does.

    `every_device=False` reseeds only torch's CPU generator: for a child whose worker called
    torch.manual_seed(0) before forking, so that the other devices' seeds are already queued.
    The full call formats a stack for each lazily seeded device, about 1 ms in a fresh child."""
    random.seed(0)
    if torch_module is None:
        return
    if every_device:
        torch_module.manual_seed(0)
    else:
        torch_module.default_generator.manual_seed(0)


def _register_sources(segments: Sequence[Segment]) -> None:
    """Let tracebacks quote each segment's lines although no file holds them."""
    for segment in segments:
        lines = segment.source.splitlines(keepends=True)
        # An mtime of None keeps linecache.checkcache from ever dropping the entry.
        linecache.cache[segment.name] = (len(segment.source), None, lines, segment.name)


def filtered_traceback(exc: BaseException, names: set[str]) -> str:
    """Only the frames of the run's own segments, then the exception line(s)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in names]
    parts: list[str] = []
    if frames:
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(frames))
    parts.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(parts)


def _class_name(exc: BaseException) -> str:
    name = getattr(type(exc), "__name__", None)
    return name if isinstance(name, str) else "Exception"


def _is_memory_error(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, RuntimeError):
        try:
            message = str(exc)
        except Exception:
            return False
        return any(marker in message for marker in _TORCH_OOM_MARKERS)
    return False


def _exit_code_is_success(exc: SystemExit) -> bool:
    return exc.code is None or exc.code == 0


def _failure(exc: BaseException, segment: str, names: set[str]) -> Report:
    status = RunStatus.MEMORY if _is_memory_error(exc) else RunStatus.ERROR
    try:
        text = filtered_traceback(exc, names)
    except Exception:  # a hostile __str__ or __traceback__ must not lose the result
        text = f"{_class_name(exc)}: <the exception could not be formatted>\n"
    return Report(status=status, exception=_class_name(exc), traceback=text, segment=segment)


def _safe_repr(value: object) -> str:
    text = repr(value)
    if not isinstance(text, str):
        raise TypeError("__repr__ returned a non-string")
    if len(text) > VALUE_LIMIT:
        return text[:VALUE_LIMIT] + f"... [cut at {VALUE_LIMIT} characters]"
    return text


class Execution:
    """One run's namespace, fed its segments in one or more parts.

    A run with a learner's answer is fed in two parts: everything up to the answer, then (once
    the answer finished and the worker sent it) the check and the evaluations. The check's source
    is registered for tracebacks only when its part arrives, so the answer cannot read it."""

    def __init__(
        self,
        *,
        torch_module: ModuleType | None = None,
        on_segment: Callable[[str], None] = lambda name: None,
        seed_every_device: bool = True,
    ) -> None:
        self.names: set[str] = {EVALUATE}
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.report = Report()
        self._on_segment = on_segment
        set_seeds(torch_module, every_device=seed_every_device)

    def feed(self, segments: Sequence[Segment], evaluate: Sequence[str] = ()) -> Report | None:
        """Run these segments, then these evaluations; the final report if the run ended (an
        exception, or a clean sys.exit that skips whatever would come next), else None."""
        _register_sources(segments)
        self.names.update(s.name for s in segments)
        stopped = False
        for segment in segments:
            self._on_segment(segment.name)
            try:
                code = compile(segment.source, segment.name, "exec", dont_inherit=True)
                exec(code, self.namespace)
            except SystemExit as exc:
                if not _exit_code_is_success(exc):
                    return _failure(exc, segment.name, self.names)
                # A clean exit ends the run normally; `segment` tells the judge where it stopped.
                self.report.segment = segment.name
                self.report.notes.append(
                    f"sys.exit() in {segment.name}: later segments did not run"
                )
                stopped = True
                break
            except BaseException as exc:
                return _failure(exc, segment.name, self.names)
        if evaluate:
            self._on_segment(EVALUATE)
        for expression in evaluate:
            try:
                code_obj: CodeType = compile(expression, EVALUATE, "eval", dont_inherit=True)
                self.report.values.append(_safe_repr(eval(code_obj, self.namespace)))
            except BaseException as exc:
                return _failure(exc, EVALUATE, self.names)
        return self.report if stopped else None


def execute(
    request: RunRequest,
    *,
    torch_module: ModuleType | None = None,
    on_segment: Callable[[str], None] = lambda name: None,
    seed_every_device: bool = True,
) -> Report:
    """Run every segment in order in one fresh `__main__` namespace, then the evaluations."""
    execution = Execution(
        torch_module=torch_module, on_segment=on_segment, seed_every_device=seed_every_device
    )
    ended = execution.feed(request.segments, request.evaluate)
    return ended if ended is not None else execution.report


def flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        # The code may have closed or replaced them; what was written is in the pipe already.
        with contextlib.suppress(BaseException):
            stream.flush()
