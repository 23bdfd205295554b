"""A command's handle on the per-user sandbox service: a `Runner` like the pool it stands for.

`shared_pool()` hands out a `ServiceClient` unless `--no-service`, QUIZ_SANDBOX_SERVICE=off or the
config's `sandbox_service = "off"` says otherwise (`use_service`, the one place that decides).
The client connects to the service's socket, starting the service in the background (detached,
one at a time under a lock file) when none answers, and replaces a service whose identity differs
from its own (an upgraded quiz or torch, edited sandbox code, other pool settings). Runs from any
thread or event loop share one connection; cancelling `arun` cancels the run in the service, which
kills its child. If the service dies mid-run, the run is sent once more to a fresh service.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.sandbox import framing, hidden
from quiz.sandbox.pool import SandboxUnavailable
from quiz.sandbox.protections import Protection
from quiz.sandbox.protocol import RunRequest, RunResult, RunStatus
from quiz.sandbox.rendezvous import (
    LOG_NAME,
    SOCKET_NAME,
    START_LOCK_NAME,
    Settings,
    ensure_runtime_dir,
    identity,
    runtime_dir,
)

SERVICE_ENV = "QUIZ_SANDBOX_SERVICE"  # on/off; `--no-service` sets it to off
_CONNECT_SECONDS = 60.0  # a fresh service answers once Python and quiz.sandbox are imported
_REPLY_SECONDS = 30.0  # for short exchanges (hello, status, stop)
_spawned: list[subprocess.Popen[bytes]] = []  # kept so no handle is collected while it runs


class ServiceGone(Exception):
    """The connection to the service ended (it stopped, crashed or was replaced)."""


class NoService(QuizError):
    """No service answers, and this caller did not ask to start one."""


def use_service(choice: str | None = None) -> bool:
    """Whether commands use the shared service: the environment (and --no-service) first, then
    the config; a value that is neither on nor off is a clear error."""
    raw = os.environ.get(SERVICE_ENV) or choice
    if raw is None:
        from quiz.config import load_config

        raw = load_config().sandbox_service
    value = raw.strip().lower()
    if value in ("on", "1", "yes", "true"):
        return True
    if value in ("off", "0", "no", "false"):
        return False
    raise QuizError(f"sandbox_service must be on or off, not {raw!r}", title="Bad config")


def socket_path() -> Path:
    return runtime_dir() / SOCKET_NAME


class _Link:
    """One open connection: replies are matched to their requests by id on a reader thread."""

    def __init__(self, sock: socket.socket, hello: dict[str, Any]) -> None:
        self.sock = sock
        self.hello = hello
        self.pending: dict[int, Future[dict[str, Any]]] = {}
        self.lock = threading.Lock()  # the pending table
        # Writes have their own lock: a send blocked on a full socket must never keep the
        # reader from taking replies off it (the service stops reading while we do not).
        self.write_lock = threading.Lock()
        self.gone = False
        threading.Thread(target=self._read, name="quiz-service-reader", daemon=True).start()

    def request(self, ident: int, message: dict[str, Any]) -> Future[dict[str, Any]]:
        future: Future[dict[str, Any]] = Future()
        with self.lock:
            if self.gone:
                raise ServiceGone("the sandbox service connection is closed")
            self.pending[ident] = future
        self.send({**message, "id": ident})
        return future

    def send(self, message: dict[str, Any]) -> None:
        try:
            with self.write_lock:
                self.sock.sendall(framing.encode(message))
        except OSError as exc:
            self.close()
            raise ServiceGone(f"cannot write to the sandbox service: {exc}") from None

    def _read(self) -> None:
        buffer = framing.LineBuffer()
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                buffer.feed(chunk)
                for line in buffer.lines():
                    message = framing.decode(line)
                    with self.lock:
                        future = self.pending.pop(message.get("id", -1), None)
                    if future is not None and not future.done():
                        future.set_result(message)
        except (OSError, framing.FrameError):
            pass
        self.close()

    def close(self) -> None:
        with self.lock:
            if self.gone:
                return
            self.gone = True
            waiting, self.pending = self.pending, {}
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for future in waiting.values():
            if not future.done():
                future.set_exception(ServiceGone("the sandbox service went away"))


def _open(path: Path) -> socket.socket | None:
    """A connected socket, or None when no service listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except OSError as exc:
        sock.close()
        raise QuizError(f"sandbox service at {path}: {exc.strerror or exc}") from None
    return sock


def _exchange(sock: socket.socket, message: dict[str, Any]) -> dict[str, Any]:
    """One request and its reply on a socket that has no reader thread yet."""
    sock.settimeout(_REPLY_SECONDS)
    try:
        sock.sendall(framing.encode({**message, "id": 0}))
        buffer = framing.LineBuffer()
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise ServiceGone("the sandbox service closed the connection")
            buffer.feed(chunk)
            lines = buffer.lines()
            if lines:
                reply = framing.decode(lines[0])
                break
    except (OSError, framing.FrameError) as exc:
        raise ServiceGone(f"the sandbox service did not answer: {exc}") from None
    finally:
        sock.settimeout(None)
    if reply.get("op") == "refused":
        raise QuizError(f"the sandbox service refused us: {reply.get('error')}")
    return reply


def query(op: str) -> dict[str, Any]:
    """Ask a running service one thing (status, stop) without starting or replacing it."""
    sock = _open(socket_path())
    if sock is None:
        raise NoService(f"no sandbox service is running (socket {socket_path()})")
    try:
        return _exchange(sock, {"op": op})
    finally:
        sock.close()


def _log_tail(folder: Path) -> str:
    with contextlib.suppress(OSError):
        return (folder / LOG_NAME).read_text(encoding="utf-8", errors="replace")[-1500:].strip()
    return ""


def start_service(settings: Settings) -> None:
    """Start a detached service unless one answers; under a lock, so two commands start one."""
    folder = ensure_runtime_dir()
    path = folder / SOCKET_NAME
    with open(folder / START_LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sock = _open(path)
        if sock is not None:
            sock.close()
            return
        fd = os.open(folder / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as log:
            # Its own session, no terminal, stdio to its log: it outlives this command.
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "quiz.sandbox.service",
                    f"--workers={settings.workers}",
                    f"--memory-mb={settings.memory_mb}",
                    f"--output-limit={settings.output_limit}",
                    *[f"--hide={p}" for p in hidden.paths()],
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd="/",
                start_new_session=True,
                close_fds=True,
            )
        _spawned.append(process)
        deadline = time.monotonic() + _CONNECT_SECONDS
        while time.monotonic() < deadline:
            sock = _open(path)
            if sock is not None:
                sock.close()
                return
            if process.poll() is not None:
                break
            time.sleep(0.02)
    tail = _log_tail(folder)
    raise SandboxUnavailable(
        "sandbox: the sandbox service did not start" + (f":\n{tail}" if tail else "")
    )


def wait_gone(pid: int, seconds: float = 15.0) -> bool:
    """Wait until process `pid` has ended (a stopped service cleans up its workers first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        time.sleep(0.05)
    return False


class ServiceClient:
    """A Runner backed by the per-user service; exposes what callers use of a SandboxPool."""

    def __init__(self, settings: Settings, *, autostart: bool = True) -> None:
        self.settings = settings
        self.size = settings.workers
        self.memory_mb = settings.memory_mb
        self.output_limit = settings.output_limit
        self.autostart = autostart
        self.torch_version: str | None = None
        self._identity = identity(settings)
        self._ids = itertools.count(1)
        self._link_lock = threading.Lock()
        self._link: _Link | None = None
        self._ready = False
        self._closed = False
        self._hidden_sent: list[str] = []
        self._subscription = hidden.subscribe(self._hidden_changed)
        self._hidden_dirty = False

    # -- connection --------------------------------------------------------------------------
    def start(self) -> ServiceClient:
        """Connect (starting the service if needed) and warm up, in the background."""
        threading.Thread(target=self._warm, name="quiz-service-start", daemon=True).start()
        return self

    def _warm(self) -> None:
        with contextlib.suppress(QuizError, ServiceGone):
            self.wait_ready()

    def _hidden_changed(self) -> None:
        self._hidden_dirty = True

    def connection(self) -> _Link:
        with self._link_lock:
            if self._closed:
                raise QuizError("sandbox: the pool is closed", title="Sandbox closed")
            if self._link is None or self._link.gone:
                self._link = self._connect()
            return self._link

    def _connect(self) -> _Link:
        path = socket_path()
        why = "no service answered"
        for _ in range(4):
            sock = _open(path)
            if sock is None:
                if not self.autostart:
                    raise NoService(f"no sandbox service is running (socket {path})")
                start_service(self.settings)
                continue
            self._hidden_dirty = False
            self._hidden_sent = hidden.paths()
            try:
                reply = _exchange(sock, {"op": "hello", "hidden": self._hidden_sent})
            except ServiceGone as exc:
                sock.close()
                why = str(exc)
                continue
            if reply.get("identity") != self._identity:
                # Another version of quiz, torch or the sandbox: replace it, never use it.
                with contextlib.suppress(ServiceGone):
                    _exchange(sock, {"op": "stop"})
                sock.close()
                if isinstance(reply.get("pid"), int):
                    wait_gone(reply["pid"], seconds=5.0)
                why = "the running service was another version"
                continue
            self.torch_version = reply.get("torch_version") or self.torch_version
            self._ready = bool(reply.get("ready"))
            return _Link(sock, reply)
        raise SandboxUnavailable(f"sandbox: cannot reach the sandbox service ({why})")

    @property
    def service_pid(self) -> int | None:
        link = self._link
        return int(link.hello["pid"]) if link is not None and "pid" in link.hello else None

    # -- what callers use of a pool ----------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Whether the service's workers were warm when last asked; never blocks (TUI polls)."""
        return self._ready and not self._closed

    def wait_ready(self, timeout: float | None = None) -> bool:
        try:
            link = self.connection()
            future = link.request(next(self._ids), {"op": "wait_ready", "timeout": timeout})
            reply = future.result(None if timeout is None else timeout + _REPLY_SECONDS)
        except (QuizError, ServiceGone, TimeoutError):
            return False
        self.torch_version = reply.get("torch") or self.torch_version
        self._ready = bool(reply.get("ok"))
        return self._ready

    def protections(self) -> list[Protection]:
        try:
            link = self.connection()
            reply = link.request(next(self._ids), {"op": "protections"}).result()
            return [Protection.from_dict(p) for p in reply["protections"]]
        except (QuizError, ServiceGone, KeyError, TypeError) as exc:
            return [Protection("sandbox", False, f"the sandbox service did not answer: {exc}")]

    def close(self) -> None:
        """Leave the service (it keeps running for the next command); our runs are cancelled."""
        with self._link_lock:
            self._closed = True
            link, self._link = self._link, None
        if link is not None:
            link.close()

    # -- running -----------------------------------------------------------------------------
    def _message(self, request: RunRequest) -> dict[str, Any]:
        message: dict[str, Any] = {"op": "run", "request": request.to_dict()}
        if self._hidden_dirty:
            self._hidden_dirty = False
            message["hidden"] = hidden.paths()
        return message

    def run(self, request: RunRequest) -> RunResult:
        """Run in the service; blocks; thread-safe. Interrupted, it cancels the run there."""
        for attempt in range(2):
            link = self.connection()
            ident = next(self._ids)
            try:
                future = link.request(ident, self._message(request))
                return _result(future.result())
            except ServiceGone:
                if attempt:
                    return _gone_result()
            except BaseException:
                with contextlib.suppress(ServiceGone):
                    link.send({"op": "cancel", "id": ident})
                raise
        return _gone_result()

    async def arun(self, request: RunRequest) -> RunResult:
        """As `run`; cancelling the awaiting task kills the run's child in the service."""
        import asyncio  # here: a one-shot command never awaits, and asyncio costs it ~30 ms

        for attempt in range(2):
            # Connecting may start the service: never on the event loop's thread (the TUI).
            link = self._link if self._link is not None and not self._link.gone else None
            if link is None:
                link = await asyncio.to_thread(self.connection)
            ident = next(self._ids)
            try:
                future = link.request(ident, self._message(request))
                return _result(await asyncio.wrap_future(future))
            except ServiceGone:
                if attempt:
                    return _gone_result()
            except asyncio.CancelledError:
                with contextlib.suppress(ServiceGone):
                    link.send({"op": "cancel", "id": ident})
                raise
        return _gone_result()


def _result(reply: dict[str, Any]) -> RunResult:
    if reply.get("op") == "result":
        try:
            return RunResult.from_dict(reply["result"])
        except (KeyError, TypeError, ValueError) as exc:
            raise QuizError(f"sandbox: the service sent a malformed result: {exc}") from None
    message = str(reply.get("error", "the sandbox service failed"))
    if reply.get("kind") == "unavailable":
        raise SandboxUnavailable(message)
    raise QuizError(message, title=str(reply.get("title", "Sandbox")))


def _gone_result() -> RunResult:
    return RunResult(RunStatus.KILLED, notes=("the sandbox service stopped twice during this run",))


def settings_for(workers: int, memory_mb: int, output_limit: int) -> Settings:
    """The service settings for a pool configured this way (0 workers: one per CPU core)."""
    return Settings(workers or (os.cpu_count() or 1), memory_mb, output_limit)
