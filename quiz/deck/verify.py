"""Proving a card by execution (`quiz check`): its claims must agree with what torch does.

predict: the claimed `answer` equals the run; choice: the truths agree with the static answer and
at least one holds; code: the solution passes, the starter and every `wrong` fail; cloze: the
original fills pass. Each `vary` combination is proven (a seeded sample past SAMPLE_LIMIT).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from quiz.deck import cloze, judge, vary
from quiz.deck.compare import claim_holds
from quiz.deck.model import Card, CardType, Deck
from quiz.sandbox.protocol import Runner, RunResult

SAMPLE_LIMIT = 64
_SHOWN = 200  # characters of output quoted in a message


@dataclass(frozen=True)
class CardCheck:
    """The verdict on one instance of a card."""

    card_key: str
    ok: bool
    message: str
    instance: Mapping[str, Any] = field(default_factory=dict)
    duration_ms: float = 0.0

    def __str__(self) -> str:
        if not self.instance:
            return self.message
        bound = ", ".join(f"{k}={v!r}" for k, v in self.instance.items())
        return f"[{bound}] {self.message}"


def _quote(text: str) -> str:
    text = text.rstrip("\n")
    if len(text) > _SHOWN:
        text = text[:_SHOWN] + "..."
    return repr(text)


def _failed(result: RunResult) -> bool:
    """A learner-side failure: the answer or the check raised, or the run timed out or broke."""
    return not judge.passed(result) and not judge.card_side_failure(result)


async def _predict(deck: Deck, card: Card, runner: Runner) -> list[str]:
    result = await judge.predict_run(deck, card, runner)
    truth = judge.truth_from_run(result)
    if truth is None:
        return [judge.describe(result)]
    if card.expected_output is None:
        if result.ok:
            return []
        # Without a claim, a raise is more likely a typo in the card than the lesson.
        return [
            f"{judge.describe(result)} and the card has no 'answer'; if the exception is "
            f"the point, add `answer: {truth}`"
        ]
    if claim_holds(card.expected_output, truth, card.match):
        return []
    actual = f"raises {truth}" if not result.ok else f"prints {_quote(truth)}"
    return [
        f"claims {_quote(card.expected_output)} ({card.match.value} match) but the code {actual}"
    ]


async def _choice(deck: Deck, card: Card, runner: Runner) -> list[str]:
    if not judge.has_truths(card):
        if card.code is None:
            return []
        result = await judge.choice_run(deck, card, runner)
        return [] if result.ok else [judge.describe(result)]
    result = await judge.choice_run(deck, card, runner)
    correct = judge.correct_from_run(card, result)
    if correct is None:
        return [f"the truths could not be evaluated: {judge.describe(result)}"]
    if not correct:
        return ["no option's truth holds: a choice card needs at least one correct option"]
    if card.answer_indexes is not None and frozenset(card.answer_indexes) != correct:
        claimed = ", ".join(str(i) for i in sorted(card.answer_indexes))
        actual = ", ".join(str(i) for i in sorted(correct))
        return [f"answer claims option(s) {claimed} but the truths hold for {actual} (0-based)"]
    return []


async def _code(deck: Deck, card: Card, runner: Runner) -> list[str]:
    attempts: list[tuple[str, str, bool]] = [("solution", card.solution or "", True)]
    if card.starter is not None:
        attempts.append(("starter", card.starter, False))
    attempts += [(f"wrong[{i}]", w, False) for i, w in enumerate(card.wrong)]
    results = await asyncio.gather(
        *(judge.code_run(deck, card, source, runner) for _, source, _ in attempts)
    )
    problems = []
    for (name, _, must_pass), result in zip(attempts, results, strict=True):
        if judge.card_side_failure(result):
            return [f"{name}: {judge.describe(result)}"]
        if must_pass and not judge.passed(result):
            problems.append(f"{name} must pass the check but {judge.describe(result)}")
        elif not must_pass and not _failed(result):
            problems.append(f"{name} must fail the check but passes it")
    return problems


async def _cloze(deck: Deck, card: Card, runner: Runner) -> list[str]:
    originals = tuple(b.fill for b in cloze.blanks(card.code or ""))
    result = await judge.cloze_run(deck, card, originals, runner)
    if judge.passed(result) if card.check is not None else result.ok:
        return []
    what = "pass the check" if card.check is not None else "run"
    return [f"the original fills must {what} but {judge.describe(result)}"]


_PROVERS: dict[CardType, Callable[[Deck, Card, Runner], Awaitable[list[str]]]] = {
    CardType.PREDICT: _predict,
    CardType.CHOICE: _choice,
    CardType.CODE: _code,
    CardType.CLOZE: _cloze,
}


async def verify_instance(deck: Deck, card: Card, runner: Runner) -> CardCheck:
    """Prove one instance (a card without vary is its own single instance)."""
    start = time.perf_counter()
    prover = _PROVERS.get(card.type)
    problems = await prover(deck, card, runner) if prover is not None else []
    elapsed = (time.perf_counter() - start) * 1000
    if problems:
        return CardCheck(card.key, False, "; ".join(problems), card.instance, elapsed)
    message = "self-graded: nothing to run" if prover is None else "proven"
    return CardCheck(card.key, True, message, card.instance, elapsed)


async def verify_card(
    deck: Deck, card: Card, runner: Runner, *, limit: int = SAMPLE_LIMIT
) -> list[CardCheck]:
    """Prove every `vary` combination of `card` (or a seeded sample of `limit`)."""
    if not card.vary:
        return [await verify_instance(deck, card, runner)]
    chosen = [vary.instantiate(card, bindings) for bindings in vary.sample(card, limit)]
    return list(await asyncio.gather(*(verify_instance(deck, c, runner) for c in chosen)))
