"""Proving whole decks: every card through the sandbox, concurrently, served from the cache
when unchanged, reported card by card as results arrive.

The Runner is made lazily, so a fully cached check never starts a sandbox pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from quiz.deck.cache import CheckCache
from quiz.deck.model import Card, Deck, SourcePos
from quiz.deck.requires import installed_version, unmet
from quiz.deck.verify import CardCheck, unproven, verify_card
from quiz.errors import QuizError
from quiz.sandbox.protocol import Runner, RunRequest, RunResult

Status = Literal["pass", "fail", "skip"]


@dataclass(frozen=True)
class CardReport:
    """One line of `quiz check` (and one JSON object with --json)."""

    deck: str
    card: str
    status: Status
    message: str
    file: str
    line: int
    duration_ms: float
    col: int = 1
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "card": self.card,
            "status": self.status,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "duration_ms": round(self.duration_ms, 1),
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.deck}/{self.card}: {self.message}"


class LimitedRunner:
    """A Runner that lets at most as many runs in flight as the real one serves at once.

    `make` builds the real runner and says its size; it is called on first use only, so a check
    served wholly from the cache starts no sandbox.
    """

    def __init__(self, make: Callable[[], tuple[Runner, int]]) -> None:
        self._make = make
        self._runner: Runner | None = None
        self._slots: asyncio.Semaphore | None = None

    @property
    def started(self) -> bool:
        return self._runner is not None

    def _get(self) -> tuple[Runner, asyncio.Semaphore]:
        if self._runner is None or self._slots is None:
            runner, size = self._make()
            self._runner, self._slots = runner, asyncio.Semaphore(max(1, size))
        return self._runner, self._slots

    def run(self, request: RunRequest) -> RunResult:
        return self._get()[0].run(request)

    async def arun(self, request: RunRequest) -> RunResult:
        runner, slots = self._get()
        async with slots:
            return await runner.arun(request)


def _report(
    deck: Deck,
    card: Card,
    status: Status,
    message: str,
    ms: float,
    cached: bool = False,
    at: SourcePos | None = None,
) -> CardReport:
    pos = at or card.pos or SourcePos(deck.path, 1, 1)
    return CardReport(deck.id, card.id, status, message, pos.file, pos.line, ms, pos.col, cached)


def _indented(pos: SourcePos) -> SourcePos:
    """`pos` with the column of its line's first character, read from the deck file when it
    is there (the loader only estimates a block scalar's indentation)."""
    try:
        with open(pos.file, encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                if number == pos.line:
                    stripped = text.lstrip(" ")
                    if stripped.strip():
                        return SourcePos(pos.file, pos.line, len(text) - len(stripped) + 1)
                    break
    except (OSError, UnicodeDecodeError):
        pass
    return pos


def _verdict(deck: Deck, card: Card, checks: list[CardCheck], ms: float) -> CardReport:
    failed = [c for c in checks if not c.ok]
    if not failed:
        count = len(checks)
        message = checks[0].message if count == 1 else f"proven ({count} vary instances)"
        return _report(deck, card, "pass", message, ms)
    shown = "; ".join(str(c) for c in failed[:3])
    more = f" (and {len(failed) - 3} more instances)" if len(failed) > 3 else ""
    at = failed[0].pos
    return _report(deck, card, "fail", shown + more, ms, at=_indented(at) if at else None)


async def check_card(
    deck: Deck,
    card: Card,
    runner: Runner,
    cache: CheckCache | None,
    versions: dict[str, str | None],
    *,
    strict: bool = False,
) -> CardReport:
    reasons = unmet(dict(deck.requires), versions) + unmet(dict(card.requires), versions)
    if reasons:
        return _report(deck, card, "skip", "skipped: " + "; ".join(reasons), 0.0)
    # Static, so before the cache: a pass cached without --strict is no strict pass.
    why = unproven(card) if strict else None
    if why is not None:
        return _report(deck, card, "fail", why, 0.0)
    key = cache.key(deck, card) if cache is not None else ""
    stored = cache.get(key) if cache is not None else None
    if stored is not None:
        return _report(deck, card, "pass", str(stored.get("message", "proven")), 0.0, cached=True)
    start = time.perf_counter()
    try:
        checks = await verify_card(deck, card, runner)
    except QuizError:
        raise  # no sandbox at all: one clear error, not a failure per card
    except Exception as exc:  # a sandbox fault must not hide the other cards' results
        elapsed = (time.perf_counter() - start) * 1000
        return _report(deck, card, "fail", f"could not run: {type(exc).__name__}: {exc}", elapsed)
    report = _verdict(deck, card, checks, (time.perf_counter() - start) * 1000)
    if cache is not None and report.status == "pass":
        cache.put(key, report.message, report.duration_ms)
    return report


async def check_decks(
    decks: Sequence[Deck],
    runner: Runner,
    *,
    cache: CheckCache | None,
    on_report: Callable[[CardReport], None] = lambda _: None,
    concurrency: int = 8,
    strict: bool = False,
) -> list[CardReport]:
    """Check every card of every deck; reports come back in deck order, and `on_report` sees
    each as it finishes. `concurrency` bounds the cards in progress (the runner bounds runs).
    `strict` also fails each card whose answer nothing runs (`verify.unproven`)."""
    versions = {"torch": installed_version("torch")}
    cards = [(deck, card) for deck in decks for card in deck.cards]
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(deck: Deck, card: Card) -> CardReport:
        async with gate:
            report = await check_card(deck, card, runner, cache, versions, strict=strict)
        on_report(report)
        return report

    try:
        return list(await asyncio.gather(*(one(deck, card) for deck, card in cards)))
    finally:
        if cache is not None:
            cache.save()
