"""Fixtures for the CLI tests: a damaged store in QUIZ_HOME, and doctor without a real sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quiz.commands import doctor
from tests.srs.conftest import make_deck
from tests.srs.damage import damage_pages, pages, reviewed_store

DECK = make_deck("d", 40)


@pytest.fixture
def damaged_home(quiz_home: Path) -> Path:
    """QUIZ_HOME with a store of 300 reviews whose middle third of pages is garbage."""
    path = quiz_home / "quiz.db"
    reviewed_store(path, DECK, 300)
    total = pages(path)
    damage_pages(path, total // 3, total // 3)
    return path


@pytest.fixture
def no_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """`quiz doctor` reports on the store without starting a sandbox pool (seconds of torch)."""

    def fake_report() -> dict[str, Any]:
        return {"torch": "0.0", "pool_size": 1, "memory_mb": 1, "protections": []}

    monkeypatch.setattr(doctor, "_sandbox_report", fake_report)
