"""The review engine's subcommands through `quiz.cli.main`: stats, history, config, log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fsrs import Rating

from quiz.cli import main
from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck


@pytest.fixture
def studied(quiz_home: Path) -> Path:
    deck = make_deck("hooks", 3)
    clock = Clock(datetime.now(UTC))
    with Store.open() as store:
        col = Collection(store, [deck], clock)
        col.answer(
            "hooks/c00000",
            Rating.Hard,
            proposed=Rating.Good,
            outcome=Outcome.PASS,
            answer_text="['b', 'w']",
            duration_ms=2500,
            instance={},
        )
        col.answer(
            "hooks/c00001",
            Rating.Again,
            proposed=Rating.Again,
            outcome=Outcome.FAIL,
            answer_text="oops",
            duration_ms=1000,
            instance={},
        )
        col.undo()
    return quiz_home


def test_stats_json(studied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["today"] == {"cards": 1, "reviews": 1, "seconds": 2.5, "again": 0}
    assert data["streak"] == 1 and len(data["forecast"]) == 30
    assert data["reviews_per_day"]["counts"][-1] == 1


def test_stats_text(studied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "Today       1 card, 1 review in 0m 02s, 0 again" in out
    assert "Streak      1 day\n" in out and ": 1 on 1 day; all time 1" in out
    assert "True retention" in out and "Forecast" in out


def test_history(studied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "hooks/c00001"]) == 0
    out = capsys.readouterr().out
    assert "hooks/c00001: new" in out and "[undone]" in out and "oops" in out
    assert main(["history", "hooks/c00000", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reviews"][0]["rating"] == "hard" and data["reviews"][0]["proposed"] == "good"
    assert main(["history", "hooks/never"]) == 2  # no deck has it: a typo, not "no reviews"
    assert "no deck has this card" in capsys.readouterr().err
    assert main(["history", "nodeck"]) == 2
    assert "is not DECK/CARD" in capsys.readouterr().err


def test_config_get_set_unset_and_validation(
    quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "new-per-day"]) == 0
    assert capsys.readouterr().out.strip() == "20"
    assert main(["config", "new_per_day", "5"]) == 0
    assert main(["config", "learning-steps", "2m 20m", "--deck", "hooks"]) == 0
    capsys.readouterr()
    assert main(["config", "--deck", "hooks", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["new_per_day"] == 5 and data["learning_steps"] == [120, 1200]
    with Store.open() as store:
        assert store.presets().for_deck("hooks").learning_steps == (120, 1200)
        assert store.presets().for_deck("other").learning_steps == (60, 600)
    assert main(["config", "--unset", "new_per_day"]) == 0
    capsys.readouterr()
    assert main(["config", "new_per_day"]) == 0
    assert capsys.readouterr().out.strip() == "20"
    assert main(["config", "desired_retention", "1.5"]) == 2
    assert "desired_retention: 1.5 is not valid" in capsys.readouterr().err
    assert main(["config", "day-start-hour", "25"]) == 2
    assert main(["config", "timezone", "Nowhere/City"]) == 2
    assert main(["config", "day_start_hour", "5"]) == 0
    assert main(["config", "timezone", "Asia/Seoul"]) == 0
    with Store.open() as store:
        col = Collection(store, [])
        assert col.day_start_hour == 5 and str(col.tz) == "Asia/Seoul"


def test_log_export_import(
    studied: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "backup.csv"
    assert main(["log", "export", str(path)]) == 0
    assert "wrote 3 log rows" in capsys.readouterr().out
    assert main(["log", "export", str(path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["log", "import", str(path)]) == 0
    assert "imported 0 rows (3 already in the log)" in capsys.readouterr().out


def test_optimize_with_too_few_reviews_says_how_many_more(
    studied: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["optimize"]) == 0
    out = capsys.readouterr().out
    assert "1 review in all decks; 0 made on a later day" in out
    assert "512 more" in out
