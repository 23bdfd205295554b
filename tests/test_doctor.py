"""`quiz doctor`: reports torch, the sandbox protections and the store, and repairs the store."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from quiz.cli import main


def _doctor(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["doctor", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_reports_torch_and_protections(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _doctor(capsys)
    assert code == 0
    sandbox = report["sandbox"]
    assert sandbox["torch"] == metadata.version("torch")
    names = {p["name"] for p in sandbox["protections"]}
    assert {"wall-clock timeout", "output cap", "scrubbed environment"} <= names
    assert report["store"]["exists"] is False


def test_rebuild_and_corrupt_store(quiz_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from quiz.srs.store import Store

    Store.open().close()
    code, report = _doctor(capsys, "--rebuild")
    assert code == 0
    assert report["store"]["rebuilt_cards"] == 0
    assert report["store"]["integrity"] == "ok"

    db = quiz_home / "quiz.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    code, report = _doctor(capsys)
    assert code == 1
    assert "error" in report["store"]
    assert db.read_bytes() == before, "doctor must never overwrite a corrupt store"
