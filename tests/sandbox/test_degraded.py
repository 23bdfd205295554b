"""With protections turned off (as on a kernel that refuses them), the rest still give the
right statuses, and protections() says what is missing and why."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from quiz.sandbox import protections as names
from quiz.sandbox.pool import DISABLEABLE, SandboxPool
from quiz.sandbox.protocol import RunStatus
from tests.sandbox.corpus import CASES, TIMEOUT, assert_contained, run_case
from tests.sandbox.helpers import STARTUP_SECONDS

# Without namespaces, Landlock or the cgroup, these still end as they should. (A fork bomb, a
# daemon, kill(-1) or a network call would now reach the host, so they are not run here.)
BARE_CASES = [
    "infinite_loop",
    "sleep_forever",
    "ignore_signals",
    "memory_bomb_python",
    "memory_bomb_torch",
    "output_flood",
    "segfault_ctypes",
    "runaway_recursion",
    "sys_exit",
    "os_exit",
    "close_all_fds",
    "write_100gb",
]


@pytest.fixture(scope="module")
def bare_pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=1, memory_mb=512, disable=DISABLEABLE) as pool:
        assert pool.wait_ready(STARTUP_SECONDS)
        yield pool


@pytest.fixture(scope="module")
def no_landlock_pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=1, memory_mb=512, disable={"landlock"}) as pool:
        assert pool.wait_ready(STARTUP_SECONDS)
        yield pool


def test_disabled_protections_are_reported_as_off(bare_pool: SandboxPool) -> None:
    found = {p.name: p for p in bare_pool.protections()}
    for name in (
        names.USER_NAMESPACE,
        names.NETWORK_NAMESPACE,
        names.PID_NAMESPACE,
        names.SCRATCH_TMPFS,
        names.FILESYSTEM_LANDLOCK,
        names.PROCESS_CGROUP,
    ):
        assert not found[name].active, found[name]
        assert found[name].why
    for name in (names.MEMORY_LIMIT, names.CPU_LIMIT, names.FILE_SIZE_LIMIT, names.OUTPUT_CAP):
        assert found[name].active


@pytest.mark.parametrize("name", BARE_CASES)
def test_without_kernel_protections(
    bare_pool: SandboxPool, listener: socket.socket, name: str
) -> None:
    expect = CASES[name]
    result, elapsed, token, marker = run_case(bare_pool, name, listener)
    assert result.status is expect.status, result
    assert result.exception in expect.exceptions, result
    assert elapsed <= TIMEOUT + 1.0
    assert_contained(bare_pool, token, marker, listener)


@pytest.mark.parametrize(
    ("name", "status", "stdout"),
    [
        ("write_tmp", RunStatus.ERROR, ""),  # the mount namespace made / read-only
        ("write_home", RunStatus.ERROR, ""),
        ("network_loopback", RunStatus.ERROR, ""),  # the network namespace has no route
        ("print_secrets", RunStatus.OK, "host environment unreadable"),  # private /proc
        ("kill_parent", RunStatus.OK, "still here"),  # the worker is init: the signal is ignored
        ("daemon_grandchild", RunStatus.OK, "daemon started"),  # the PID namespace ends it
        ("fork_bomb", RunStatus.TIMEOUT, ""),
    ],
)
def test_namespaces_hold_without_landlock(
    no_landlock_pool: SandboxPool,
    listener: socket.socket,
    name: str,
    status: RunStatus,
    stdout: str,
) -> None:
    result, elapsed, token, marker = run_case(no_landlock_pool, name, listener)
    assert result.status is status, result
    assert stdout in result.stdout
    assert elapsed <= TIMEOUT + 1.0
    assert_contained(no_landlock_pool, token, marker, listener, daemon=name == "daemon_grandchild")
