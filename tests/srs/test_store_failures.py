"""The store under bad conditions: damaged pages, a read-only folder, a lock held too long, a
full disk, a folder where the file should be. Each is a StoreError subclass that says what to do,
and a failed answer leaves nothing behind."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fsrs import Rating

from quiz.errors import (
    DatabaseDamaged,
    QuizError,
    StoreBusy,
    StoreError,
    StoreReadOnly,
    StoreWriteFailed,
)
from quiz.outcome import Outcome
from quiz.srs import schema
from quiz.srs import store as store_module
from quiz.srs.collection import Collection
from quiz.srs.events import Phase
from quiz.srs.repair import repair
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck
from tests.srs.damage import damage_pages, pages, reviewed_store

DECK = make_deck("d", 40)


def _answer(col: Collection, key: str = "d/c00000") -> str:
    return col.answer(
        key,
        Rating.Good,
        proposed=None,
        outcome=Outcome.SELF_GRADED,
        answer_text="typed",
        duration_ms=1000,
        instance={},
    )


@pytest.fixture
def damaged_db(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    path = tmp_path / "quiz.db"
    uuids = reviewed_store(path, DECK, 300)
    total = pages(path)
    damage_pages(path, total // 3, total // 3)
    yield path, uuids


# -- damaged pages ------------------------------------------------------------------------------


def test_reading_a_damaged_page_is_database_damaged(damaged_db: tuple[Path, list[str]]) -> None:
    path, _ = damaged_db
    with Store.open(path) as store, pytest.raises(DatabaseDamaged) as caught:
        list(store.iter_events())
    assert f"the database at {path} is damaged" in caught.value.message
    assert "quiz doctor --repair" in caught.value.message
    assert not caught.value.retryable


def test_check_damage_finds_damage_that_a_lookup_misses(
    damaged_db: tuple[Path, list[str]],
) -> None:
    path, _ = damaged_db
    with Store.open(path) as store:
        with pytest.raises(DatabaseDamaged):
            store.check_damage()
        problems, _ = store.integrity_problems(limit=100)
        assert problems and all("\n" not in p for p in problems)


def test_a_sound_store_passes_check_damage(store: Store) -> None:
    store.check_damage()
    assert store.integrity_problems() == ([], False)


def test_repair_saves_the_readable_reviews_and_keeps_the_damaged_file(
    damaged_db: tuple[Path, list[str]],
) -> None:
    path, uuids = damaged_db
    before = path.read_bytes()
    result = repair(path, sqlite_cli=None)
    assert 0 < result.reviews < len(uuids)
    assert result.rows == result.reviews
    assert result.unreadable > 0
    assert result.damaged_copy.read_bytes() == before, "the damaged file is kept unchanged"
    assert result.damaged_copy.name.startswith("quiz.db.damaged-")
    with Store.open(path) as store:
        store.check_damage()
        saved = [e.uuid for e in store.iter_events()]
        assert len(saved) == result.rows
        assert set(saved) <= set(uuids)
        # Arrival order survives, and the card cache was rebuilt from the saved rows.
        assert saved == [u for u in uuids if u in set(saved)]
        cards = store.cards_where("1 = 1")
        assert cards and all(c.state is not Phase.NEW for c in cards)


def test_repair_of_a_sound_store_keeps_every_row_and_setting(tmp_path: Path) -> None:
    path = tmp_path / "quiz.db"
    uuids = reviewed_store(path, DECK, 20)
    with Store.open(path) as store:
        store.set_setting("day_start_hour", 6)
    result = repair(path, sqlite_cli=None)
    assert (result.reviews, result.unreadable, result.settings) == (20, 0, 1)
    with Store.open(path) as store:
        assert [e.uuid for e in store.iter_events()] == uuids
        assert store.setting("day_start_hour") == 6


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 command")
def test_repair_uses_sqlite_recover_when_it_works(
    damaged_db: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """A fake `sqlite3` whose `.recover` prints a sound copy: its rows join the file's."""
    path, uuids = damaged_db
    sound = tmp_path / "sound.db"
    reviewed_store(sound, DECK, 300)  # other uuids: a union must hold both sets
    fake = tmp_path / "fake-sqlite3"
    fake.write_text(
        "#!/bin/sh\n"
        f'if [ "$2" = ".recover" ]; then exec sqlite3 {sound} .dump; fi\n'
        'exec sqlite3 "$@"\n'
    )
    fake.chmod(0o755)
    result = repair(path, sqlite_cli=str(fake))
    assert result.recovered_by_sqlite
    assert result.reviews > 300
    del uuids


def test_repair_without_a_database_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="nothing to repair"):
        repair(tmp_path / "quiz.db")


# -- a folder where the file should be --------------------------------------------------------


def test_a_database_path_that_is_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "quiz.db"
    folder.mkdir()
    with pytest.raises(StoreError, match="is a folder, not a file"):
        Store.open(folder)


def test_a_data_folder_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "home").write_text("not a folder")
    with pytest.raises(StoreError, match="is a file, but quiz keeps its database in a folder"):
        Store.open(tmp_path / "home" / "quiz.db")


# -- read-only ---------------------------------------------------------------------------------


@pytest.fixture
def read_only_folder(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Tests run as root here, where permissions do not stop writes: say the folder is read-only
    (tests/cli/test_read_only.py checks the real thing as an unprivileged user)."""

    def make_read_only() -> None:
        monkeypatch.setattr(store_module, "_writable_reason", lambda path: "no permission")

    return make_read_only


def test_a_read_only_folder_opens_read_only_and_reads(
    tmp_path: Path, clock: Clock, read_only_folder: Callable[[], None]
) -> None:
    path = tmp_path / "quiz.db"
    uuids = reviewed_store(path, DECK, 5)
    before = path.read_bytes()
    read_only_folder()
    with Store.open(path) as store:
        assert store.read_only
        assert store.read_only_reason is not None
        assert "is read-only" in store.read_only_reason
        assert [e.uuid for e in store.iter_events()] == uuids
        col = Collection(store, [DECK], clock)
        with pytest.raises(StoreReadOnly) as caught:
            _answer(col)
        assert not caught.value.retryable
        with pytest.raises(StoreReadOnly):
            store.set_setting("day_start_hour", 5)
    assert path.read_bytes() == before


def test_a_missing_database_in_a_read_only_folder_is_an_empty_read_only_store(
    tmp_path: Path, clock: Clock, read_only_folder: Callable[[], None]
) -> None:
    path = tmp_path / "quiz.db"
    read_only_folder()
    with Store.open(path) as store:
        assert store.read_only
        col = Collection(store, [DECK], clock)
        assert col.counts().new > 0
    assert not path.exists()


def test_an_old_schema_in_a_read_only_folder_is_read_through_a_copy(
    tmp_path: Path, read_only_folder: Callable[[], None]
) -> None:
    path = tmp_path / "quiz.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version=1")
    conn.close()
    before = path.read_bytes()
    read_only_folder()
    with Store.open(path) as store:
        assert store.read_only
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak")), "no backup is written into a read-only folder"


# -- locked and full ---------------------------------------------------------------------------


def test_a_lock_held_past_the_timeout_is_store_busy_and_saves_nothing(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "quiz.db"
    with Store.open(path, busy_timeout_ms=50) as store:
        col = Collection(store, [DECK], clock)
        _answer(col, "d/c00001")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusy) as caught:
                _answer(col)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert caught.value.retryable
        assert "locked by another program" in caught.value.message
        assert [e.key for e in store.iter_events()] == ["d/c00001"]
        assert store.card("d/c00000", "d").state is Phase.NEW
        assert col.undo() == "d/c00001", "the failed answer is not on the undo stack"
        _answer(col)  # once the lock is gone, the same answer saves
        assert [e.key for e in store.iter_events()][-1] == "d/c00000"


def test_a_full_disk_is_store_write_failed_and_saves_nothing(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "quiz.db"
    with Store.open(path) as store:
        col = Collection(store, [DECK], clock)
        _answer(col, "d/c00001")
        pages_now = store.conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own cap on the file's size fails writes exactly as a full disk does.
        store.conn.execute(f"PRAGMA max_page_count={pages_now}")
        saved: list[str] = []
        with pytest.raises(StoreWriteFailed) as caught:
            for i in range(200):
                saved.append(
                    col.answer(
                        f"d/c{i % 40:05d}",
                        Rating.Good,
                        proposed=None,
                        outcome=Outcome.SELF_GRADED,
                        answer_text="x" * 5000,
                        duration_ms=1,
                        instance={},
                    )
                )
        assert caught.value.retryable
        assert "full" in caught.value.message
        assert not store.conn.in_transaction
        events = list(store.iter_events())
        # Exactly the answers that returned are stored, each with its card's new state.
        assert [e.uuid for e in events][1:] == saved
        assert {c.key for c in store.cards_where("1 = 1")} == {e.key for e in events}


def test_every_store_failure_is_a_quiz_error() -> None:
    for cls in (DatabaseDamaged, StoreReadOnly, StoreBusy, StoreWriteFailed):
        assert issubclass(cls, StoreError)
        assert issubclass(cls, QuizError)
    assert StoreBusy.retryable and StoreWriteFailed.retryable
    assert not StoreReadOnly.retryable and not DatabaseDamaged.retryable
