"""Review engine at scale: 100 000 cards and 1 000 000 reviews, measured against the targets.

    python bench/store_scale.py [--cards N] [--reviews M] [--db PATH] [--answers K]

Builds the collection once (real fsrs scheduling through quiz.srs.replay, written through the
Store), then measures in a fresh process, so peak memory is what a study session would use:
time to open (Store.open + Collection over the decks), today's queue (counts + next card),
answer latency p50/p99 (schedule + write), `quiz stats` (compute_stats), database size and
peak RSS. Prints each beside its target as a ratio (measured / target; <= 1.00 meets it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Rating

from quiz.deck.model import Card, CardType, Deck, Text
from quiz.outcome import Outcome
from quiz.srs.events import CardState, Kind, LogEvent, new_uuid
from quiz.srs.preset import Preset
from quiz.srs.replay import apply, schedule, scheduler_for
from quiz.srs.store import Store, card_to_row, event_to_row
from quiz.srs.timeutil import from_us, to_us

DECKS = 20
TARGETS = {"queue_ms": 100.0, "answer_p99_ms": 5.0, "stats_s": 1.0}
RATINGS = [Rating.Again] * 10 + [Rating.Hard] * 5 + [Rating.Good] * 80 + [Rating.Easy] * 5


def make_decks(cards: int) -> list[Deck]:
    per_deck = cards // DECKS
    decks = []
    for d in range(DECKS):
        deck_id = f"deck-{d:02d}"
        decks.append(
            Deck(
                id=deck_id,
                title=Text.plain(deck_id),
                cards=tuple(
                    Card(
                        id=f"card-{i:06d}",
                        type=CardType.FLIP,
                        prompt=Text.plain("p"),
                        deck_id=deck_id,
                        group=f"g{i // 3}" if i % 2 == 0 else None,
                        answer_text=Text.plain("a"),
                    )
                    for i in range(per_deck)
                ),
            )
        )
    return decks


def build(db: Path, cards: int, reviews: int, now: datetime) -> None:
    """Every card gets reviews/cards reviews at random past times over two years."""
    rng = random.Random(0)
    preset = Preset()
    plain = scheduler_for(preset, fuzz=False)
    fuzzed = scheduler_for(preset)
    per_card = reviews // cards
    span_us = int(timedelta(days=730).total_seconds() * 1_000_000)
    now_us = to_us(now)
    next_id = 1
    with Store.open(db) as store:
        conn = store.conn
        conn.execute("BEGIN IMMEDIATE")
        for deck in make_decks(cards):
            log_rows = []
            card_rows = []
            for card in deck.cards:
                state = CardState(key=card.key, deck_id=deck.id)
                times = sorted(now_us - rng.randrange(span_us) for _ in range(per_card))
                for at_us in times:
                    rating = rng.choice(RATINGS)
                    plan = schedule(state, rating, from_us(at_us), fuzzed, preset)
                    event = LogEvent(
                        uuid=new_uuid(),
                        kind=Kind.REVIEW,
                        time=at_us,
                        key=card.key,
                        deck_id=deck.id,
                        rating=int(rating),
                        proposed=int(rating),
                        outcome=Outcome.PASS.value if rating > 1 else Outcome.FAIL.value,
                        answer_text="['b', 'w']",
                        duration_ms=rng.randrange(2_000, 30_000),
                        instance="{}",
                        due=plan.due,
                        state_before=int(plan.state_before),
                        interval_before=plan.interval_before,
                        leech=int(plan.leech),
                        id=next_id,
                    )
                    next_id += 1
                    state = apply(state, event, plain)
                    log_rows.append((event.id, *event_to_row(event)))
                card_rows.append(card_to_row(state))
            conn.executemany(
                "INSERT INTO log (id, uuid, kind, time, key, deck_id, rating, proposed, outcome, "
                "answer_text, duration_ms, instance, due, state_before, interval_before, leech, "
                "target, value) VALUES (" + ",".join("?" * 18) + ")",
                log_rows,
            )
            conn.executemany("INSERT INTO cards VALUES (" + ",".join("?" * 15) + ")", card_rows)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def measure(db: Path, cards: int, answers: int) -> dict[str, float]:
    from quiz.srs.collection import Collection
    from quiz.srs.stats import compute_stats

    decks = make_decks(cards)
    started = time.perf_counter()
    store = Store.open(db)
    col = Collection(store, decks)
    open_s = time.perf_counter() - started

    queue_times = []
    for _ in range(5):
        started = time.perf_counter()
        col.counts()
        col.next_card()
        queue_times.append(time.perf_counter() - started)

    latencies = []
    rng = random.Random(1)
    for _ in range(answers):
        card = col.next_card()
        if card is None:
            break
        started = time.perf_counter()
        col.answer(
            card.key,
            rng.choice(RATINGS),
            proposed=Rating.Good,
            outcome=Outcome.PASS,
            answer_text="x",
            duration_ms=5000,
            instance={},
        )
        latencies.append(time.perf_counter() - started)
    latencies.sort()

    stats_times = []
    for _ in range(3):
        started = time.perf_counter()
        compute_stats(store, decks=decks)
        stats_times.append(time.perf_counter() - started)
    store.close()
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
    return {
        "open_s": open_s,
        "queue_ms": _ms(statistics.median(queue_times)),
        "answer_p50_ms": _ms(latencies[len(latencies) // 2]),
        "answer_p99_ms": _ms(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]),
        "answers": len(latencies),
        "stats_s": statistics.median(stats_times),
        "db_mb": size / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--db", type=Path, help="reuse (or build) this database")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.db, args.cards, args.answers)))
        return 0
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory()
        args.db = Path(tmp.name) / "quiz.db"
    if not args.db.exists():
        started = time.perf_counter()
        build(args.db, args.cards, args.reviews, datetime.now(UTC))
        print(
            f"built {args.cards} cards / {args.reviews} reviews in "
            f"{time.perf_counter() - started:.1f} s"
        )
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure-only",
            "--db",
            str(args.db),
            "--cards",
            str(args.cards),
            "--answers",
            str(args.answers),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    result = json.loads(done.stdout)
    rows = [
        ("open (Store.open + Collection)", f"{result['open_s'] * 1000:.0f} ms", "", ""),
        (
            "today's queue (counts + next)",
            f"{result['queue_ms']:.1f} ms",
            "<= 100 ms",
            f"{result['queue_ms'] / TARGETS['queue_ms']:.2f}",
        ),
        ("answer p50", f"{result['answer_p50_ms']:.2f} ms", "", ""),
        (
            "answer p99",
            f"{result['answer_p99_ms']:.2f} ms",
            "<= 5 ms",
            f"{result['answer_p99_ms'] / TARGETS['answer_p99_ms']:.2f}",
        ),
        (
            "quiz stats (compute_stats)",
            f"{result['stats_s'] * 1000:.0f} ms",
            "<= 1000 ms",
            f"{result['stats_s'] / TARGETS['stats_s']:.2f}",
        ),
        ("database size", f"{result['db_mb']:.0f} MB", "", ""),
        ("peak memory (measuring process)", f"{result['peak_rss_mb']:.0f} MB", "", ""),
    ]
    print(f"{args.cards} cards, {args.reviews} reviews, {result['answers']} answers timed")
    print(f"{'':34}{'measured':>12}  {'target':>10}  {'ratio':>6}")
    for name, value, target, ratio in rows:
        print(f"{name:34}{value:>12}  {target:>10}  {ratio:>6}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
