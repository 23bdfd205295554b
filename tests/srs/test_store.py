"""Opening the store: WAL, migrations from every earlier schema, newer and corrupt files."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fsrs import Rating

from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.srs import schema
from quiz.srs.collection import Collection
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck


def _answer_one(store: Store, clock: Clock) -> None:
    col = Collection(store, [make_deck("d", 1)], clock)
    col.answer(
        "d/c00000",
        Rating.Good,
        proposed=None,
        outcome=Outcome.SELF_GRADED,
        answer_text="",
        duration_ms=1,
        instance={},
    )


def test_open_defaults_to_quiz_home_and_uses_wal(quiz_home: Path) -> None:
    with Store.open() as store:
        assert store.path == quiz_home / "quiz.db"
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_open_creates_missing_parent_folders(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a" / "b" / "quiz.db") as store:
        assert store.path.exists()


@pytest.mark.parametrize("version", range(schema.SCHEMA_VERSION))
def test_migrates_from_every_earlier_schema(tmp_path: Path, clock: Clock, version: int) -> None:
    path = tmp_path / "quiz.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:version]:
        step(conn)
    conn.execute(f"PRAGMA user_version={version}")
    conn.close()
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        _answer_one(store, clock)


def _v2_adds_a_note_column(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE cards ADD COLUMN note TEXT")
    conn.execute("UPDATE cards SET note = 'migrated'")


def _fake_v2(monkeypatch: pytest.MonkeyPatch, step: Callable[[sqlite3.Connection], None]) -> None:
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, step])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))


def test_upgrade_keeps_history_and_a_backup_of_the_old_version(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "quiz.db"
    with Store.open(path) as store:
        _answer_one(store, clock)
    old_version = schema.SCHEMA_VERSION
    _fake_v2(monkeypatch, _v2_adds_a_note_column)
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == old_version + 1
        assert store.conn.execute("SELECT note FROM cards").fetchall() == [("migrated",)]
        assert store.conn.execute("SELECT count(*) FROM log").fetchone()[0] == 1
    backup = tmp_path / f"quiz.db.v{old_version}.bak"
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == old_version
        assert old.execute("SELECT count(*) FROM log").fetchone()[0] == 1
    old.close()


def test_a_failing_migration_leaves_the_old_version(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "quiz.db"
    with Store.open(path) as store:
        _answer_one(store, clock)
    old_version = schema.SCHEMA_VERSION

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE cards ADD COLUMN half TEXT")
        conn.execute("SELECT * FROM no_such_table")

    _fake_v2(monkeypatch, broken)
    with pytest.raises(QuizError, match=r"quiz\.db: upgrading the database .* failed"):
        Store.open(path)
    monkeypatch.undo()
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == old_version
        columns = [r[1] for r in store.conn.execute("PRAGMA table_info(cards)")]
        assert "half" not in columns


def test_a_newer_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "quiz.db"
    with Store.open(path) as store:
        store.conn.execute(f"PRAGMA user_version={schema.SCHEMA_VERSION + 5}")
    with pytest.raises(QuizError, match=r"newer quiz \(database schema v\d+; this program"):
        Store.open(path)


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "bad-pages"],
)
def test_a_corrupt_file_is_reported_and_never_overwritten(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "quiz.db"
    path.write_bytes(content)
    with pytest.raises(QuizError) as caught:
        Store.open(path)
    assert str(path) in caught.value.message
    assert "left untouched" in caught.value.message
    assert path.read_bytes() == content


def test_settings_round_trip(store: Store) -> None:
    store.set_setting("day_start_hour", 5)
    assert store.setting("day_start_hour") == 5
    store.set_setting("day_start_hour", None)
    assert store.setting("day_start_hour") is None
