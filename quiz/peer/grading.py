"""Grading a question's answers on the host: once each, in parallel, with the card's timeout.

Many participants send the same thing (a predict card's run, a choice card's truths, two equal
snippets): `SharedRuns` runs each distinct request once per question and hands every waiter the
same result, so 300 answers to a predict card cost one sandbox run, not 300.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from quiz.deck import cloze
from quiz.deck.judge import Answer, Judgement, correct_from_run, has_truths, judge
from quiz.deck.judge import choice_run as _choice_run
from quiz.deck.model import Card, CardType, Deck
from quiz.outcome import Outcome
from quiz.peer.protocol import AnswerMessage
from quiz.sandbox.protocol import Runner, RunRequest, RunResult

SHOWN_OUTPUT = 4000  # characters of a run's stdout/stderr sent back at the reveal


class SharedRuns:
    """A Runner that runs each distinct request once and shares the result with every caller."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._runs: dict[str, asyncio.Future[RunResult]] = {}

    def run(self, request: RunRequest) -> RunResult:
        return self.runner.run(request)

    async def arun(self, request: RunRequest) -> RunResult:
        key = json.dumps(request.to_dict(), sort_keys=True)
        shared = self._runs.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self.runner.arun(request))
            self._runs[key] = shared
        # shield: one caller's cancellation must not cancel the run the others wait on.
        return await asyncio.shield(shared)


@dataclass(frozen=True)
class Graded:
    outcome: Outcome
    given: str
    detail: str
    run: dict[str, Any] | None  # status, stdout, stderr, exception: shown to the sender

    @property
    def correct(self) -> bool:
        return self.outcome is Outcome.PASS

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": str(self.outcome),
            "given": self.given,
            "detail": self.detail,
            "run": self.run,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Graded:
        return cls(Outcome(data["outcome"]), data["given"], data["detail"], data.get("run"))


def _clip(text: str) -> str:
    if len(text) <= SHOWN_OUTPUT:
        return text
    return text[:SHOWN_OUTPUT] + f"\n… ({len(text) - SHOWN_OUTPUT} more characters)"


def shown_run(result: RunResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "status": str(result.status),
        "stdout": _clip(result.stdout),
        "stderr": _clip(result.stderr),
        "exception": result.exception,
        "traceback": _clip(result.traceback or ""),
    }


def as_answer(message: AnswerMessage) -> Answer:
    choices = frozenset(message.choices) if message.choices is not None else None
    return Answer(text=message.text, choices=choices, fills=message.fills)


def answer_to_dict(message: AnswerMessage) -> dict[str, Any]:
    data: dict[str, Any] = {"question": message.question}
    if message.text is not None:
        data["text"] = message.text
    if message.choices is not None:
        data["choices"] = list(message.choices)
    if message.fills is not None:
        data["fills"] = list(message.fills)
    return data


def answer_from_dict(data: dict[str, Any]) -> AnswerMessage:
    choices = data.get("choices")
    fills = data.get("fills")
    return AnswerMessage(
        int(data["question"]),
        data.get("text"),
        tuple(choices) if choices is not None else None,
        tuple(fills) if fills is not None else None,
    )


async def grade(deck: Deck, card: Card, message: AnswerMessage, runner: Runner) -> Graded:
    """One answer judged; a runner that fails (no sandbox) is an error result, never a raise."""
    try:
        judgement: Judgement = await judge(deck, card, as_answer(message), runner)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the sandbox went away: the answer is kept, the result says why
        return Graded(Outcome.ERROR, message.text or "", f"grading failed: {exc}", None)
    return Graded(judgement.outcome, judgement.given, judgement.detail, shown_run(judgement.run))


async def truth(deck: Deck, card: Card, runner: Runner) -> dict[str, Any]:
    """What the reveal shows as right: the host's own run for predict and choice cards."""
    if card.type is CardType.PREDICT:
        judged = await judge(deck, card, Answer(text=""), runner)
        return {"text": judged.truth, "run": shown_run(judged.run)}
    if card.type is CardType.CHOICE:
        correct: frozenset[int] | None = frozenset(card.answer_indexes or ())
        if has_truths(card):
            correct = correct_from_run(card, await _choice_run(deck, card, runner))
        indexes = sorted(correct) if correct is not None else []
        return {"choices": indexes, "text": ", ".join(str(i + 1) for i in indexes)}
    if card.type is CardType.CLOZE:
        fills = [blank.fill for blank in cloze.blanks(card.code or "")]
        return {"fills": fills, "text": " | ".join(fills)}
    return {"text": card.solution or ""}


async def prime(deck: Deck, card: Card, runner: SharedRuns) -> None:
    """Start the runs that every answer shares, as soon as the question opens."""
    try:
        await truth(deck, card, runner)
    except Exception:  # the reveal reports the same failure when it asks again
        return
