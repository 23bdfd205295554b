"""CLI messages: unknown decks and settings refused with what is known, singular counts, an
empty --decks folder said out loud, and no control character from outside reaching the terminal."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from quiz.cli import main
from quiz.srs.store import Store

# An OSC 52 clipboard write, a screen clear, a C1 CSI and BEL.
HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m\x07"
RAW = ("\x1b", "\x07", "\x9b")


def _raw_controls(text: str) -> list[str]:
    return [c for c in RAW if c in text]


@pytest.mark.parametrize("argv", [["config", "new_per_day", "5"], ["config"], ["optimize"]])
def test_an_unknown_deck_is_refused_with_the_known_ids(
    argv: list[str], quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--deck", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "no deck has the id 'nosuch'" in err
    assert "known decks: " in err and "hooks" in err
    with Store.open() as store:
        assert "nosuch" not in store.presets().decks


def test_a_deck_with_history_or_a_preset_may_be_configured(
    quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "new_per_day", "5", "--deck", "hooks"]) == 0
    with Store.open() as store:
        store.set_setting("preset:retired-deck", {"new_per_day": 3})
    assert main(["config", "--deck", "retired-deck", "--unset", "new_per_day"]) == 0
    capsys.readouterr()


def test_an_unknown_setting_lists_every_setting_with_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["config", "learning-step", "1m"]) == 2
    err = capsys.readouterr().err
    assert "no setting is called 'learning-step'; did you mean 'learning_steps'?" in err
    assert "day_start_hour" in err and "timezone" in err
    assert main(["config", "--unset"]) == 2
    assert "KEY" not in capsys.readouterr().err


def test_history_counts_are_singular_for_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = ["", "review", "2024-06-01T09:00:00Z", "hooks", "forward-pre-hook", "3", "x"]
    assert main(["log", "import", _import(tmp_path, [row])]) == 0
    assert main(["history", "hooks/forward-pre-hook"]) == 0
    assert ", 1 review, 0 lapses" in capsys.readouterr().out


def _import(tmp_path: Path, rows: list[list[str]]) -> str:
    path = tmp_path / "log.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["uuid", "kind", "time", "deck_id", "card_id", "rating", "answer_text"])
        writer.writerows(rows)
    return str(path)


def test_an_imported_answer_never_reaches_the_terminal_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = ["", "review", "2024-06-01T09:00:00Z", "hooks", "forward-pre-hook", "3", HOSTILE]
    assert main(["log", "import", _import(tmp_path, [row])]) == 0
    capsys.readouterr()
    for argv in (
        ["history", "hooks/forward-pre-hook"],
        ["history", "hooks/forward-pre-hook", "--json"],
    ):
        assert main(argv) == 0
        out, err = capsys.readouterr()
        assert _raw_controls(out + err) == [], argv
        assert "ZXZpbA==" in out
    assert main(["history", "hooks/forward-pre-hook", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reviews"][0]["answer_text"] == HOSTILE, "JSON escapes, and keeps, the text"


def test_log_import_messages_never_carry_raw_controls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uuid = f"u{HOSTILE}"
    rows = [
        [uuid, "review", "2024-06-01T09:00:00Z", "hooks", "forward-pre-hook", "3", ""],
        [uuid, "review", "2024-06-01T09:00:00Z", "hooks", "forward-hook", "3", ""],
    ]
    assert main(["log", "import", _import(tmp_path, rows)]) == 1
    out, err = capsys.readouterr()
    assert "not imported" in err
    assert _raw_controls(out + err) == []
    bad = [["", f"review{HOSTILE}", "2024-06-01T09:00:00Z", "hooks", "x", "3", ""]]
    assert main(["log", "import", _import(tmp_path, bad)]) == 2
    out, err = capsys.readouterr()
    assert "is not one of" in err
    assert _raw_controls(out + err) == []


def test_exec_output_never_carries_raw_controls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from quiz.sandbox import pool
    from quiz.sandbox.protocol import RunResult, RunStatus

    class FakePool:
        def __init__(self, **_: Any) -> None:
            pass

        def __enter__(self) -> FakePool:
            return self

        def __exit__(self, *_: object) -> None:
            pass

        def run(self, request: object) -> RunResult:
            return RunResult(
                RunStatus.ERROR,
                stdout=f"out{HOSTILE}\tkept\n",
                stderr=f"err{HOSTILE}",
                exception=f"ValueError{HOSTILE}",
                traceback=f"Traceback{HOSTILE}",
                notes=(f"note{HOSTILE}",),
            )

    # `quiz exec` runs on the process-wide runner; the fake stands in for it, not in `_shared`.
    monkeypatch.setattr(pool, "shared_pool", lambda **_: FakePool())
    script = tmp_path / "run.py"
    script.write_text("print(1)\n")
    assert main(["exec", str(script)]) == 1
    out, err = capsys.readouterr()
    assert _raw_controls(out + err) == []
    assert "out]52;c;ZXZpbA==[2J31m\tkept\n" in out


def test_an_empty_decks_folder_is_said_before_the_tui_starts(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "quiz", "--decks", str(empty)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert f"quiz: no deck file (*.yaml, *.yml) was found in {empty}" in done.stderr
