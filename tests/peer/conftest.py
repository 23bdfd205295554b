"""Fixtures: a hub on 127.0.0.1 with an in-process runner, and probes to talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from quiz.peer.hub import Hub
from tests.deck.fakes import ExecRunner
from tests.peer.helpers import Probe, make_hub


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    started = make_hub(ExecRunner(), tmp_path / "session.db")
    await started.start("127.0.0.1", 0)
    yield started
    await started.stop()
    started.journal.close()


@pytest.fixture
async def probe(hub: Hub) -> AsyncIterator[Callable[[], Awaitable[Probe]]]:
    opened: list[Probe] = []

    async def open_probe() -> Probe:
        new = await Probe(hub.port).open()
        opened.append(new)
        return new

    yield open_probe
    for each in opened:
        await each.close()
