"""A damaged database (valid header, damaged pages): every command says so, never a traceback,
and `quiz doctor --repair` saves what can be read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quiz.cli import main

COMMANDS = [
    ["stats"],
    ["stats", "--json"],
    ["history", "d/c00001"],
    ["history", "d/c00039"],
    ["doctor", "--rebuild"],
    ["log", "export", "OUT"],
    ["optimize"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_every_command_says_the_database_is_damaged(
    argv: list[str],
    damaged_home: Path,
    no_sandbox: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [str(tmp_path / "out.csv") if a == "OUT" else a for a in argv]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert f"quiz: the database at {damaged_home} is damaged" in err
    assert "quiz doctor --repair" in err
    assert "Traceback" not in err
    assert "no reviews yet" not in out


def test_history_never_says_no_reviews_yet_on_a_damaged_database(
    damaged_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(40):
        code = main(["history", f"d/c{i:05d}"])
        out, err = capsys.readouterr()
        assert "no reviews yet" not in out
        assert (code == 0 and "reviews" in out) or "is damaged" in err


def test_doctor_summarises_integrity_in_one_line(
    damaged_home: Path, no_sandbox: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["doctor"])
    out, _err = capsys.readouterr()
    assert code == 1
    store_lines = out[out.index("store ") :].splitlines()
    assert len(store_lines) <= 4, store_lines
    assert any("integrity: damaged:" in line and "problem" in line for line in store_lines)
    assert "quiz doctor --repair" in out


def test_doctor_repair_saves_the_readable_reviews(
    damaged_home: Path, no_sandbox: None, capsys: pytest.CaptureFixture[str]
) -> None:
    before = damaged_home.read_bytes()
    code = main(["doctor", "--repair", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    repaired = report["store"]["repaired"]
    assert 0 < repaired["reviews"] < 300
    assert Path(repaired["damaged_copy"]).read_bytes() == before
    assert Path(repaired["damaged_copy"]).parent == damaged_home.parent
    assert report["store"]["integrity"] == "ok"
    assert report["store"]["log_rows"] == repaired["rows"]

    code = main(["stats", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["total_reviews"] == repaired["reviews"]


def test_doctor_repair_says_how_many_reviews_it_saved(
    damaged_home: Path, no_sandbox: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", "--repair"]) == 0
    out = capsys.readouterr().out
    assert "repaired: saved " in out and " reviews (" in out
    assert "the damaged file is kept as " in out


def test_doctor_shows_progress_while_the_sandbox_starts(
    no_sandbox: None, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["doctor"])
    assert "starting the sandbox (importing torch)" in capsys.readouterr().err


def test_a_database_path_that_is_a_folder(
    quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (quiz_home / "quiz.db").mkdir()
    for argv in (["stats"], ["config"], ["history", "d/c00001"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "is a folder, not a file" in err and "Traceback" not in err


def test_doctor_repair_leaves_a_sound_database_alone(
    quiz_home: Path, no_sandbox: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli.conftest import DECK
    from tests.srs.damage import reviewed_store

    reviewed_store(quiz_home / "quiz.db", DECK, 3)
    before = sorted(p.name for p in quiz_home.iterdir())
    assert main(["doctor", "--repair"]) == 0
    assert "the database is sound: nothing to repair" in capsys.readouterr().out
    assert sorted(p.name for p in quiz_home.iterdir()) == before
