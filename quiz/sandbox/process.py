"""The host's handle on one worker process: start it, talk to it, and end it.

The worker is started with subprocess (never a fork of the host, which may be the TUI), in its own
session, with a minimal environment of our choosing: no variable of the host reaches it.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import quiz
from quiz.sandbox import framing
from quiz.sandbox.cgroup import remove_cgroup
from quiz.sandbox.limits import THREAD_VARIABLES
from quiz.sandbox.protocol import WorkerGone

_LOG_TAIL = 2000


def worker_environment() -> dict[str, str]:
    """Only what Python needs to find quiz and torch, plus the thread counts torch reads."""
    package_parent = str(Path(quiz.__file__).resolve().parent.parent)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONPATH": package_parent,
        # Fixed string hashing: set iteration order, and so printed output, repeats across runs.
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        **THREAD_VARIABLES,
    }


class WorkerProcess:
    def __init__(
        self,
        root: Path,
        index: int,
        scratch_mb: int = 256,
        disable: frozenset[str] = frozenset(),
        memory_mb: int = 2048,
        hide: list[str] | None = None,
    ) -> None:
        self.index = index
        self.generation = 0
        self.scratch = root / f"worker-{index}"
        self.scratch.mkdir(mode=0o711)
        self.scratch.chmod(0o711)
        self.log_path = root / f"worker-{index}.log"
        self._log: IO[bytes] = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        self._write_lock = threading.Lock()
        self._buffer = framing.LineBuffer()
        self._pending: list[bytes] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "quiz.sandbox.worker",
                "--scratch-root",
                str(self.scratch),
                "--scratch-mb",
                str(scratch_mb),
                "--disable",
                ",".join(sorted(disable)),
                "--memory-mb",
                str(memory_mb),
                *[f"--hide={path}" for path in hide or ()],
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=worker_environment(),
            cwd=str(root),
            start_new_session=True,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._stdin = self.proc.stdin
        self._stdout_fd = self.proc.stdout.fileno()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, message: dict[str, Any]) -> None:
        data = framing.encode(message)
        with self._write_lock:
            try:
                self._stdin.write(data)
                self._stdin.flush()
            except (OSError, ValueError) as exc:
                raise WorkerGone(f"cannot write to the worker: {exc}") from None

    def receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None if the deadline passes first."""
        while not self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._stdout_fd], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(self._stdout_fd, 1 << 16)
            except OSError as exc:
                raise WorkerGone(f"cannot read from the worker: {exc}") from None
            if not chunk:
                raise WorkerGone(self._exit_description())
            try:
                self._buffer.feed(chunk)
                self._pending.extend(self._buffer.lines())
            except framing.FrameError as exc:
                raise WorkerGone(f"the worker sent garbage: {exc}") from None
        try:
            return framing.decode(self._pending.pop(0))
        except framing.FrameError as exc:
            raise WorkerGone(f"the worker sent garbage: {exc}") from None

    def alive(self) -> bool:
        """Whether an idle worker is still there; it must not have said anything meanwhile."""
        if self.proc.poll() is not None:
            return False
        ready, _, _ = select.select([self._stdout_fd], [], [], 0)
        return not ready and not self._pending

    def _exit_description(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker closed its output"
        return f"the worker exited with code {code}"

    def log_tail(self) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-_LOG_TAIL:].strip()

    def kill(self) -> None:
        """Stop the worker now without waiting (close() waits and cleans up)."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        if self.proc.poll() is None:
            self._kill_inner()
            with contextlib.suppress(OSError):
                self.proc.kill()

    def _kill_inner(self) -> None:
        """SIGKILL the outer process's children (the worker proper, init of its namespace) too:
        a worker busy importing would notice its lifeline only once done (~1 s), and the kernel
        spares a namespace's init from PDEATHSIG. Killing init ends its whole namespace."""
        for child in _children(self.proc.pid):
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGKILL)

    def close(self) -> None:
        """End the worker and everything in its namespaces; safe to call more than once."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        if self.proc.poll() is None:
            self._kill_inner()
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        remove_cgroup(self.proc.pid, wait_seconds=1.0)
        self._log.close()


def _children(pid: int) -> list[int]:
    """The live children of `pid` (from /proc; none where the kernel does not list them)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return found
