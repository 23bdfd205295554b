"""Fakes with the shapes of the core seams (docs/internals.md), for fast deterministic TUI tests."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fsrs import Rating

from quiz.deck.model import Card, Deck, SourcePos
from quiz.outcome import Outcome
from quiz.sandbox.protocol import RunRequest, RunResult, RunStatus
from quiz.srs.preset import Presets
from quiz.srs.stats import Retention, StateCounts, Stats, Today
from quiz.tui.ports import Response

T0 = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


class FrozenClock:
    """Time stands still unless a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass(frozen=True)
class FakeProblem:
    pos: SourcePos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


@dataclass(frozen=True)
class FakeDeckLoad:
    path: Path
    problems: list[FakeProblem]
    deck: Deck | None = None


@dataclass(frozen=True)
class FakeLibrary:
    decks: list[Deck]
    failures: list[FakeDeckLoad] = field(default_factory=list)


@dataclass(frozen=True)
class Counts:
    new: int
    learn: int
    due: int


@dataclass(frozen=True)
class Info:
    key: str
    state: str = "new"
    due: datetime | None = None
    stability: float | None = None
    lapses: int = 0
    suspended: bool = False
    leech: bool = False
    flag: int = 0
    buried: bool = False


@dataclass(frozen=True)
class Row:
    reviewed_at: datetime
    rating: Rating
    proposed: Rating | None
    outcome: Outcome
    answer_text: str
    duration_ms: int


@dataclass
class Answered:
    key: str
    rating: Rating
    proposed: Rating | None
    outcome: Outcome
    answer_text: str
    duration_ms: int
    instance: dict[str, Any]


INTERVALS = {
    Rating.Again: timedelta(minutes=1),
    Rating.Hard: timedelta(minutes=6),
    Rating.Good: timedelta(minutes=10),
    Rating.Easy: timedelta(days=3),
}


class FakeCollection:
    """An in-memory queue: every card is new and due once, in deck order."""

    def __init__(self, decks: Sequence[Deck], clock: Callable[[], datetime]) -> None:
        self.decks = list(decks)
        self.clock = clock
        self.queue = [card.key for deck in decks for card in deck.cards]
        self.cards = {card.key: card for deck in decks for card in deck.cards}
        self.answers: list[Answered] = []
        self.buried: list[str] = []
        self.suspended: set[str] = set()
        self.flags: dict[str, int] = {}
        self.resets: list[str] = []
        self.proposals: list[tuple[str, Outcome, bool, bool]] = []
        self.seconds_today = 754.0

    def rebuild(self, decks: Sequence[Deck]) -> None:
        """After a deck reload: the same log, the new deck contents."""
        self.decks = list(decks)
        self.cards = {card.key: card for deck in decks for card in deck.cards}

    def _keys(self, deck_id: str | None) -> list[str]:
        return [k for k in self.queue if deck_id is None or k.startswith(f"{deck_id}/")]

    def counts(self, deck_id: str | None = None) -> Counts:
        return Counts(new=len(self._keys(deck_id)), learn=0, due=0)

    def next_card(self, deck_id: str | None = None) -> Card | None:
        keys = self._keys(deck_id)
        return self.cards[keys[0]] if keys else None

    def intervals(self, card_key: str) -> dict[Rating, timedelta]:
        return dict(INTERVALS)

    def propose(
        self, card_key: str, outcome: Outcome, duration_ms: int, used_hint: bool, retried: bool
    ) -> Rating:
        self.proposals.append((card_key, outcome, used_hint, retried))
        if outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.TIMEOUT):
            return Rating.Again
        if used_hint or retried:
            return Rating.Hard
        return Rating.Good

    def answer(
        self,
        card_key: str,
        rating: Rating,
        *,
        proposed: Rating | None,
        outcome: Outcome,
        answer_text: str,
        duration_ms: int,
        instance: Mapping[str, Any],
    ) -> None:
        self.answers.append(
            Answered(card_key, rating, proposed, outcome, answer_text, duration_ms, dict(instance))
        )
        self.queue.remove(card_key)

    def undo(self) -> str | None:
        if not self.answers:
            return None
        last = self.answers.pop()
        self.queue.insert(0, last.key)
        return last.key

    def bury(self, card_key: str) -> None:
        self.buried.append(card_key)
        self.queue.remove(card_key)

    def suspend(self, card_key: str) -> None:
        self.suspended.add(card_key)
        if card_key in self.queue:
            self.queue.remove(card_key)

    def unsuspend(self, card_key: str) -> None:
        self.suspended.discard(card_key)

    def reset(self, card_key: str) -> None:
        self.resets.append(card_key)

    def flag(self, card_key: str, flag: int) -> None:
        self.flags[card_key] = flag

    def info(self, card_key: str) -> Info:
        answered = [a for a in self.answers if a.key == card_key]
        return Info(
            key=card_key,
            state="review" if answered else "new",
            due=self.clock() + timedelta(days=3) if answered else None,
            stability=3.2 if answered else None,
            suspended=card_key in self.suspended,
            buried=card_key in self.buried,
            flag=self.flags.get(card_key, 0),
        )

    def history(self, card_key: str) -> list[Row]:
        return [
            Row(self.clock(), a.rating, a.proposed, a.outcome, a.answer_text, a.duration_ms)
            for a in self.answers
            if a.key == card_key
        ]

    def study_seconds_today(self) -> float:
        return self.seconds_today

    def next_due_at(self) -> datetime | None:
        return self.clock() + timedelta(minutes=10) if self.answers else None

    def cram(self, deck_id: str | None = None, tag: str | None = None) -> list[Card]:
        return [
            card
            for card in self.cards.values()
            if (deck_id is None or card.deck_id == deck_id) and (tag is None or tag in card.tags)
        ]


def sample_stats(now: datetime = T0) -> Stats:
    """A month of made-up but plausible history, for the stats screen."""
    per_day = [0] * 365
    for back in range(40):
        per_day[-1 - back] = (back * 7) % 23 + (5 if back % 6 else 0)
    retention = [
        Retention(period, 40, 6, 120, 9)
        for period in ("today", "yesterday", "week", "month", "year", "all")
    ]
    return Stats(
        generated_at=now,
        today_date=now.date(),
        today=Today(cards=14, reviews=17, seconds=754.0, again=3),
        forecast=[(i * 5) % 17 + 2 for i in range(30)],
        reviews_per_day=per_day,
        retention=retention,
        states=StateCounts(new=120, learning=4, review=60, relearning=2, suspended=1, leech=1),
        streak=6,
        total_reviews=sum(per_day),
    )


class FakeEngine:
    """Collections over an in-memory log that survives deck reloads; canned stats; presets."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.current: FakeCollection | None = None
        self.stored = Presets()
        self.saved: list[tuple[str | None, dict[str, Any]]] = []
        self.read_only: str | None = None  # a reason, to play a store that cannot be written

    def read_only_reason(self) -> str | None:
        return self.read_only

    def collection(self, decks: Sequence[Deck]) -> FakeCollection:
        if self.current is None:
            self.current = FakeCollection(decks, self.clock)
        else:
            self.current.rebuild(decks)
        return self.current

    def stats(self, decks: Sequence[Deck]) -> Stats:
        return sample_stats(self.clock())

    def presets(self) -> Presets:
        return self.stored

    def save_preset(self, deck_id: str | None, overrides: Mapping[str, Any]) -> None:
        self.saved.append((deck_id, dict(overrides)))
        if deck_id is None:
            self.stored = Presets(default=dict(overrides), decks=self.stored.decks)
        else:
            self.stored = Presets(
                default=self.stored.default, decks={**self.stored.decks, deck_id: dict(overrides)}
            )


@dataclass(frozen=True)
class Judged:
    outcome: Outcome
    truth: str | None = None
    given: str | None = None
    run: RunResult | None = None
    detail: str | None = None


class FakeChecker:
    """Canned judgements per card key (the last one repeats); records what it was asked."""

    def __init__(self, verdicts: dict[str, list[Judged]] | None = None) -> None:
        self.verdicts = verdicts or {}
        self.ready = True
        self.started = False
        self.asked: list[tuple[str, Response]] = []
        self.runs: list[tuple[str, str]] = []
        self.gate: asyncio.Event | None = None  # set to hold checks until a test releases them
        self.run_result = RunResult(status=RunStatus.OK, stdout="hello\n", duration_ms=12.0)

    def start(self) -> None:
        self.started = True

    def pick(self, card: Card, rng: random.Random) -> Card:
        return card

    async def judge(self, deck: Deck, card: Card, response: Response) -> Judged:
        self.asked.append((card.key, response))
        if self.gate is not None:
            await self.gate.wait()
        canned = self.verdicts.get(card.key) or [Judged(Outcome.PASS)]
        return canned.pop(0) if len(canned) > 1 else canned[0]

    async def try_code(self, deck: Deck, card: Card, source: str) -> RunResult:
        self.runs.append((card.key, source))
        return self.run_result


class FakeRunner:
    """A sandbox that answers every request with the next canned result (the last repeats)."""

    def __init__(self, *results: RunResult) -> None:
        self.results = list(results) or [RunResult(status=RunStatus.OK)]
        self.requests: list[RunRequest] = []
        self.ready = True

    def run(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]

    async def arun(self, request: RunRequest) -> RunResult:
        return self.run(request)
