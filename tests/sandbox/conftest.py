"""One warm pool per test module, so torch is imported once per module, not once per test."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from quiz.sandbox.pool import SandboxPool
from tests.sandbox.helpers import STARTUP_SECONDS


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2, memory_mb=1024) as warm:
        assert warm.wait_ready(STARTUP_SECONDS), warm.protections()
        yield warm


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port the host listens on, for runs that try to reach it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()
