"""The real Checker: the deck judge running answers in the sandbox pool.

The judge, `vary` and the pool are imported on first use, so the first screen paints before any of
them load, and the pool is only created when the app asks for it after that screen is up.
"""

from __future__ import annotations

import random

from quiz.deck.model import Card, Deck
from quiz.sandbox.protocol import Runner, RunResult
from quiz.tui.ports import JudgementLike, Response


class SandboxChecker:
    """Judges with `quiz.deck.judge` on a runner: the shared pool, or one handed in (tests)."""

    def __init__(self, runner: Runner | None = None) -> None:
        self._runner = runner

    def _pool(self) -> Runner:
        if self._runner is None:
            from quiz.sandbox.pool import shared_pool

            self._runner = shared_pool()
        return self._runner

    def start(self) -> None:
        runner = self._pool()
        # A runner handed in by a test has no start(): it is ready as it is.
        start = getattr(runner, "start", None)
        if start is not None:
            start()

    @property
    def ready(self) -> bool:
        if self._runner is None:
            return False
        return bool(getattr(self._runner, "ready", True))

    def pick(self, card: Card, rng: random.Random) -> Card:
        from quiz.deck.vary import pick

        return pick(card, rng)

    async def judge(self, deck: Deck, card: Card, response: Response) -> JudgementLike:
        from quiz.deck.judge import Answer, judge

        answer = Answer(
            text=response.text,
            choices=frozenset(response.choices) if response.choices is not None else None,
            fills=response.fills,
        )
        return await judge(deck, card, answer, self._pool())

    async def try_code(self, deck: Deck, card: Card, source: str) -> RunResult:
        from quiz.deck.judge import try_code

        return await try_code(deck, card, source, self._pool())
