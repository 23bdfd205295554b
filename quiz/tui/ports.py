"""The shapes the TUI needs from the core, as Protocols: the real parts and test fakes both fit.

The TUI never names the concrete classes of the review engine or the judge at import time, so the
app starts fast and tests can hand in fakes with the same shape.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fsrs import Rating

from quiz.deck.model import Card, Deck
from quiz.outcome import Outcome

if TYPE_CHECKING:
    # Annotations only: the participant app (quiz join) reuses the answer widgets and must not
    # import the sandbox package at all.
    from quiz.sandbox.protocol import RunResult
    from quiz.srs.preset import Presets
    from quiz.srs.stats import Stats

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Response:
    """What the learner gave, before judging: text (predict, code), choices, or cloze fills."""

    text: str | None = None
    choices: tuple[int, ...] | None = None
    fills: tuple[str, ...] | None = None

    def as_log_text(self) -> str:
        """The answer as the review log keeps it."""
        if self.choices is not None:
            return ", ".join(str(i + 1) for i in self.choices)
        if self.fills is not None:
            return " | ".join(self.fills)
        return self.text or ""


class JudgementLike(Protocol):
    @property
    def outcome(self) -> Outcome: ...
    @property
    def truth(self) -> str | None: ...
    @property
    def given(self) -> str | None: ...
    @property
    def run(self) -> RunResult | None: ...
    @property
    def detail(self) -> str | None: ...


class QueueCountsLike(Protocol):
    @property
    def new(self) -> int: ...
    @property
    def learn(self) -> int: ...
    @property
    def due(self) -> int: ...


class CardInfoLike(Protocol):
    """One card's scheduling state, as Browse shows it."""

    @property
    def state(self) -> str: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def stability(self) -> float | None: ...
    @property
    def lapses(self) -> int: ...
    @property
    def suspended(self) -> bool: ...
    @property
    def buried(self) -> bool: ...
    @property
    def leech(self) -> bool: ...
    @property
    def flag(self) -> int: ...


class ReviewRowLike(Protocol):
    @property
    def reviewed_at(self) -> datetime: ...
    @property
    def rating(self) -> Rating: ...
    @property
    def proposed(self) -> Rating | None: ...
    @property
    def outcome(self) -> Outcome: ...
    @property
    def answer_text(self) -> str: ...
    @property
    def duration_ms(self) -> int: ...


class CollectionLike(Protocol):
    """The review engine (`quiz.srs.collection.Collection`) as the TUI uses it."""

    def counts(self, deck_id: str | None = None) -> QueueCountsLike: ...
    def next_card(self, deck_id: str | None = None) -> Card | None: ...
    def intervals(self, card_key: str) -> dict[Rating, timedelta]: ...
    def propose(
        self, card_key: str, outcome: Outcome, duration_ms: int, used_hint: bool, retried: bool
    ) -> Rating: ...
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
    ) -> object: ...
    def undo(self) -> str | None: ...
    def bury(self, card_key: str) -> None: ...
    def suspend(self, card_key: str) -> None: ...
    def unsuspend(self, card_key: str) -> None: ...
    def reset(self, card_key: str) -> None: ...
    def flag(self, card_key: str, flag: int) -> None: ...
    def info(self, card_key: str) -> CardInfoLike: ...
    def history(self, card_key: str) -> Sequence[ReviewRowLike]: ...
    def study_seconds_today(self) -> float: ...
    def next_due_at(self) -> datetime | None: ...
    def cram(self, deck_id: str | None = None, tag: str | None = None) -> list[Card]: ...


class DeckLoadLike(Protocol):
    @property
    def path(self) -> Path: ...
    @property
    def problems(self) -> Sequence[object]: ...


class LibraryLike(Protocol):
    @property
    def decks(self) -> Sequence[Deck]: ...
    @property
    def failures(self) -> Sequence[DeckLoadLike]: ...


class Checker(Protocol):
    """Judges answers and runs code: the sandbox plus the deck judge, or a fake."""

    @property
    def ready(self) -> bool:
        """False while the sandbox is still importing torch."""
        ...

    def start(self) -> None: ...
    def pick(self, card: Card, rng: random.Random) -> Card: ...
    async def judge(self, deck: Deck, card: Card, response: Response) -> JudgementLike: ...
    async def try_code(self, deck: Deck, card: Card, source: str) -> RunResult: ...


class Engine(Protocol):
    """The review engine as a whole: the store, seen through collections, stats and presets."""

    def collection(self, decks: Sequence[Deck]) -> CollectionLike: ...
    def stats(self, decks: Sequence[Deck]) -> Stats: ...
    def presets(self) -> Presets: ...
    def read_only_reason(self) -> str | None:
        """Why reviews cannot be saved (the folder is read-only...), or None when they can."""
        ...

    def save_preset(self, deck_id: str | None, overrides: Mapping[str, Any]) -> None:
        """Store a preset's overrides: a deck's own (deck_id) or the default one (None)."""
        ...
