"""The database schema and its migrations, versioned by `PRAGMA user_version`.

`MIGRATIONS[n]` turns a version-n database into version n+1; version 0 is an empty file.
Append a function for every schema change and never edit an old one: a learner's database may
be any earlier version. Each migration runs in its own transaction together with the
user_version bump, so a crash mid-migration leaves the previous version intact.

The `log` table is the source of truth (append-only). `cards` is a cache of each card's state,
rebuilt from `log` by `quiz.srs.maintenance.rebuild`. `settings` holds presets and options.
Instants are integer microseconds since the epoch, UTC.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_V1 = """
CREATE TABLE log (
    id INTEGER PRIMARY KEY,          -- arrival order: ties in `time` replay in this order
    uuid TEXT NOT NULL UNIQUE,       -- stable across export/import: import never duplicates
    kind TEXT NOT NULL,              -- review | undo | suspend | unsuspend | bury | reset | flag
    time INTEGER NOT NULL,
    key TEXT NOT NULL,               -- deck-id/card-id
    deck_id TEXT NOT NULL,
    rating INTEGER,                  -- review: the final grade (fsrs.Rating)
    proposed INTEGER,                -- review: the grade the checker proposed, if any
    outcome TEXT,                    -- review: quiz.outcome.Outcome value
    answer_text TEXT,
    duration_ms INTEGER,
    instance TEXT,                   -- review: the `vary` bindings, JSON
    due INTEGER,                     -- review: the due it scheduled (with fuzz, as shown)
    state_before INTEGER,            -- review: 0 new, 1 learning, 2 review, 3 relearning
    interval_before REAL,            -- review: days between the previous review and its due
    leech INTEGER,                   -- review: 0, or 1 tagged leech, 2 tagged and suspended
    target TEXT,                     -- undo: uuid of the review it undoes
    value INTEGER                    -- flag: the flag
);
CREATE INDEX log_key_time ON log(key, time);
CREATE INDEX log_time ON log(time);
CREATE INDEX log_target ON log(target) WHERE target IS NOT NULL;

CREATE TABLE cards (
    key TEXT PRIMARY KEY,
    deck_id TEXT NOT NULL,
    state INTEGER NOT NULL,          -- 0 new, 1 learning, 2 review, 3 relearning
    step INTEGER,
    stability REAL,
    difficulty REAL,
    due INTEGER,
    last_review INTEGER,
    reps INTEGER NOT NULL,
    lapses INTEGER NOT NULL,
    suspended INTEGER NOT NULL,
    buried_at INTEGER,
    leech INTEGER NOT NULL,
    flag INTEGER NOT NULL,
    log_id INTEGER NOT NULL          -- the last log row folded into this state
) WITHOUT ROWID;
CREATE INDEX cards_state_due ON cards(state, due);
CREATE INDEX cards_deck ON cards(deck_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL              -- JSON
) WITHOUT ROWID;
"""


def _run(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it would commit, and a migration must share one transaction with
    # its user_version bump. Statements are split on ";", so comments must not contain one.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _to_v1(conn: sqlite3.Connection) -> None:
    _run(conn, _V1)


# v2: statistics over a million reviews read this index alone (time ranges per study day,
# retention by state and grade) instead of visiting every log row.
_V2 = """
CREATE INDEX log_reviews ON log(time, state_before, rating, interval_before, duration_ms)
    WHERE kind = 'review'
"""


def _to_v2(conn: sqlite3.Connection) -> None:
    _run(conn, _V2)


# v3: measured at 100 000 cards / 1 000 000 reviews (bench/store_scale.py).
# - The queue reads each deck's due cards in due order from one covering index range.
# - True retention counts entries of an index ordered by its four classes (young/mature x
#   pass/fail) instead of evaluating every review row; per-day counts need only `time`.
_V3 = """
DROP INDEX cards_state_due;
DROP INDEX cards_deck;
CREATE INDEX cards_queue ON cards(state, due, suspended, buried_at);
CREATE INDEX cards_deck_queue ON cards(deck_id, state, due, suspended, buried_at);
CREATE INDEX cards_leech ON cards(key) WHERE leech != 0;
DROP INDEX log_reviews;
CREATE INDEX log_review_time ON log(time) WHERE kind = 'review';
CREATE INDEX log_retention
    ON log(state_before, (rating > 1), (coalesce(interval_before, 0) >= 21), time)
    WHERE kind = 'review'
"""


def _to_v3(conn: sqlite3.Connection) -> None:
    _run(conn, _V3)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_to_v1, _to_v2, _to_v3]
SCHEMA_VERSION = len(MIGRATIONS)
