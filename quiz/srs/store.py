"""The SQLite store: opening (WAL, migrations, corruption checks), transactions, rows <-> values.

One connection per Store, shared by the threads of one process under a lock (the TUI answers
from worker threads). Every write is one `BEGIN IMMEDIATE` transaction, so two processes on one
database serialize instead of losing updates, and a process killed mid-answer leaves either the
whole answer or none of it. `synchronous=NORMAL` in WAL mode keeps every committed answer
through a crash of the program; only a power cut can lose the last few, never corrupt the file.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from quiz.errors import QuizError
from quiz.srs import schema
from quiz.srs.events import CARD_COLUMNS, LOG_COLUMNS, CardState, Kind, LogEvent, Phase
from quiz.srs.preset import Presets

_SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_TIMEOUT_MS = 30_000
PRESET_PREFIX = "preset:"
DEFAULT_PRESET = "default"

_LOG_SELECT = "SELECT id, " + ", ".join(LOG_COLUMNS) + " FROM log"
_LOG_INSERT = (
    f"INSERT INTO log ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join('?' for _ in LOG_COLUMNS)})"
)
_LOG_INSERT_IGNORE = _LOG_INSERT.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)
_CARD_UPSERT = (
    f"INSERT OR REPLACE INTO cards ({', '.join(CARD_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in CARD_COLUMNS)})"
)
_CARD_SELECT = "SELECT " + ", ".join(CARD_COLUMNS) + " FROM cards"


def _corrupt(path: Path, detail: str) -> QuizError:
    return QuizError(
        f"{path} is not a readable quiz database ({detail}); it was left untouched. "
        "Move it aside to start afresh, or restore a backup.",
        title="Database",
    )


def event_from_row(row: Sequence[Any]) -> LogEvent:
    values = dict(zip(("id", *LOG_COLUMNS), row, strict=True))
    values["kind"] = Kind(values["kind"])
    return LogEvent(**values)


def event_to_row(event: LogEvent) -> tuple[Any, ...]:
    return tuple(getattr(event, c) for c in LOG_COLUMNS)


def card_from_row(row: Sequence[Any]) -> CardState:
    v = dict(zip(CARD_COLUMNS, row, strict=True))
    v["state"] = Phase(v["state"])
    v["suspended"] = bool(v["suspended"])
    v["leech"] = bool(v["leech"])
    return CardState(**v)


def card_to_row(card: CardState) -> tuple[Any, ...]:
    return (
        card.key,
        card.deck_id,
        int(card.state),
        card.step,
        card.stability,
        card.difficulty,
        card.due,
        card.last_review,
        card.reps,
        card.lapses,
        int(card.suspended),
        card.buried_at,
        int(card.leech),
        card.flag,
        card.log_id,
    )


class Store:
    """An open quiz database. Use `Store.open()`; close it (or use `with`)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._checkpointer = _Checkpointer(path)
        self._checkpointer.start()

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        """Open (creating, or migrating after a backup) the database; default `locations()`."""
        if path is None:
            from quiz.paths import locations

            path = locations().database
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as fh:
                if fh.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                    raise _corrupt(path, "not an SQLite file")
        try:
            conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as exc:
            raise QuizError(f"cannot open {path}: {exc}", title="Database") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints (copying the WAL back into the file, with an fsync) run on the
            # checkpointer's own connection, so no answer waits for one.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            _migrate(conn, path)
        except QuizError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise QuizError(f"{path} is busy (locked by another program)") from exc
            raise _corrupt(path, str(exc)) from exc
        return cls(conn, path)

    def close(self) -> None:
        self._checkpointer.stop()
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so reads inside it see the latest state."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            self._checkpointer.note_commit()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries."""
        with self._lock:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    # -- the log -------------------------------------------------------------------------------

    @staticmethod
    def append(conn: sqlite3.Connection, event: LogEvent) -> LogEvent:
        """Insert one log row (inside a `write()`); returns it with its id."""
        cur = conn.execute(_LOG_INSERT, event_to_row(event))
        return replace(event, id=cur.lastrowid)

    @staticmethod
    def append_missing(conn: sqlite3.Connection, events: Iterable[LogEvent]) -> list[str]:
        """Insert the rows whose uuid is not stored yet; returns the keys that changed."""
        changed: list[str] = []
        for event in events:
            if conn.execute(_LOG_INSERT_IGNORE, event_to_row(event)).rowcount:
                changed.append(event.key)
        return changed

    @staticmethod
    def events_for(conn: sqlite3.Connection, key: str) -> list[LogEvent]:
        rows = conn.execute(_LOG_SELECT + " WHERE key = ? ORDER BY time, id", (key,))
        return [event_from_row(r) for r in rows]

    def events(self, key: str) -> list[LogEvent]:
        with self._lock:
            return self.events_for(self.conn, key)

    def iter_events(self, batch: int = 10_000) -> Iterator[LogEvent]:
        """Every log row in arrival order, read in batches (for export and rebuild)."""
        last = 0
        while True:
            with self._lock:
                rows = self.conn.execute(
                    _LOG_SELECT + " WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield event_from_row(row)
            last = rows[-1][0]

    def last_log_id(self) -> int:
        with self._lock:
            row = self.conn.execute("SELECT max(id) FROM log").fetchone()
        return int(row[0] or 0)

    # -- the card cache ------------------------------------------------------------------------

    @staticmethod
    def card_in(conn: sqlite3.Connection, key: str, deck_id: str) -> CardState:
        row = conn.execute(_CARD_SELECT + " WHERE key = ?", (key,)).fetchone()
        return card_from_row(row) if row else CardState(key=key, deck_id=deck_id)

    def card(self, key: str, deck_id: str) -> CardState:
        with self._lock:
            return self.card_in(self.conn, key, deck_id)

    @staticmethod
    def put_card(conn: sqlite3.Connection, card: CardState) -> None:
        conn.execute(_CARD_UPSERT, card_to_row(card))

    def cards_where(self, where: str, params: Sequence[Any] = ()) -> list[CardState]:
        with self._lock:
            rows = self.conn.execute(f"{_CARD_SELECT} WHERE {where}", params).fetchall()
        return [card_from_row(r) for r in rows]

    # -- settings ------------------------------------------------------------------------------

    def setting(self, key: str) -> Any:
        with self._lock:
            row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_setting(self, key: str, value: Any) -> None:
        with self.write() as conn:
            if value is None:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                    (key, json.dumps(value, sort_keys=True)),
                )

    def presets(self) -> Presets:
        with self._lock:
            rows = self.conn.execute(
                "SELECT key, value FROM settings WHERE key LIKE ? ESCAPE '\\'",
                (PRESET_PREFIX.replace("_", "\\_") + "%",),
            ).fetchall()
        default: dict[str, Any] = {}
        decks: dict[str, dict[str, Any]] = {}
        for key, value in rows:
            name = key[len(PRESET_PREFIX) :]
            if name == DEFAULT_PRESET:
                default = json.loads(value)
            else:
                decks[name] = json.loads(value)
        return Presets(default=default, decks=decks)


class _Checkpointer(threading.Thread):
    """Checkpoints the WAL in the background: after a burst of commits, or when idle."""

    EVERY_COMMITS = 64
    IDLE_SECONDS = 2.0

    def __init__(self, path: Path) -> None:
        super().__init__(name=f"quiz-checkpoint-{path.name}", daemon=True)
        self.path = path
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._commits = 0

    def note_commit(self) -> None:
        self._commits += 1
        if self._commits >= self.EVERY_COMMITS:
            self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=30)

    def run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=_BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error:
            return  # the writer's own connection reports problems with the file
        try:
            while not self._stopping.is_set():
                self._wake.wait(self.IDLE_SECONDS)
                self._wake.clear()
                if self._commits:
                    self._commits = 0
                    self._checkpoint(conn, "PASSIVE")
            self._checkpoint(conn, "PASSIVE")
        finally:
            conn.close()

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection, mode: str) -> None:
        # PASSIVE never waits for readers or writers; whatever it cannot copy now, a later
        # checkpoint (or the next open) does. Errors here never lose data: the WAL keeps it.
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA wal_checkpoint({mode})")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > schema.SCHEMA_VERSION:
        raise QuizError(
            f"{path} was written by a newer quiz (database schema v{version}; this program "
            f"knows up to v{schema.SCHEMA_VERSION}). Upgrade quiz to open it.",
            title="Database",
        )
    if version == schema.SCHEMA_VERSION:
        return
    if version > 0:
        # Keep the learner's history safe from a bad migration: a copy of the old version.
        backup = path.with_name(f"{path.name}.v{version}.bak")
        if not backup.exists():
            target = sqlite3.connect(backup)
            try:
                conn.backup(target)
            finally:
                target.close()
    for step in range(version, schema.SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current == step:
                schema.MIGRATIONS[step](conn)
                conn.execute(f"PRAGMA user_version={step + 1}")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise QuizError(
                f"{path}: upgrading the database from schema v{step} to v{step + 1} failed "
                f"({exc}); it was left at v{step}, unchanged",
                title="Database",
            ) from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
