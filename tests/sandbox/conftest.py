"""One warm pool per test module, so torch is imported once per module, not once per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quiz.sandbox.pool import SandboxPool
from tests.sandbox.helpers import STARTUP_SECONDS


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2, memory_mb=1024) as warm:
        assert warm.wait_ready(STARTUP_SECONDS), warm.protections()
        yield warm
