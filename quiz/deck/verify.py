"""Proving a card by execution (`quiz check`): its claims must agree with what torch does.

predict: the claimed `answer` equals the run; choice: the truths agree with the static answer and
at least one holds; code: the solution passes, the starter and every `wrong` fail; cloze: the
original fills pass. A card's `proof` (any type) must run to its end without raising. Each `vary`
combination is proven (a seeded sample past SAMPLE_LIMIT).

`unproven` is the --strict rule: a card whose answer nothing runs (a flip without a proof, a
choice with a static answer and no proof) is not proven, however right it may be.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from quiz.deck import cloze, judge, vary
from quiz.deck.compare import claim_holds
from quiz.deck.model import PROOF_BODY, Card, CardType, Deck, SourcePos
from quiz.i18n import _
from quiz.sandbox.protocol import CARD, PROOF, Runner, RunRequest, RunResult, RunStatus

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
    pos: SourcePos | None = None
    """Where in the deck file the failure is, when it is more precise than the card (a line
    of its proof)."""

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


def _describe(result: RunResult) -> str:
    """How a run went wrong, in the app's language (the author reads it)."""
    return judge.describe(result, translate=True)


def _failed(result: RunResult) -> bool:
    """A learner-side failure: the answer or the check raised, or the run timed out or broke."""
    return not judge.passed(result) and not judge.card_side_failure(result)


async def _predict(deck: Deck, card: Card, runner: Runner) -> list[str]:
    result = await judge.predict_run(deck, card, runner)
    truth = judge.truth_from_run(result)
    if truth is None:
        return [_describe(result)]
    if card.expected_output is None:
        if result.ok:
            return []
        # Without a claim, a raise is more likely a typo in the card than the lesson.
        return [
            _(
                "{failure} and the card has no 'answer'; if the exception is the point, add "
                "`answer: {truth}`"
            ).format(failure=_describe(result), truth=truth)
        ]
    if claim_holds(card.expected_output, truth, card.match):
        if not result.ok and result.stdout.strip():
            # The truth of a raising run is the exception's name alone: what it printed first
            # is part of what happens but not of what the learner is asked to type.
            return [
                _(
                    "the code prints {output} before it raises {truth}, but the answer of a "
                    "raising card is only the exception's name: print nothing first"
                ).format(output=_quote(result.stdout), truth=truth)
            ]
        return []
    claim = {"claimed": _quote(card.expected_output), "match": card.match.value}
    if not result.ok:
        return [
            _("claims {claimed} ({match} match) but the code raises {truth}").format(
                truth=truth, **claim
            )
        ]
    return [
        _("claims {claimed} ({match} match) but the code prints {output}").format(
            output=_quote(truth), **claim
        )
    ]


async def _choice(deck: Deck, card: Card, runner: Runner) -> list[str]:
    if not judge.has_truths(card):
        if card.code is None:
            return []
        result = await judge.choice_run(deck, card, runner)
        return [] if result.ok else [_describe(result)]
    result = await judge.choice_run(deck, card, runner)
    correct = judge.correct_from_run(card, result)
    if correct is None:
        return [_("the truths could not be evaluated: {failure}").format(failure=_describe(result))]
    if not correct:
        return [_("no option's truth holds: a choice card needs at least one correct option")]
    if card.answer_indexes is not None and frozenset(card.answer_indexes) != correct:
        claimed = ", ".join(str(i) for i in sorted(card.answer_indexes))
        actual = ", ".join(str(i) for i in sorted(correct))
        return [
            _(
                "answer claims option(s) {claimed} but the truths hold for {actual} (0-based)"
            ).format(claimed=claimed, actual=actual)
        ]
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
    for (name, _source, must_pass), result in zip(attempts, results, strict=True):
        if judge.card_side_failure(result):
            return [f"{name}: {_describe(result)}"]
        if must_pass and not judge.passed(result):
            problems.append(
                _("{name} must pass the check but {failure}").format(
                    name=name, failure=_describe(result)
                )
            )
        elif not must_pass and not _failed(result):
            problems.append(_("{name} must fail the check but passes it").format(name=name))
    return problems


async def _cloze(deck: Deck, card: Card, runner: Runner) -> list[str]:
    originals = tuple(b.fill for b in cloze.blanks(card.code or ""))
    result = await judge.cloze_run(deck, card, originals, runner)
    if judge.passed(result) if card.check is not None else result.ok:
        return []
    if card.check is not None:
        message = _("the original fills must pass the check but {failure}")
    else:
        message = _("the original fills must run but {failure}")
    return [message.format(failure=_describe(result))]


# The innermost frame of the proof's own code in a sandbox traceback.
_PROOF_FRAME = re.compile(r'File "' + re.escape(PROOF) + r'", line (\d+)')


def proof_request(deck: Deck, card: Card, *, with_code: bool = True) -> RunRequest:
    """The setup, the card's code (a cloze card's with its original fills), then the proof."""
    code = card.code
    if card.type is CardType.CLOZE and code is not None:
        code = cloze.fill(code, tuple(b.fill for b in cloze.blanks(code)))
    return judge.request(deck, card, (CARD, code if with_code else None), (PROOF, card.proof))


def proof_line(result: RunResult) -> int | None:
    """The proof's line (1-based) that raised, from the last proof frame of the traceback."""
    if result.segment != PROOF:
        return None
    found = _PROOF_FRAME.findall(result.traceback or "")
    return int(found[-1]) if found else None


def _located(card: Card, line: int | None) -> SourcePos | None:
    body = card.field_pos.get(PROOF_BODY)
    if body is None or line is None:
        return card.position_of("proof")
    return SourcePos(body.file, body.line + line - 1, body.col)


async def _proof(deck: Deck, card: Card, runner: Runner) -> tuple[list[str], SourcePos | None]:
    """Run the card's proof; its problems and, on a failure inside it, the proof's line."""
    if card.proof is None:
        return [], None
    result = await runner.arun(proof_request(deck, card))
    raised_in_code = result.status is RunStatus.ERROR and result.segment == CARD
    if card.type is CardType.PREDICT and raised_in_code:
        # The code's exception is the card's answer (proven by its own run): the proof runs
        # after the setup alone.
        result = await runner.arun(proof_request(deck, card, with_code=False))
    if result.ok and result.segment is None:
        return [], None
    if result.ok:  # a clean sys.exit() ended the run: the rest of the proof never ran
        named = judge.SEGMENT_NAMES.get(result.segment or "")
        stopped = _(named) if named is not None else result.segment
        message = _("{part} exited before the proof ran to its end").format(part=stopped)
        return [message], card.position_of("proof")
    line = proof_line(result)
    lines = card.proof.splitlines()
    quoted = ""
    if line is not None and 0 < line <= len(lines):
        quoted = _(" (proof line {line}: {code})").format(line=line, code=lines[line - 1].strip())
    return [_("proof: {failure}").format(failure=_describe(result)) + quoted], _located(card, line)


def unproven(card: Card) -> str | None:
    """Why `quiz check --strict` does not count `card` as proven by execution, or None."""
    if card.proof is not None:
        return None
    if card.type is CardType.FLIP:
        return _("strict: a flip card's answer is not proven by execution: add a 'proof'")
    if card.type is CardType.CHOICE and not judge.has_truths(card):
        return _(
            "strict: the correct options are not established by execution: give every option "
            "a 'truth', or add a 'proof'"
        )
    return None


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
    problems, (proof_problems, where) = await asyncio.gather(
        prover(deck, card, runner) if prover is not None else _nothing(),
        _proof(deck, card, runner),
    )
    elapsed = (time.perf_counter() - start) * 1000
    if problems or proof_problems:
        # The proof's line is the more precise place, but only when it is the whole story.
        pos = where if not problems else None
        message = "; ".join(problems + proof_problems)
        return CardCheck(card.key, False, message, card.instance, elapsed, pos)
    # A pass's message stays English: only --json prints it, and the check cache keeps it.
    if prover is None:
        message = "self-graded: nothing to run" if card.proof is None else "proven by its proof"
    else:
        message = "proven"
    return CardCheck(card.key, True, message, card.instance, elapsed)


async def _nothing() -> list[str]:
    return []


async def verify_card(
    deck: Deck, card: Card, runner: Runner, *, limit: int = SAMPLE_LIMIT
) -> list[CardCheck]:
    """Prove every `vary` combination of `card` (or a seeded sample of `limit`)."""
    if not card.vary:
        return [await verify_instance(deck, card, runner)]
    chosen = [vary.instantiate(card, bindings) for bindings in vary.sample(card, limit)]
    return list(await asyncio.gather(*(verify_instance(deck, c, runner) for c in chosen)))
