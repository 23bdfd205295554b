"""The pool of warm sandbox workers that every card and answer runs through (sync and asyncio).

The host process never imports torch: workers do, in the background, as soon as `start()` is
called. Concurrency equals the number of workers; a run waits for a free one. A worker that dies
(whatever its run did) is replaced transparently, and that run comes back as status `killed`.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from quiz.errors import QuizError
from quiz.sandbox import hidden
from quiz.sandbox.protections import Protection
from quiz.sandbox.protocol import RunRequest, RunResult, RunStatus, WorkerGone

if TYPE_CHECKING:
    from quiz.sandbox.client import ServiceClient
    from quiz.sandbox.process import WorkerProcess

# The worker machinery (quiz.sandbox.process, cgroup, limits) and asyncio are imported where they
# are used: a command whose runs go to the service imports this module for `shared_pool` only.

STARTUP_SECONDS = 180.0  # importing torch on a loaded machine can be slow
_REPLY_GRACE = 10.0  # beyond a run's timeout, how long a silent worker is trusted
_MAX_START_FAILURES = 3
DISABLEABLE = frozenset(
    {"user", "net", "ipc", "mount", "pid", "cgroup", "nobody", "landlock", "seccomp"}
)


class SandboxUnavailable(QuizError):
    """No worker could be started (torch missing or broken): no code can run."""

    def __init__(self, message: str) -> None:
        super().__init__(message, title="Sandbox unavailable")


class _Cancel:
    """A run's cancellation flag, and where to send the cancel once the run has a worker."""

    def __init__(self, pool: SandboxPool) -> None:
        self.pool = pool
        self.cancelled = False
        self.target: tuple[WorkerProcess, int] | None = None
        self._lock = threading.Lock()

    def attach(self, worker: WorkerProcess, run_id: int) -> bool:
        """Record where the run goes; False if it was cancelled already."""
        with self._lock:
            self.target = (worker, run_id)
            return not self.cancelled

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            target = self.target
        if target is not None:
            worker, run_id = target
            with contextlib.suppress(WorkerGone):
                worker.send({"op": "cancel", "id": run_id})
        with self.pool._cond:
            self.pool._cond.notify_all()  # a run still waiting for a worker gives up


class SandboxPool:
    def __init__(
        self,
        workers: int | None = None,
        memory_mb: int = 2048,
        output_limit: int = 65536,
        *,
        disable: Collection[str] = (),
    ) -> None:
        """`disable` turns protections off (user, net, mount, pid, cgroup, nobody, landlock):
        only for tests that prove the others still hold, and for diagnosing a strange kernel."""
        size = workers if workers is not None else (os.cpu_count() or 1)
        if size < 1 or memory_mb < 16 or output_limit < 1:
            raise QuizError(
                "sandbox: workers must be >= 1, memory at least 16 MiB, output limit >= 1 byte",
                title="Bad sandbox settings",
            )
        unknown = set(disable) - DISABLEABLE
        if unknown:
            raise QuizError(
                f"sandbox: cannot disable {sorted(unknown)}; known: {sorted(DISABLEABLE)}"
            )
        self.disable = frozenset(disable)
        self.size = size
        self.memory_mb = memory_mb
        self.output_limit = output_limit
        self._cond = threading.Condition()
        self._idle: list[WorkerProcess] = []
        self._live: set[WorkerProcess] = set()  # started, not yet ended (idle, busy or starting)
        self._ready: set[WorkerProcess] = set()
        self._starting = 0
        self._start_failures = 0
        self._last_failure = ""
        self._protections: list[Protection] = []
        self.torch_version: str | None = None
        self._root: Path | None = None
        self._indexes = itertools.count()
        self._run_ids = itertools.count(1)
        self._executor: ThreadPoolExecutor | None = None
        self._started = False
        self._closed = False
        # Workers started with an older list of hidden paths are replaced as they come free.
        self._generation = 0
        self._hidden: list[str] = []
        self._subscription = hidden.subscribe(self._hidden_changed)

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> SandboxPool:
        """Start every worker; returns at once while they import torch in the background."""
        with self._cond:
            if self._closed:
                raise QuizError("sandbox: the pool is closed", title="Sandbox closed")
            if self._started:
                return self
            self._started = True
            from quiz.sandbox.cgroup import remove_stale_cgroups

            remove_stale_cgroups()
            self._root = Path(tempfile.mkdtemp(prefix="quiz-sandbox-"))
            self._root.chmod(0o711)  # runs switch user and must still reach their scratch
            # One worker first, the rest once it is ready (`_await_ready`): its first result
            # comes as soon as it alone has imported torch (a worker says ready before its
            # optimizer imports), instead of after two imports sharing the cores. Measured on
            # 2 cores, a cold one-shot `quiz exec` via the service: 1.5-2.1x `import torch`
            # with both at once, 0.9-1.1x one first.
            self._spawn_locked()
        return self

    def _hidden_changed(self) -> None:
        now = hidden.paths()
        with self._cond:
            if self._started and now != self._hidden:
                self._generation += 1

    def _spawn_locked(self) -> None:
        from quiz.sandbox.process import WorkerProcess

        assert self._root is not None
        self._hidden = hidden.paths()
        worker = WorkerProcess(
            self._root,
            next(self._indexes),
            disable=self.disable,
            memory_mb=self.memory_mb,
            hide=self._hidden,
        )
        worker.generation = self._generation
        self._live.add(worker)
        self._starting += 1
        threading.Thread(
            target=self._await_ready, args=(worker,), name="quiz-sandbox-start", daemon=True
        ).start()

    def _await_ready(self, worker: WorkerProcess) -> None:
        error = ""
        message: dict[str, Any] | None = None
        try:
            message = worker.receive(time.monotonic() + STARTUP_SECONDS)
        except WorkerGone as exc:
            error = str(exc)
        if message is None and not error:
            error = f"no answer within {STARTUP_SECONDS:.0f} s"
        elif message is not None and message.get("op") != "ready":
            error = str(message.get("error", "the worker sent something else than ready"))
        try:
            protections = [Protection.from_dict(p) for p in (message or {}).get("protections", [])]
        except (KeyError, TypeError, AttributeError):
            error = error or "the worker described its protections badly"
        with self._cond:
            self._starting -= 1
            if self._closed or error:
                self._live.discard(worker)
            if error and not self._closed:
                tail = worker.log_tail()
                self._last_failure = error + (f"\n{tail}" if tail else "")
                self._start_failures += 1
                if self._start_failures < _MAX_START_FAILURES:
                    self._spawn_locked()
            elif not self._closed:
                self._start_failures = 0
                self._protections = protections
                self.torch_version = str((message or {}).get("torch", "")) or None
                self._ready.add(worker)
                self._idle.append(worker)
                while len(self._live) < self.size:
                    self._spawn_locked()
            self._cond.notify_all()
        if error or self._closed:
            worker.close()

    @property
    def ready(self) -> bool:
        """True when every worker has imported torch and can take a run at once."""
        with self._cond:
            return self._started and not self._closed and len(self._ready) >= self.size

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Start if needed and wait until every worker is warm; False on timeout or failure."""
        self.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while len(self._ready) < self.size:
                if self._closed or self._broken_locked():
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def _broken_locked(self) -> bool:
        return not self._live and self._start_failures >= _MAX_START_FAILURES

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            workers = list(self._live)
            self._idle.clear()
            self._ready.clear()
            self._live.clear()
            self._cond.notify_all()
        # Every worker is killed first, then all are awaited together: a command that ends
        # (ctrl+c, SIGTERM) is gone within a second or two, not a few seconds per worker.
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> SandboxPool:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- information ------------------------------------------------------------------------
    @property
    def scratch_root(self) -> Path | None:
        """The host folder holding the workers' scratch directories (None until started)."""
        return self._root

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers' outer processes (for diagnostics and tests)."""
        with self._cond:
            return sorted(w.pid for w in self._live)

    def protections(self) -> list[Protection]:
        """What every run gets on this machine, as reported by a warm worker (waits for one)."""
        self.start()
        with self._cond:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not self._protections and not self._closed and not self._broken_locked():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            if self._protections:
                return list(self._protections)
            why = self._last_failure or "no worker started"
        return [Protection("sandbox", False, f"the sandbox did not start: {why}")]

    # -- running ----------------------------------------------------------------------------
    def run(self, request: RunRequest) -> RunResult:
        """Run the request in a fresh sandboxed child; thread-safe, blocks for a free worker."""
        return self._run(request, _Cancel(self))

    async def arun(self, request: RunRequest) -> RunResult:
        """As `run`; cancelling the awaiting task kills the run's child and frees its worker."""
        token = _Cancel(self)
        import asyncio

        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._get_executor(), self._run, request, token)
        try:
            return await future
        except asyncio.CancelledError:
            token.cancel()
            raise

    def _get_executor(self) -> ThreadPoolExecutor:
        with self._cond:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=max(8, self.size * 4), thread_name_prefix="quiz-sandbox-run"
                )
            return self._executor

    def _resolve(self, request: RunRequest) -> RunRequest:
        if not (math.isfinite(request.timeout) and request.timeout > 0):
            raise QuizError(f"sandbox: timeout must be a positive number, not {request.timeout}")
        return replace(
            request,
            memory_mb=request.memory_mb if request.memory_mb is not None else self.memory_mb,
            output_limit=(
                request.output_limit if request.output_limit is not None else self.output_limit
            ),
        )

    def _acquire(self, token: _Cancel) -> WorkerProcess | None:
        """A live idle worker (a dead one is replaced on the way), or None once cancelled."""
        self.start()
        while True:
            with self._cond:
                while not self._idle:
                    if self._closed:
                        raise QuizError("sandbox: the pool is closed", title="Sandbox closed")
                    if self._broken_locked():
                        raise SandboxUnavailable(
                            f"sandbox: no worker could start: {self._last_failure}"
                        )
                    if token.cancelled:
                        return None
                    self._cond.wait()
                worker = self._idle.pop(0)  # the longest idle: its spare child is surely ready
                current = worker.generation == self._generation
            if worker.alive() and current:
                return worker
            self._release(worker, healthy=False)

    def _discard(self, worker: WorkerProcess) -> None:
        with self._cond:
            self._live.discard(worker)
            self._ready.discard(worker)
        worker.close()

    def _release(self, worker: WorkerProcess, healthy: bool) -> None:
        with self._cond:
            healthy = healthy and worker.generation == self._generation
            if healthy and not self._closed and worker in self._live:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._live.discard(worker)
            self._ready.discard(worker)
            if not self._closed:
                self._spawn_locked()
        worker.close()

    def _run(self, request: RunRequest, token: _Cancel) -> RunResult:
        request = self._resolve(request)
        worker = self._acquire(token)
        if worker is None:
            return RunResult(RunStatus.KILLED, notes=("cancelled",))
        run_id = next(self._run_ids)
        healthy = False
        interrupted = True  # until the exchange ends normally: ctrl+c, SIGTERM, cancellation
        try:
            if not token.attach(worker, run_id):
                healthy = True
                return RunResult(RunStatus.KILLED, notes=("cancelled",))
            result = self._exchange(worker, run_id, request)
            healthy = result is not None
            if result is None:
                return RunResult(
                    RunStatus.KILLED, notes=("the sandbox worker stopped answering; replaced",)
                )
            interrupted = False
            return result
        except WorkerGone as exc:
            interrupted = False
            return RunResult(RunStatus.KILLED, notes=(f"{exc}; the worker was replaced",))
        finally:
            if interrupted and not healthy:
                self._discard(worker)  # the command is ending: no replacement to start
            else:
                self._release(worker, healthy)

    def _exchange(
        self, worker: WorkerProcess, run_id: int, request: RunRequest
    ) -> RunResult | None:
        worker.send({"op": "run", "id": run_id, "request": request.to_dict()})
        deadline = time.monotonic() + request.timeout + _REPLY_GRACE
        while True:
            message = worker.receive(deadline)
            if message is None:
                return None
            if message.get("op") == "result" and message.get("id") == run_id:
                try:
                    return RunResult.from_dict(message["result"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise WorkerGone(f"the worker sent a malformed result: {exc}") from None


_shared: SandboxPool | ServiceClient | None = None
_shared_lock = threading.Lock()


def shared_pool(workers: int | None = None) -> SandboxPool | ServiceClient:
    """The process-wide runner, built from the user's config, started on first use, left at exit.

    The per-user sandbox service's client, unless `--no-service`, QUIZ_SANDBOX_SERVICE=off or the
    config turn it off (`client.use_service`): then a pool in this process, as before, of
    `workers` (default: the config's) workers. The service runs its own pool with the config's.
    """
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            from quiz.config import load_config
            from quiz.sandbox.client import ServiceClient, settings_for, use_service

            config = load_config()
            output_limit = config.sandbox_output_kb * 1024
            if use_service(config.sandbox_service):
                _shared = ServiceClient(
                    settings_for(config.sandbox_workers, config.sandbox_memory_mb, output_limit)
                )
            else:
                _shared = SandboxPool(
                    workers=workers or config.sandbox_workers or None,
                    memory_mb=config.sandbox_memory_mb,
                    output_limit=output_limit,
                )
            _shared.start()
            atexit.register(_shared.close)
        return _shared
