"""The hostile corpus: each file in hostile/ attacks the sandbox in one way.

For each: the expected status, an end within its timeout + 1 s (a behaviour bound, not a
benchmark), nothing changed outside its scratch directory, no process of it left, and the next
ordinary run still succeeds.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from quiz.sandbox import protections as names
from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import RunStatus
from tests.sandbox.corpus import (
    CASES,
    COVERED_BY_HARDENING,
    SECRET_NAME,
    SECRET_VALUE,
    TIMEOUT,
    assert_contained,
    run_case,
)
from tests.sandbox.helpers import HOSTILE, STARTUP_SECONDS


@pytest.fixture(scope="module")
def hostile_pool() -> Iterator[SandboxPool]:
    # The secret is in the host's environment before the workers start, as a real token would be.
    os.environ[SECRET_NAME] = SECRET_VALUE
    try:
        with SandboxPool(workers=2, memory_mb=512) as warm:
            assert warm.wait_ready(STARTUP_SECONDS)
            yield warm
    finally:
        os.environ.pop(SECRET_NAME, None)


def test_the_corpus_and_the_table_agree() -> None:
    assert sorted(p.stem for p in HOSTILE.glob("*.py")) == sorted({*CASES, *COVERED_BY_HARDENING})


@pytest.mark.parametrize("name", sorted(set(CASES) - {"kill_parent"}))
def test_hostile_case(hostile_pool: SandboxPool, listener: socket.socket, name: str) -> None:
    expect = CASES[name]
    result, elapsed, token, marker = run_case(hostile_pool, name, listener)
    assert result.status is expect.status, result
    assert result.exception in expect.exceptions, result
    assert expect.stdout_has in result.stdout
    assert elapsed <= TIMEOUT + 1.0, f"{name} took {elapsed:.2f} s"
    assert SECRET_VALUE not in result.stdout + result.stderr
    assert SECRET_NAME not in result.stdout
    assert_contained(hostile_pool, token, marker, listener, daemon=name == "daemon_grandchild")


def test_kill_parent(hostile_pool: SandboxPool, listener: socket.socket) -> None:
    """Signalling its worker is refused (Landlock scope) or ignored (the worker is init of its
    PID namespace); either way the same worker keeps serving."""
    active = {p.name for p in hostile_pool.protections() if p.active}
    workers = hostile_pool.worker_pids()
    result, elapsed, token, marker = run_case(hostile_pool, "kill_parent", listener)
    if names.SCOPE_LANDLOCK in active:
        assert (result.status, result.exception) == (RunStatus.ERROR, "PermissionError")
    elif names.PID_NAMESPACE in active:
        assert (result.status, result.stdout) == (RunStatus.OK, "still here\n")
    else:
        assert result.status is RunStatus.KILLED
    assert elapsed <= TIMEOUT + 1.0
    assert_contained(hostile_pool, token, marker, listener)
    if names.PID_NAMESPACE in active:
        assert hostile_pool.worker_pids() == workers
