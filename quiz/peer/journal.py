"""A peer session's durable state: the plan, the seats, every answer and result, the phase.

One SQLite file per host (`peer-session.db` beside the store). Answers and seats are written in
group commits: each is on disk (synchronous=FULL) before `record_answer` / `add_seat` returns,
so the hub acknowledges only what a crash cannot lose, while 300 answers cost a few fsyncs.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quiz.paths import locations

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seats (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
    first_question INTEGER NOT NULL, kicked INTEGER NOT NULL DEFAULT 0, lang TEXT);
CREATE TABLE IF NOT EXISTS answers (
    question INTEGER NOT NULL, seat INTEGER NOT NULL, answer TEXT NOT NULL,
    elapsed REAL NOT NULL, PRIMARY KEY (question, seat));
CREATE TABLE IF NOT EXISTS results (
    question INTEGER NOT NULL, seat INTEGER NOT NULL, result TEXT,
    correct INTEGER NOT NULL, points INTEGER NOT NULL, elapsed REAL NOT NULL,
    PRIMARY KEY (question, seat));
"""


def session_path() -> Path:
    return locations().database.with_name("peer-session.db")


@dataclass(frozen=True)
class SeatRow:
    id: int
    name: str
    token: str
    first_question: int
    kicked: bool
    lang: str | None = None


@dataclass(frozen=True)
class ResultRow:
    question: int
    seat: int
    result: dict[str, Any] | None
    correct: bool
    points: int
    elapsed: float


class Journal:
    def __init__(self, path: Path, *, fresh: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            for leftover in (path, path.with_name(path.name + "-wal")):
                leftover.unlink(missing_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        path.chmod(0o600)
        self._pending: list[tuple[tuple[str, tuple[Any, ...]], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(sql, params)

    # -- meta: the plan, the phase, the question --------------------------------------------

    def set_meta(self, **values: Any) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            for key, value in values.items():
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value))
                )
            self._db.execute("COMMIT")

    def meta(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        return {key: json.loads(value) for key, value in rows}

    # -- seats ------------------------------------------------------------------------------

    async def add_seat(self, seat: SeatRow) -> None:
        """Committed before it returns: a token handed out survives a crash of the host."""
        await self._commit(
            "INSERT INTO seats VALUES (?, ?, ?, ?, ?, ?)",
            (seat.id, seat.name, seat.token, seat.first_question, int(seat.kicked), seat.lang),
        )

    def kick(self, seat_id: int) -> None:
        self._write("UPDATE seats SET kicked = 1 WHERE id = ?", (seat_id,))

    def seats(self) -> list[SeatRow]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM seats ORDER BY id").fetchall()
        return [SeatRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    # -- answers: committed in groups before the ack ----------------------------------------

    async def record_answer(
        self, question: int, seat: int, answer: dict[str, Any], elapsed: float
    ) -> None:
        await self._commit(
            "INSERT OR IGNORE INTO answers VALUES (?, ?, ?, ?)",
            (question, seat, json.dumps(answer), elapsed),
        )

    async def _commit(self, sql: str, params: tuple[Any, ...]) -> None:
        """Run `sql` in the next group commit and return once that commit is on disk."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(((sql, params), done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await asyncio.to_thread(self._write_group, [statement for statement, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    def _write_group(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                for sql, params in statements:
                    self._db.execute(sql, params)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def answers(self, question: int) -> list[tuple[int, dict[str, Any], float]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seat, answer, elapsed FROM answers WHERE question = ?", (question,)
            ).fetchall()
        return [(seat, json.loads(answer), elapsed) for seat, answer, elapsed in rows]

    # -- results: written together at each reveal -------------------------------------------

    def add_results(self, rows: list[ResultRow], **meta: Any) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.question,
                        r.seat,
                        json.dumps(r.result) if r.result is not None else None,
                        int(r.correct),
                        r.points,
                        r.elapsed,
                    )
                    for r in rows
                ],
            )
            for key, value in meta.items():
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value))
                )
            self._db.execute("COMMIT")

    def results(self) -> list[ResultRow]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM results ORDER BY question, seat").fetchall()
        return [
            ResultRow(r[0], r[1], json.loads(r[2]) if r[2] else None, bool(r[3]), r[4], r[5])
            for r in rows
        ]
