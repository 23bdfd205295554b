"""The hostile corpus's expectations and the checks every case gets, shared by the fully
protected tests and the degraded ones."""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import RunResult, RunStatus
from tests.sandbox.helpers import (
    HOSTILE,
    named_processes,
    request,
    wait_for_no_leftovers,
    wait_for_spares,
)

TIMEOUT = 1.5
SECRET_NAME = "QUIZ_TEST_HOST_SECRET"
SECRET_VALUE = "s3cr3t-" + uuid.uuid4().hex


@dataclass(frozen=True)
class Expect:
    status: RunStatus
    exceptions: tuple[str | None, ...] = (None,)
    memory_mb: int | None = None
    stdout_has: str = ""


NETWORK_ERRORS = ("PermissionError", "OSError", "ConnectionRefusedError", "TimeoutError")

CASES: dict[str, Expect] = {
    "infinite_loop": Expect(RunStatus.TIMEOUT),
    "sleep_forever": Expect(RunStatus.TIMEOUT),
    "memory_bomb_python": Expect(RunStatus.MEMORY, ("MemoryError",), memory_mb=256),
    "memory_bomb_torch": Expect(RunStatus.MEMORY, ("RuntimeError",), memory_mb=256),
    "fork_bomb": Expect(RunStatus.TIMEOUT),
    "daemon_grandchild": Expect(RunStatus.OK, stdout_has="daemon started"),
    "output_flood": Expect(RunStatus.OUTPUT_LIMIT, stdout_has="flood flood"),
    # Refused by the read-only mounts (OSError: EROFS) or by Landlock (PermissionError).
    "write_home": Expect(RunStatus.ERROR, ("OSError", "PermissionError")),
    "write_tmp": Expect(RunStatus.ERROR, ("OSError", "PermissionError")),
    "network_loopback": Expect(RunStatus.ERROR, NETWORK_ERRORS),
    "kill_parent": Expect(RunStatus.ERROR, ("PermissionError",)),  # see test_kill_parent
    "segfault_ctypes": Expect(RunStatus.KILLED),
    "runaway_recursion": Expect(RunStatus.ERROR, ("RecursionError",)),
    "sys_exit": Expect(RunStatus.ERROR, ("SystemExit",), stdout_has="leaving"),
    "os_exit": Expect(RunStatus.ERROR, ("SystemExit",), stdout_has="leaving now"),
    "ignore_signals": Expect(RunStatus.TIMEOUT),
    "close_all_fds": Expect(RunStatus.ERROR),
    "write_100gb": Expect(RunStatus.ERROR, ("OSError",)),
    "threads_64": Expect(RunStatus.TIMEOUT, memory_mb=2048),
    "print_secrets": Expect(RunStatus.OK, stdout_has="host environment unreadable"),
}


# Cases whose expectation depends on the protections granted (root or not, which kernel), or that
# need a host resource or a check segment: tests/sandbox/test_hardening.py runs each of these.
COVERED_BY_HARDENING = frozenset(
    {
        "unix_socket_host",
        "sysv_shared_memory",
        "sysv_leftover_queue",
        "keyring",
        "memory_children",
        "memfd_bomb",
        "scratch_squatter",
        "read_decks",
        "forged_report",
        "fake_check_segment",
        "patched_harness",
        "read_check_source",
        "leftover_reader",
        "file_flood",
        "timer_handler",
        "blinded_integrity",
        "early_answered",
    }
)


def source(name: str, token: str, marker: str, port: int) -> str:
    text = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
    for key, value in {
        "@TOKEN@": token,
        "@MARKER@": marker,
        "@HOST_HOME@": str(Path.home()),
        "@PORT@": str(port),
        "@HOST_PID@": str(os.getpid()),
    }.items():
        text = text.replace(key, value)
    return text


def left_in_scratch(pool: SandboxPool) -> list[str]:
    """Files the runs left under the workers' scratch folders (logs are the workers' own)."""
    root = pool.scratch_root
    assert root is not None
    return [str(p) for p in root.rglob("*") if p.is_file() and p.suffix != ".log"]


def run_case(
    pool: SandboxPool, name: str, listener: socket.socket
) -> tuple[RunResult, float, str, str]:
    """Run one corpus file; returns its result, how long it took, its process name and marker."""
    token = "qh" + uuid.uuid4().hex[:12]
    marker = "quiz-hostile-" + uuid.uuid4().hex
    port = listener.getsockname()[1]
    expect = CASES[name]
    workers = pool.worker_pids()
    started = time.monotonic()
    result = pool.run(
        request(source(name, token, marker, port), timeout=TIMEOUT, memory_mb=expect.memory_mb)
    )
    elapsed = time.monotonic() - started
    # No run takes its worker down: the same processes serve on (none was replaced).
    assert pool.worker_pids() == workers
    return result, elapsed, token, marker


def assert_contained(
    pool: SandboxPool, token: str, marker: str, listener: socket.socket, *, daemon: bool = False
) -> None:
    assert wait_for_no_leftovers(pool) == {}
    assert wait_for_spares(pool), "a worker died after the run"
    assert named_processes(token) == []
    if daemon:
        time.sleep(0.6)  # a daemon that survived would write its marker after half a second
    for folder in (Path("/tmp"), Path.home(), Path.cwd()):
        assert not (folder / marker).exists(), f"{folder / marker} was written"
    with pytest.raises(BlockingIOError):
        listener.accept()
    assert left_in_scratch(pool) == []
    after = pool.run(request("print('still serving')"))
    assert (after.status, after.stdout) == (RunStatus.OK, "still serving\n")
