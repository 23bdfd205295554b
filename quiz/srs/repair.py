"""`quiz doctor --repair`: save what a damaged database still holds into a new one.

The log is the source of truth, so repairing means reading every log row that can still be
read, writing those rows into a fresh database, and rebuilding the card cache from them.
Two readers are tried and their rows joined by uuid:

- the damaged file itself, one row at a time by row id, so one bad page costs only the rows
  on it (a full scan stops at the first bad page);
- SQLite's own recovery (`sqlite3 FILE .recover`), when that command is installed and works,
  which also finds rows whose b-tree pages above them are damaged.

The damaged file is never changed: it is renamed beside the new one (`quiz.db.damaged-STAMP`),
so nothing is lost even if the repair saved less than hoped.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from quiz.errors import StoreError
from quiz.srs.events import Kind, LogEvent
from quiz.srs.maintenance import rebuild
from quiz.srs.store import Store, event_from_row

_COLUMNS = (
    "id, uuid, kind, time, key, deck_id, rating, proposed, outcome, answer_text, duration_ms, "
    "instance, due, state_before, interval_before, leech, target, value"
)
# Row ids are read past the highest known one until this many in a row are missing: rows whose
# page is gone cannot say how many there were.
_MISSING_RUN = 1000
_RECOVER_TIMEOUT_S = 600


@dataclass(frozen=True)
class RepairResult:
    rows: int
    """Log rows saved (reviews, undos, suspends, ...)."""
    reviews: int
    """Of those, reviews."""
    unreadable: int
    """Row ids that were there but could not be read."""
    settings: int
    """Settings (presets, study-day options) saved."""
    damaged_copy: Path
    """Where the damaged file now is."""
    recovered_by_sqlite: bool
    """Whether SQLite's `.recover` contributed."""


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def _highest_id(conn: sqlite3.Connection) -> int:
    for query in ("SELECT max(id) FROM log", "SELECT max(rowid) FROM log INDEXED BY log_time"):
        with contextlib.suppress(sqlite3.Error):
            found = conn.execute(query).fetchone()[0]
            if found is not None:
                return int(found)
    return 0


def read_rows(conn: sqlite3.Connection) -> tuple[list[LogEvent], int]:
    """Every log row that can be read, by row id; and how many ids failed to read."""
    events: list[LogEvent] = []
    failed = 0
    highest = _highest_id(conn)
    row_id, missing = 0, 0
    while row_id < highest or missing < _MISSING_RUN:
        row_id += 1
        try:
            row = conn.execute(f"SELECT {_COLUMNS} FROM log WHERE id = ?", (row_id,)).fetchone()
        except sqlite3.DatabaseError:
            failed += 1
            missing = 0
            continue
        if row is None:
            missing += 1
            continue
        missing = 0
        try:
            events.append(event_from_row(row))
        except (TypeError, ValueError):
            failed += 1  # a row whose values no longer make sense (a garbled kind)
    return events, failed


def _read_settings(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    with contextlib.suppress(sqlite3.Error):
        rows = conn.execute("SELECT key, value FROM settings").fetchall()
        return [(k, v) for k, v in rows if isinstance(k, str) and _is_json(v)]
    return []


def _is_json(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _sqlite_recover(path: Path, work: Path, cli: str) -> sqlite3.Connection | None:
    """SQLite's recovery into a scratch database, or None when it is missing or fails."""
    target = work / "recovered.db"
    try:
        dump = subprocess.run(
            [cli, str(path), ".recover"],
            capture_output=True,
            timeout=_RECOVER_TIMEOUT_S,
            check=False,
        )
        if not dump.stdout:
            return None
        subprocess.run(
            [cli, str(target)],
            input=dump.stdout,
            capture_output=True,
            timeout=_RECOVER_TIMEOUT_S,
            check=False,
        )
        conn = sqlite3.connect(target)
        conn.execute("SELECT 1 FROM log LIMIT 1").fetchall()
    except (OSError, subprocess.SubprocessError, sqlite3.Error):
        return None
    return conn


def _sources(path: Path, work: Path, cli: str | None) -> Iterator[tuple[str, sqlite3.Connection]]:
    try:
        own = _connect_read_only(path)
    except sqlite3.Error:
        own = None
    if own is not None:
        yield "file", own
    if cli:
        recovered = _sqlite_recover(path, work, cli)
        if recovered is not None:
            yield "sqlite", recovered


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _move_aside(path: Path, stamp: str) -> Path:
    """Rename the damaged file (and its WAL files, with it) to NAME.damaged-STAMP."""
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{path}{suffix}")
        if extra.exists():
            os.replace(extra, Path(f"{aside}{suffix}"))
    return aside


def repair(
    path: Path, *, now: datetime | None = None, sqlite_cli: str | None = "auto"
) -> RepairResult:
    """Rebuild the database at `path` from what can be read; the damaged file stays beside it."""
    if not path.is_file():
        raise StoreError(f"no database at {path}: nothing to repair")
    cli = shutil.which("sqlite3") if sqlite_cli == "auto" else sqlite_cli
    stamp = _stamp(now or datetime.now(UTC))
    by_uuid: dict[str, tuple[int, LogEvent]] = {}
    settings: dict[str, str] = {}
    failed = 0
    used_sqlite = False
    with tempfile.TemporaryDirectory(prefix="quiz-repair-") as scratch:
        for source, conn in _sources(path, Path(scratch), cli):
            try:
                events, unreadable = read_rows(conn)
                for key, value in _read_settings(conn):
                    settings.setdefault(key, value)
            finally:
                conn.close()
            if source == "file":
                failed = unreadable
            added = 0
            for event in events:
                if event.uuid not in by_uuid:
                    by_uuid[event.uuid] = (event.id or 0, event)
                    added += 1
            used_sqlite = used_sqlite or (source == "sqlite" and added > 0)
    ordered = [event for _, event in sorted(by_uuid.values(), key=lambda pair: pair[0])]
    fresh = path.with_name(f"{path.name}.repairing-{stamp}")
    _write_new(fresh, ordered, settings)
    aside = _move_aside(path, stamp)
    os.replace(fresh, path)
    return RepairResult(
        rows=len(ordered),
        reviews=sum(1 for e in ordered if e.kind is Kind.REVIEW),
        unreadable=failed,
        settings=len(settings),
        damaged_copy=aside,
        recovered_by_sqlite=used_sqlite,
    )


def _write_new(fresh: Path, events: list[LogEvent], settings: dict[str, str]) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{fresh}{suffix}").unlink(missing_ok=True)
    store = Store.open(fresh)
    try:
        with store.write() as conn:
            store.append_missing(conn, events)
            conn.executemany(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", settings.items()
            )
        rebuild(store)
    finally:
        store.close()
