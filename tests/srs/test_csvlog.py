"""`quiz log` CSV: export/import round trip, no duplicates, bad rows named by line."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fsrs import Rating

from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.csvlog import COLUMNS, export_csv, import_csv
from quiz.srs.preset import Preset
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck


def _study(store: Store, clock: Clock) -> Collection:
    deck = make_deck("d", 3)
    col = Collection(store, [deck], clock, tz=UTC)
    for rating in (Rating.Again, Rating.Good, Rating.Good):
        for card in deck.cards:
            col.answer(
                card.key,
                rating,
                proposed=Rating.Good,
                outcome=Outcome.FAIL,
                answer_text='a "quoted",\nmultiline answer',
                duration_ms=1234,
                instance={"n": 2, "name": "w"},
            )
        clock.advance(minutes=15)
    col.undo()
    col.flag("d/c00001", 4)
    col.suspend("d/c00002")
    return col


def _dump(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    log = store.conn.execute(
        "SELECT uuid, kind, time, key, deck_id, rating, proposed, outcome, answer_text, "
        "duration_ms, instance, due, state_before, interval_before, leech, target, value "
        "FROM log ORDER BY id"
    ).fetchall()
    cards = store.conn.execute("SELECT * FROM cards ORDER BY key").fetchall()
    return log, [c[:-1] for c in cards]  # log_id (row ids) may differ between databases


def test_round_trip_into_an_empty_database(store: Store, clock: Clock, tmp_path: Path) -> None:
    _study(store, clock)
    path = tmp_path / "log.csv"
    assert export_csv(store, path) == 12
    with Store.open(tmp_path / "other.db") as other:
        result = import_csv(other, path)
        assert (result.added, result.skipped, result.cards) == (12, 0, 3)
        assert _dump(other) == _dump(store)


def test_import_never_duplicates(store: Store, clock: Clock, tmp_path: Path) -> None:
    _study(store, clock)
    path = tmp_path / "log.csv"
    export_csv(store, path)
    before = _dump(store)
    result = import_csv(store, path)
    assert (result.added, result.skipped) == (0, 12)
    assert _dump(store) == before


def test_undone_column_marks_undone_reviews(store: Store, clock: Clock, tmp_path: Path) -> None:
    _study(store, clock)
    path = tmp_path / "log.csv"
    export_csv(store, path)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["undone"] for r in rows if r["kind"] == "review"].count("1") == 1


def test_rows_from_another_tool_are_replayed(store: Store, clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "other-tool.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["kind", "time", "deck_id", "card_id", "rating"])
        writer.writerow(["review", "2024-06-01T10:00:00Z", "d", "c00000", "3"])
        writer.writerow(["review", "2024-06-01T10:10:00+00:00", "d", "c00000", "3"])
    assert import_csv(store, path).added == 2
    assert import_csv(store, path).added == 0  # content-derived uuids: still idempotent
    deck = make_deck("d", 1)
    answered = Collection(store, [deck], clock, tz=UTC).info("d/c00000")
    # The same answers given through the engine (fuzz off) end in the same state.
    with Store.open(tmp_path / "direct.db") as direct:
        col = Collection(
            direct, [deck], Clock(datetime(2024, 6, 1, 10, tzinfo=UTC)), Preset(fuzz=False), tz=UTC
        )
        col.answer(
            "d/c00000",
            Rating.Good,
            proposed=None,
            outcome=Outcome.SELF_GRADED,
            answer_text="",
            duration_ms=0,
            instance={},
        )
        col.clock.now = datetime(2024, 6, 1, 10, 10, tzinfo=UTC)  # type: ignore[attr-defined]
        col.answer(
            "d/c00000",
            Rating.Good,
            proposed=None,
            outcome=Outcome.SELF_GRADED,
            answer_text="",
            duration_ms=0,
            instance={},
        )
        assert col.info("d/c00000") == answered


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["review", "yesterday", "d", "c1", "3"], r":3: time 'yesterday' is not an ISO 8601"),
        (["review", "2024-06-01T10:00:00", "d", "c1", "3"], r":3: .*UTC offset"),
        (["review", "2024-06-01T10:00:00Z", "d", "c1", "7"], r":3: rating 7 is not 1-4"),
        (["review", "2024-06-01T10:00:00Z", "D D", "c1", "3"], r":3: deck_id 'D D' is not a slug"),
        (["peek", "2024-06-01T10:00:00Z", "d", "c1", "3"], r":3: kind 'peek' is not one of"),
        (["review", "2024-06-01T10:00:00Z", "d", "c1", ""], r":3: rating is required"),
    ],
)
def test_a_bad_row_names_its_line_and_nothing_is_imported(
    store: Store, tmp_path: Path, row: list[str], message: str
) -> None:
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["kind", "time", "deck_id", "card_id", "rating"])
        writer.writerow(["review", "2024-06-01T09:00:00Z", "d", "c1", "3"])
        writer.writerow(row)
    with pytest.raises(QuizError, match=message):
        import_csv(store, path)
    assert store.conn.execute("SELECT count(*) FROM log").fetchone()[0] == 0


def test_not_a_log_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("title,body\nhello,world\n")
    with pytest.raises(QuizError, match="not a quiz log"):
        import_csv(store, path)
    with pytest.raises(QuizError, match="cannot read"):
        import_csv(store, tmp_path / "missing.csv")


def test_columns_are_documented_order() -> None:
    assert COLUMNS[:5] == ("uuid", "kind", "time", "deck_id", "card_id")
