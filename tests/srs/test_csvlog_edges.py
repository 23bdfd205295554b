"""`quiz log` CSV at its edges: out-of-range dates, uuids shared by different entries, a huge
cell on the right line, and cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
from datetime import UTC
from pathlib import Path

import pytest
from fsrs import Rating

from quiz.cli import main
from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.csvlog import export_csv, import_csv, neutralise, restore
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck

HEADER = ["uuid", "kind", "time", "deck_id", "card_id", "rating", "answer_text"]


def _write(path: Path, *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _count(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM log").fetchone()[0])


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"],
)
def test_a_time_out_of_range_is_a_line_numbered_error(
    store: Store, tmp_path: Path, moment: str
) -> None:
    path = _write(
        tmp_path / "log.csv",
        ["", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", ""],
        ["", "review", moment, "d", "c1", "3", ""],
    )
    with pytest.raises(QuizError, match=r"log\.csv:3: time .*(out of range|ISO 8601)"):
        import_csv(store, path)
    assert _count(store) == 0


def test_year_10000_is_a_line_numbered_error(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", ["", "review", "10000-01-01T00:00:00Z", "d", "c1", "3", ""])
    with pytest.raises(QuizError, match=r"log\.csv:2: time"):
        import_csv(store, path)


def test_rows_sharing_a_uuid_for_different_cards_are_conflicts(
    store: Store, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "log.csv",
        ["u1", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", ""],
        ["u1", "review", "2024-06-01T09:00:00Z", "d", "c2", "3", ""],
        ["u1", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", ""],
    )
    result = import_csv(store, path)
    assert (result.added, result.skipped) == (1, 1), "the identical third row is a duplicate"
    assert len(result.conflicts) == 1
    assert "log.csv:3: uuid u1 is also on line 2" in result.conflicts[0]
    assert "d/c2" in result.conflicts[0]


def test_a_uuid_already_in_the_log_for_another_card_is_a_conflict(
    store: Store, tmp_path: Path
) -> None:
    import_csv(
        store,
        _write(tmp_path / "a.csv", ["u1", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", ""]),
    )
    result = import_csv(
        store,
        _write(
            tmp_path / "b.csv",
            ["u1", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", ""],
            ["u1", "review", "2024-06-02T09:00:00Z", "d", "c9", "3", ""],
        ),
    )
    assert (result.added, result.skipped) == (0, 1)
    assert len(result.conflicts) == 1
    assert "b.csv:3: uuid u1 is already in the log" in result.conflicts[0]


def test_the_cli_reports_conflicts_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path / "log.csv",
        ["u1", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", ""],
        ["u1", "review", "2024-06-01T09:00:00Z", "d", "c2", "3", ""],
    )
    assert main(["log", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "imported 1 row (0 already in the log); 1 card updated" in out
    assert "1 row was not imported" in err and "log.csv:3:" in err


def test_an_oversized_cell_is_reported_on_its_own_line(store: Store, tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    path = _write(
        tmp_path / "log.csv",
        ["", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", "two\nlines"],
        ["", "review", "2024-06-01T09:01:00Z", "d", "c1", "3", "a\nb\nc"],
        ["", "review", "2024-06-01T09:02:00Z", "d", "c1", "3", huge],
        ["", "review", "2024-06-01T09:03:00Z", "d", "c1", "3", ""],
    )
    with pytest.raises(QuizError, match=r"log\.csv:7: a cell is longer than"):
        import_csv(store, path)


def test_a_bad_row_after_a_multiline_cell_names_the_line_it_starts_on(
    store: Store, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "log.csv",
        ["", "review", "2024-06-01T09:00:00Z", "d", "c1", "3", "a\nb\nc"],
        ["", "review", "2024-06-01T09:00:00Z", "d", "c1", "9", "d\ne"],
    )
    with pytest.raises(QuizError, match=r"log\.csv:5: rating 9"):
        import_csv(store, path)


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx", "'=already", "''", "'"]


@pytest.mark.parametrize("text", [*FORMULAS, "plain", "", "it's", "'quoted'"])
def test_neutralise_and_restore_round_trip(text: str) -> None:
    shown = neutralise(text)
    assert not shown.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore(shown) == text


def test_export_neutralises_formulas_and_import_restores_them(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    deck = make_deck("d", 1)
    col = Collection(store, [deck], clock, tz=UTC)
    for text in FORMULAS:
        col.answer(
            "d/c00000",
            Rating.Good,
            proposed=None,
            outcome=Outcome.SELF_GRADED,
            answer_text=text,
            duration_ms=1,
            instance={},
        )
        clock.advance(minutes=1)
    path = tmp_path / "log.csv"
    export_csv(store, path)
    with path.open(newline="", encoding="utf-8") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    with Store.open(tmp_path / "other.db") as other:
        import_csv(other, path)
        texts = [e.answer_text for e in other.iter_events()]
    assert texts == FORMULAS
