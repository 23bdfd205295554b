"""The per-user sandbox service: one warm `SandboxPool` that every quiz command shares.

Started in the background by the first command that needs a sandbox (quiz.sandbox.client), as
`python -m quiz.sandbox.service`. It listens on a UNIX socket in the user's runtime folder (the
folder 0700, the socket 0600) and serves only its own uid (SO_PEERCRED). Each message is one JSON
object on one line (quiz.sandbox.framing). The pool inside is the same as a command's own, with
every protection; the service adds fairness (a free worker goes to the next connection in turn),
cancellation (a closed connection cancels its runs), and its own end: after an idle period, on
`stop`, on SIGTERM, or as soon as its workers cannot start (it never serves a broken pool).

A client opens with `hello` and its identity (quiz, torch, Python, the sandbox's own sources and
the pool settings): one that differs means an upgrade happened, and the client replaces the
service. The hello also carries the client's hidden paths, which the service hides before any of
that client's runs (quiz.sandbox.hidden), so no worker it serves can read that client's decks.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import fcntl
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.sandbox import framing, hidden
from quiz.sandbox.pool import SandboxPool, SandboxUnavailable
from quiz.sandbox.protocol import RunRequest, RunResult, RunStatus
from quiz.sandbox.rendezvous import (
    LOCK_NAME,
    SOCKET_NAME,
    Settings,
    ensure_runtime_dir,
    identity,
)

IDLE_ENV = "QUIZ_SANDBOX_IDLE_SECONDS"  # overrides the config's idle minutes (tests)
_PEERCRED = struct.Struct("3i")


def idle_seconds_default() -> float:
    """The idle period from the environment (tests) or the config (minutes)."""
    raw = os.environ.get(IDLE_ENV)
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value <= 0:
            raise QuizError(f"{IDLE_ENV}: {raw!r} is not a positive number of seconds")
        return value
    from quiz.config import load_config

    return max(1, load_config().sandbox_service_idle_minutes) * 60.0


class _Connection:
    """One client: its queued runs (in order) and the tasks of its runs in flight."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.queue: collections.deque[tuple[int, RunRequest]] = collections.deque()
        self.running: dict[int, asyncio.Task[None]] = {}
        self.closed = False

    def send(self, message: dict[str, Any]) -> None:
        if not self.closed:
            self.writer.write(framing.encode(message))


class Service:
    def __init__(
        self, pool: SandboxPool, ident: dict[str, Any], idle: float, path: Path, lock: int
    ) -> None:
        self.pool = pool
        self.lock: int | None = lock
        self.inode = -1  # of the socket this service bound: never unlink a successor's
        self.identity = ident
        self.idle = idle
        self.path = path
        self.started = time.time()
        self.last_activity = time.monotonic()
        self.connections: set[_Connection] = set()
        self.turns: collections.deque[_Connection] = collections.deque()  # waiting, in turn
        self.free = pool.size
        self.served = 0
        self.broken = ""
        self.readable = worker_readable()
        self._stopping: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- life cycle --------------------------------------------------------------------------
    async def serve(self, listener: socket.socket) -> None:
        self._stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        self._server = await asyncio.start_unix_server(
            self._handle, sock=listener, limit=framing.MAX_LINE
        )
        watchers = [
            asyncio.create_task(self._watch_idle()),
            asyncio.create_task(self._watch_workers()),
        ]
        await self._stopping.wait()
        for task in watchers:
            task.cancel()
        self._server.close()
        for connection in list(self.connections):
            self._drop(connection)
        await asyncio.to_thread(self.pool.close)

    def stop(self) -> None:
        """Stop listening and end: runs in flight are cancelled, workers killed. The socket and
        the lock go first, so a replacement can start while this one is still cleaning up."""
        with contextlib.suppress(OSError):
            if self.path.exists() and self.path.stat().st_ino == self.inode:
                self.path.unlink()
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None
        if self._stopping is not None:
            self._stopping.set()

    async def _watch_idle(self) -> None:
        step = min(5.0, max(0.05, self.idle / 4))
        while True:
            await asyncio.sleep(step)
            quiet = not self.connections and time.monotonic() - self.last_activity >= self.idle
            if quiet:
                self.stop()
                return

    async def _watch_workers(self) -> None:
        """A pool whose workers cannot start is never served: the service ends, and the next
        command starts a fresh one (which says why, if it is still broken)."""
        if not await asyncio.to_thread(self.pool.wait_ready):
            self._break(self.pool.protections()[0].why)

    def _break(self, why: str) -> None:
        if not self.broken:
            self.broken = why or "the sandbox workers could not start"
            print(f"quiz sandbox service: {self.broken}; stopping", file=sys.stderr, flush=True)
            self.stop()

    # -- connections -------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = _Connection(writer)
        if not _same_user(writer):
            connection.send({"op": "refused", "error": "this service serves only its own user"})
            with contextlib.suppress(OSError):
                await writer.drain()
            writer.close()
            return
        self.connections.add(connection)
        try:
            while True:
                line = await reader.readline()
                if not line or not line.endswith(b"\n"):
                    break
                self._dispatch(connection, framing.decode(line))
                await writer.drain()
        except (framing.FrameError, ConnectionError, ValueError, KeyError, TypeError):
            pass  # a client that sends garbage or vanishes is simply dropped
        finally:
            self._drop(connection)

    def _drop(self, connection: _Connection) -> None:
        """A closed connection cancels its runs: queued ones never start, running ones die."""
        if connection.closed:
            return
        connection.closed = True
        self.connections.discard(connection)
        connection.queue.clear()
        for task in connection.running.values():
            task.cancel()
        with contextlib.suppress(ValueError):
            self.turns.remove(connection)
        connection.writer.close()
        self.last_activity = time.monotonic()

    def _dispatch(self, connection: _Connection, message: dict[str, Any]) -> None:
        op = message.get("op")
        ident = message.get("id")
        if op == "hello":
            self.hide(message.get("hidden"))
            connection.send({"op": "hello", "id": ident, **self.describe()})
        elif op == "run":
            self.hide(message.get("hidden"))
            self._submit(connection, int(message["id"]), RunRequest.from_dict(message["request"]))
        elif op == "cancel":
            self._cancel(connection, message.get("id"))
        elif op == "wait_ready":
            self._background(self._reply_ready(connection, ident, message.get("timeout")))
        elif op == "protections":
            self._background(self._reply_protections(connection, ident))
        elif op == "status":
            info = self.describe()
            info["clients"] -= 1  # not the one asking
            connection.send({"op": "status", "id": ident, **info})
        elif op == "stop":
            connection.send({"op": "stopping", "id": ident, "pid": os.getpid()})
            asyncio.get_running_loop().call_soon(self.stop)
        else:
            connection.send({"op": "error", "id": ident, "error": f"unknown op {op!r}"})

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def hide(self, paths: Any) -> None:
        """Hide a client's paths from every run. Only those a run could otherwise read are
        handed on: any other is unreadable already, and a longer list renews every worker, so
        `quiz exec /tmp/new.py` would otherwise cost a torch import in each worker."""
        if isinstance(paths, list):
            hidden.hide(p for p in (os.path.realpath(str(q)) for q in paths) if self._readable(p))

    def _readable(self, path: str) -> bool:
        return any(_beneath(path, top) or _beneath(top, path) for top in self.readable)

    def describe(self) -> dict[str, Any]:
        queued = sum(len(c.queue) for c in self.connections)
        running = sum(len(c.running) for c in self.connections)
        return {
            "identity": self.identity,
            "pid": os.getpid(),
            "uptime_s": round(time.time() - self.started, 1),
            "size": self.pool.size,
            "memory_mb": self.pool.memory_mb,
            "output_limit": self.pool.output_limit,
            "ready": self.pool.ready,
            "worker_pids": self.pool.worker_pids(),
            "torch_version": self.pool.torch_version,
            "clients": len(self.connections),
            "queued": queued,
            "running": running,
            "served": self.served,
            "idle_timeout_s": self.idle,
            "idle_s": round(time.monotonic() - self.last_activity, 1),
        }

    async def _reply_ready(self, connection: _Connection, ident: Any, timeout: Any) -> None:
        wait = float(timeout) if isinstance(timeout, int | float) else None
        ok = await asyncio.to_thread(self.pool.wait_ready, wait)
        connection.send({"op": "ready", "id": ident, "ok": ok, "torch": self.pool.torch_version})

    async def _reply_protections(self, connection: _Connection, ident: Any) -> None:
        found = await asyncio.to_thread(self.pool.protections)
        connection.send(
            {"op": "protections", "id": ident, "protections": [p.to_dict() for p in found]}
        )

    # -- fair scheduling ---------------------------------------------------------------------
    def _submit(self, connection: _Connection, ident: int, request: RunRequest) -> None:
        connection.queue.append((ident, request))
        if connection not in self.turns:
            self.turns.append(connection)
        self._pump()

    def _pump(self) -> None:
        """Each free worker goes to the next connection in turn, one run at a time: a command
        with a thousand runs queued delays another's single run by at most one run per worker."""
        while self.free > 0 and self.turns:
            connection = self.turns.popleft()
            if not connection.queue:
                continue
            ident, request = connection.queue.popleft()
            if connection.queue:
                self.turns.append(connection)
            self.free -= 1
            task = asyncio.create_task(self._run(connection, ident, request))
            connection.running[ident] = task

    async def _run(self, connection: _Connection, ident: int, request: RunRequest) -> None:
        try:
            result = await self.pool.arun(request)
            connection.send({"op": "result", "id": ident, "result": result.to_dict()})
        except asyncio.CancelledError:
            pass  # the connection closed, or the client cancelled (and was told already)
        except SandboxUnavailable as exc:
            connection.send(_error(ident, exc, "unavailable"))
            self._break(exc.message)
        except QuizError as exc:
            connection.send(_error(ident, exc, "quiz"))
        finally:
            connection.running.pop(ident, None)
            self.free += 1
            self.served += 1
            self.last_activity = time.monotonic()
            self._pump()

    def _cancel(self, connection: _Connection, ident: Any) -> None:
        cancelled = RunResult(RunStatus.KILLED, notes=("cancelled",)).to_dict()
        for queued in list(connection.queue):
            if queued[0] == ident:
                connection.queue.remove(queued)
                connection.send({"op": "result", "id": ident, "result": cancelled})
        task = connection.running.get(ident) if isinstance(ident, int) else None
        if task is not None:
            task.cancel()
            connection.send({"op": "result", "id": ident, "result": cancelled})


def _beneath(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def worker_readable() -> list[str]:
    """Every path a worker lets its runs read (as quiz.sandbox.worker computes it), resolved:
    Python's own folders, the system's, and the package folder put on the workers' path."""
    from quiz.sandbox.landlock import default_readable
    from quiz.sandbox.process import worker_environment

    found = [*default_readable(), *worker_environment()["PYTHONPATH"].split(os.pathsep)]
    return sorted({os.path.realpath(p) for p in found if p})


def _error(ident: int, exc: QuizError, kind: str) -> dict[str, Any]:
    return {"op": "error", "id": ident, "kind": kind, "error": exc.message, "title": exc.title}


def _same_user(writer: asyncio.StreamWriter) -> bool:
    sock = writer.get_extra_info("socket")
    try:
        _pid, uid, _gid = _PEERCRED.unpack(
            sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
        )
    except (OSError, AttributeError, struct.error):
        return False
    return bool(uid == os.getuid())


def _take_lock(folder: Path) -> int | None:
    """The live service's lock (its pid inside); None when another service holds it."""
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _listen(path: Path) -> socket.socket:
    """Bind the socket 0600 from the start (umask), replacing a dead service's leftover."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # safe: we hold the service lock, so no live service owns it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    listener.listen(64)
    listener.setblocking(False)
    return listener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quiz.sandbox.service")
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--output-limit", type=int, required=True)
    parser.add_argument("--hide", action="append", default=[], help="a path no run may read")
    args = parser.parse_args(argv)
    settings = Settings(args.workers, args.memory_mb, args.output_limit)
    folder = ensure_runtime_dir()
    lock = _take_lock(folder)
    if lock is None:
        print("quiz sandbox service: another service is running", file=sys.stderr)
        return 0
    try:
        idle = idle_seconds_default()
        pool = SandboxPool(settings.workers, settings.memory_mb, settings.output_limit)
        service = Service(pool, identity(settings), idle, folder / SOCKET_NAME, lock)
        listener = _listen(service.path)
        service.inode = service.path.stat().st_ino
        # Hidden before the first worker starts: the starting command's decks are never readable.
        service.hide(args.hide)
        pool.start()
        print(f"quiz sandbox service: pid {os.getpid()} on {service.path}", flush=True)
        asyncio.run(service.serve(listener))
        if service.broken:
            return 1
    except QuizError as exc:
        print(f"quiz sandbox service: {exc.message}", file=sys.stderr)
        with contextlib.suppress(OSError):
            os.close(lock)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
