"""The SQLite store: opening (WAL, migrations, corruption checks), transactions, rows <-> values.

One connection per Store, shared by the threads of one process under a lock (the TUI answers
from worker threads). Every write is one `BEGIN IMMEDIATE` transaction, so two processes on one
database serialize instead of losing updates, and a process killed mid-answer leaves either the
whole answer or none of it. `synchronous=NORMAL` in WAL mode keeps every committed answer
through a crash of the program; only a power cut can lose the last few, never corrupt the file.

Every SQLite failure leaves this module as a `quiz.errors.StoreError` subclass (see
`store_error`): damaged pages, a lock held past the busy timeout, a full disk. A folder or file
that cannot be written opens read-only (`Store.read_only`, with `read_only_reason`): reading
works, and every write raises `StoreReadOnly` before it touches anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from quiz.errors import (
    DatabaseDamaged,
    QuizError,
    StoreBusy,
    StoreError,
    StoreReadOnly,
    StoreWriteFailed,
)
from quiz.i18n import _
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
    return StoreError(
        _(
            "{path} is not a readable quiz database ({detail}); it was left untouched. "
            "Move it aside to start afresh, or restore a backup."
        ).format(path=path, detail=detail),
    )


def damaged(path: Path, detail: str = "") -> DatabaseDamaged:
    why = f" ({detail})" if detail else ""
    return DatabaseDamaged(
        _(
            "the database at {path} is damaged{why}. Run `quiz doctor --repair` to save what "
            "can be read into a new database (the damaged file is kept beside it)."
        ).format(path=path, why=why)
    )


def read_only_message(folder: Path, why: str) -> str:
    return _(
        "the folder {folder} is read-only ({why}): your reviews can be shown but not saved. "
        "Make it writable, or point QUIZ_HOME at a writable folder."
    ).format(folder=folder, why=why)


_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """The StoreError subclass that says what an SQLite failure means and what to do."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(_DAMAGED) or "malformed" in text or "not a database" in text:
        return damaged(path, text)
    if name.startswith(_BUSY) or "locked" in text:
        return StoreBusy(
            _(
                "the database at {path} is locked by another program (another quiz?) and stayed "
                "locked; nothing was saved. Close the other program, or wait, and try again."
            ).format(path=path)
        )
    if name.startswith("SQLITE_FULL") or "full" in text:
        return StoreWriteFailed(
            _(
                "the disk holding {path} is full; nothing was saved. Free some space and try again."
            ).format(path=path)
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return StoreReadOnly(read_only_message(path.parent, text))
    if name.startswith("SQLITE_IOERR") or "I/O error" in text:
        return StoreWriteFailed(
            _(
                "the database at {path} could not be written ({error}); nothing was saved. "
                "Check the disk, and try again."
            ).format(path=path, error=text)
        )
    return StoreError(_("the database at {path} failed: {error}").format(path=path, error=text))


def _preflight(path: Path) -> str | None:
    """Refuse what can never be a database; say why it cannot be written, or None."""
    if path.is_dir():
        raise StoreError(
            _(
                "the database path {path} is a folder, not a file. Move the folder away, or "
                "point QUIZ_HOME at another place."
            ).format(path=path)
        )
    if path.parent.exists() and not path.parent.is_dir():
        raise StoreError(
            _(
                "{path} is a file, but quiz keeps its database in a folder there. Move "
                "the file away, or point QUIZ_HOME at another place."
            ).format(path=path.parent)
        )
    reason = _writable_reason(path)
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise _corrupt(path, _("not an SQLite file"))
    return reason


def _writable_reason(path: Path) -> str | None:
    """Why the database cannot be written here, or None when it can (as far as we can tell)."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _("cannot create {folder}: {reason}").format(
            folder=folder, reason=exc.strerror or exc
        )
    if not os.access(folder, os.W_OK):
        return _("no permission to write in it")
    if path.exists() and not os.access(path, os.W_OK):
        return _("no permission to write {name}").format(name=path.name)
    return None


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

    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, read_only_reason: str | None = None
    ) -> None:
        self.conn = conn
        self.path = path
        self.read_only_reason = read_only_reason
        """Why this store cannot save (a sentence for people), or None when it can."""
        self._lock = threading.RLock()
        self._checkpointer = _Checkpointer(path)
        if read_only_reason is None:
            self._checkpointer.start()

    @property
    def read_only(self) -> bool:
        """True when nothing can be saved: every write raises StoreReadOnly."""
        return self.read_only_reason is not None

    @classmethod
    def open(cls, path: Path | None = None, *, busy_timeout_ms: int = _BUSY_TIMEOUT_MS) -> Store:
        """Open (creating, or migrating after a backup) the database; default `locations()`.

        A database that cannot be written (read-only folder or file) opens read-only instead of
        failing; see `read_only`.
        """
        if path is None:
            from quiz.paths import locations

            path = locations().database
        path = Path(path)
        try:
            reason = _preflight(path)
        except OSError as exc:  # e.g. a folder on the way that this user may not enter
            raise StoreError(
                _("cannot reach {path}: {reason}").format(path=path, reason=exc.strerror or exc)
            ) from exc
        if reason is None:
            try:
                return cls._open_writable(path, busy_timeout_ms)
            except StoreReadOnly as exc:
                reason = exc.message
        return cls._open_read_only(path, read_only_message(path.parent, reason))

    @classmethod
    def _open_writable(cls, path: Path, busy_timeout_ms: int) -> Store:
        try:
            conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
            )
        except sqlite3.Error as exc:
            raise StoreError(_("cannot open {path}: {error}").format(path=path, error=exc)) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints (copying the WAL back into the file, with an fsync) run on the
            # checkpointer's own connection, so no answer waits for one.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            _migrate(conn, path)
        except QuizError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_NOTADB"):
                raise _corrupt(path, str(exc)) from exc
            raise store_error(exc, path) from exc
        return cls(conn, path)

    @classmethod
    def _open_read_only(cls, path: Path, reason: str) -> Store:
        """Reads only: the file as it is (no migration written), or an empty store in memory."""
        conn: sqlite3.Connection | None = None
        if path.exists() and path.stat().st_size > 0:
            # `mode=ro` reads the WAL when its files exist; without them a read-only folder
            # cannot create the shared-memory file, and `immutable` reads the main file alone.
            for flags in ("mode=ro", "mode=ro&immutable=1"):
                uri = f"file:{quote(str(path.resolve()))}?{flags}"
                try:
                    candidate = sqlite3.connect(
                        uri, uri=True, isolation_level=None, check_same_thread=False
                    )
                    version = int(candidate.execute("PRAGMA user_version").fetchone()[0])
                except sqlite3.Error as exc:
                    last: sqlite3.Error = exc
                    continue
                conn = candidate
                break
            else:
                raise store_error(last, path) from last
            if version > schema.SCHEMA_VERSION:
                conn.close()
                _migrate_check_newer(path, version)
            if version < schema.SCHEMA_VERSION:
                # An older schema cannot be upgraded in place: upgrade a copy in memory.
                memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
                try:
                    conn.backup(memory)
                except sqlite3.Error as exc:
                    raise store_error(exc, path) from exc
                finally:
                    conn.close()
                conn = memory
        if conn is None:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) < schema.SCHEMA_VERSION:
                _migrate(conn, path, backup=False)
        except sqlite3.Error as exc:
            conn.close()
            raise store_error(exc, path) from exc
        return cls(conn, path, read_only_reason=reason)

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
    def guard(self) -> Iterator[None]:
        """Turn any SQLite failure inside into the StoreError that says what it means."""
        try:
            yield
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so reads inside it see the latest state.

        All or nothing: any failure rolls the whole transaction back before it is raised.
        """
        if self.read_only_reason is not None:
            raise StoreReadOnly(self.read_only_reason)
        with self._lock, self.guard():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                raise
            self._checkpointer.note_commit()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries."""
        with self._lock, self.guard():
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("COMMIT")

    def check_damage(self) -> None:
        """Raise DatabaseDamaged when SQLite's quick check finds a damaged page.

        It reads every page (about a second per few hundred MB), so commands that report on the
        whole history call it first: a damaged page can otherwise hide rows without any error.
        """
        try:
            with self._lock:
                rows = self.conn.execute("PRAGMA quick_check(1)").fetchall()
        except sqlite3.DatabaseError as exc:
            raise store_error(exc, self.path) from exc
        if [str(r[0]) for r in rows] != ["ok"]:
            raise damaged(self.path, str(rows[0][0]).splitlines()[-1] if rows else "")

    def integrity_problems(self, limit: int = 100) -> tuple[list[str], bool]:
        """SQLite's integrity check: ([], False) when the file is sound, else up to `limit`
        problems and whether there may be more than were listed."""
        error = ""
        # On some damage the check itself fails once it has found enough: ask for fewer.
        for most in sorted({int(limit), 20, 5, 1}, reverse=True):
            if most > limit:
                continue
            try:
                with self._lock:
                    rows = self.conn.execute(f"PRAGMA integrity_check({most})").fetchall()
            except sqlite3.DatabaseError as exc:
                error = str(exc)
                continue
            found = [line for r in rows for line in str(r[0]).splitlines() if line.strip()]
            if found == ["ok"]:
                return [], False
            found = [line for line in found if not line.startswith("***")]
            return found, len(found) >= most
        return [error], True

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
        with self._lock, self.guard():
            return self.events_for(self.conn, key)

    def iter_events(self, batch: int = 10_000) -> Iterator[LogEvent]:
        """Every log row in arrival order, read in batches (for export and rebuild)."""
        last = 0
        while True:
            with self._lock, self.guard():
                rows = self.conn.execute(
                    _LOG_SELECT + " WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield event_from_row(row)
            last = rows[-1][0]

    def last_log_id(self) -> int:
        with self._lock, self.guard():
            row = self.conn.execute("SELECT max(id) FROM log").fetchone()
        return int(row[0] or 0)

    # -- the card cache ------------------------------------------------------------------------

    @staticmethod
    def card_in(conn: sqlite3.Connection, key: str, deck_id: str) -> CardState:
        row = conn.execute(_CARD_SELECT + " WHERE key = ?", (key,)).fetchone()
        return card_from_row(row) if row else CardState(key=key, deck_id=deck_id)

    def card(self, key: str, deck_id: str) -> CardState:
        with self._lock, self.guard():
            return self.card_in(self.conn, key, deck_id)

    @staticmethod
    def put_card(conn: sqlite3.Connection, card: CardState) -> None:
        conn.execute(_CARD_UPSERT, card_to_row(card))

    def cards_where(self, where: str, params: Sequence[Any] = ()) -> list[CardState]:
        with self._lock, self.guard():
            rows = self.conn.execute(f"{_CARD_SELECT} WHERE {where}", params).fetchall()
        return [card_from_row(r) for r in rows]

    # -- settings ------------------------------------------------------------------------------

    def setting(self, key: str) -> Any:
        with self._lock, self.guard():
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
        with self._lock, self.guard():
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


def _migrate_check_newer(path: Path, version: int) -> None:
    raise StoreError(
        _(
            "{path} was written by a newer quiz (database schema v{version}; this program "
            "knows up to v{known}). Upgrade quiz to open it."
        ).format(path=path, version=version, known=schema.SCHEMA_VERSION),
    )


def _migrate(conn: sqlite3.Connection, path: Path, *, backup: bool = True) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > schema.SCHEMA_VERSION:
        _migrate_check_newer(path, version)
    if version == schema.SCHEMA_VERSION:
        return
    if version > 0 and backup:
        # Keep the learner's history safe from a bad migration: a copy of the old version.
        copy = path.with_name(f"{path.name}.v{version}.bak")
        if not copy.exists():
            target = sqlite3.connect(copy)
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
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if isinstance(store_error(exc, path), DatabaseDamaged | StoreBusy | StoreWriteFailed):
                raise store_error(exc, path) from exc
            raise StoreError(
                _(
                    "{path}: upgrading the database from schema v{old} to v{new} failed "
                    "({error}); it was left at v{old}, unchanged"
                ).format(path=path, old=step, new=step + 1, error=exc),
            ) from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
