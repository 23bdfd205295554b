"""Fixtures for every test: nothing reads or writes the real user's home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def quiz_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh QUIZ_HOME per test, so no test sees the developer's database, config or decks."""
    home = tmp_path_factory.mktemp("quiz-home")
    monkeypatch.setenv("QUIZ_HOME", str(home))
    # Every command runs its own in-process pool, as before the background service: no test
    # leaves a service running. Tests of the service (tests/sandbox/test_service.py) turn it on.
    monkeypatch.setenv("QUIZ_SANDBOX_SERVICE", "off")
    yield home
