"""Processes that answer cards, for the crash-safety and two-process tests (run with -m).

`python -m tests.srs.answering crash DB ROUNDS OUT`: fork ROUNDS children that answer until
SIGKILLed at a random moment; write every acknowledged review uuid (one the child printed after
`answer` returned) to OUT. `python -m tests.srs.answering answer DB N SEED`: answer N times and
print each uuid.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path

from fsrs import Rating

from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.store import Store
from tests.srs.conftest import make_deck

DECK = make_deck("d", 40, groups={0: "g", 1: "g"})
MAX_ROUND_SECONDS = 0.05


def _answer_loop(db: Path, seed: int, count: int | None, ack_fd: int) -> None:
    rng = random.Random(seed)
    store = Store.open(db)
    col = Collection(store, [DECK])
    done = 0
    while count is None or done < count:
        key = rng.choice(DECK.cards).key
        if rng.random() < 0.1:
            col.undo()
            continue
        uuid = col.answer(
            key,
            rng.choice(list(Rating)),
            proposed=None,
            outcome=Outcome.SELF_GRADED,
            answer_text="x" * rng.randrange(200),
            duration_ms=rng.randrange(1, 10_000),
            instance={"seed": seed},
        )
        os.write(ack_fd, f"{uuid}\n".encode())
        done += 1
    store.close()


def crash(db: Path, rounds: int, out: Path) -> None:
    acknowledged: list[str] = []
    rng = random.Random(0)
    for round_ in range(rounds):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer until killed
            os.close(read_fd)
            try:
                _answer_loop(db, round_, None, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        time.sleep(rng.uniform(0.0, MAX_ROUND_SECONDS))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        data = b""
        while chunk := os.read(read_fd, 65536):
            data += chunk
        os.close(read_fd)
        # A line cut short by the kill was never acknowledged.
        lines = data.decode().split("\n")
        acknowledged.extend(line for line in lines[:-1] if line)
    out.write_text("\n".join(acknowledged))


def main(argv: list[str]) -> int:
    mode, db = argv[0], Path(argv[1])
    if mode == "crash":
        crash(db, int(argv[2]), Path(argv[3]))
    elif mode == "answer":
        _answer_loop(db, int(argv[3]), int(argv[2]), sys.stdout.fileno())
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
