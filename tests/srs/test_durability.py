"""Crash safety and concurrency: killed writers and parallel writers lose no acknowledged review."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from quiz.srs.maintenance import rebuild
from quiz.srs.store import Store

REPO = Path(__file__).resolve().parents[2]
CRASH_ROUNDS = 300


def _run(*args: str, timeout: float) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.srs.answering", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return done.stdout


def _check_log(db: Path, acknowledged: list[str]) -> int:
    with Store.open(db) as store:
        conn = store.conn
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.execute("CREATE TEMP TABLE acked (uuid TEXT)")
        conn.executemany("INSERT INTO acked VALUES (?)", [(u,) for u in acknowledged])
        counts = conn.execute(
            "SELECT a.uuid, count(l.uuid) FROM acked a LEFT JOIN log l ON l.uuid = a.uuid "
            "GROUP BY a.uuid"
        ).fetchall()
        assert len(counts) == len(set(acknowledged)) == len(acknowledged)
        assert all(n == 1 for _, n in counts), [u for u, n in counts if n != 1][:5]
        # The cache was committed with its log rows: rebuilding changes nothing.
        before = conn.execute("SELECT * FROM cards ORDER BY key").fetchall()
        rebuild(store)
        assert conn.execute("SELECT * FROM cards ORDER BY key").fetchall() == before
        return int(conn.execute("SELECT count(*) FROM log WHERE kind='review'").fetchone()[0])


def test_sigkill_mid_answer_loses_no_acknowledged_review(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    Store.open(db).close()
    out = tmp_path / "acked.txt"
    _run("crash", str(db), str(CRASH_ROUNDS), str(out), timeout=120)
    acknowledged = [u for u in out.read_text().split("\n") if u]
    assert len(acknowledged) > CRASH_ROUNDS  # the children got well into answering
    reviews = _check_log(db, acknowledged)
    assert reviews >= len(acknowledged)


def test_two_processes_answering_one_database_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    Store.open(db).close()
    n = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.srs.answering", "answer", str(db), str(n), str(seed)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    outputs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        outputs.append([u for u in stdout.split("\n") if u])
    acknowledged = outputs[0] + outputs[1]
    assert len(acknowledged) == 2 * n
    assert _check_log(db, acknowledged) == 2 * n


def test_threads_sharing_one_collection_lose_nothing(tmp_path: Path) -> None:
    import random
    import threading

    from fsrs import Rating

    from quiz.outcome import Outcome
    from quiz.srs.collection import Collection
    from tests.srs.answering import DECK

    store = Store.open(tmp_path / "quiz.db")
    col = Collection(store, [DECK])
    acknowledged: list[str] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(100):
            card = col.next_card() or rng.choice(DECK.cards)
            uuid = col.answer(
                card.key,
                rng.choice(list(Rating)),
                proposed=None,
                outcome=Outcome.SELF_GRADED,
                answer_text="",
                duration_ms=1,
                instance={},
            )
            acknowledged.append(uuid)

    # Daemon threads: a deadlock fails this test instead of hanging the interpreter's exit.
    threads = [threading.Thread(target=work, args=(seed,), daemon=True) for seed in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "threads deadlocked on the collection"
    store.close()
    assert len(acknowledged) == 300
    assert _check_log(tmp_path / "quiz.db", acknowledged) == 300
