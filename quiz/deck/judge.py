"""Judging a learner's answer to one card instance by running it through a sandbox Runner.

Everything that can go wrong in a run comes back as data (a Judgement with an Outcome); nothing
here raises for a wrong, crashing or hanging answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from quiz.deck import cloze
from quiz.deck.compare import answer_matches, normalise_whitespace
from quiz.deck.fields import DEFAULT_TIMEOUT
from quiz.deck.model import Card, CardType, Deck
from quiz.i18n import N_, _, ngettext
from quiz.outcome import Outcome
from quiz.sandbox.protocol import (
    ANSWER,
    CARD,
    CHECK,
    PROOF,
    SETUP,
    Runner,
    RunRequest,
    RunResult,
    RunStatus,
    Segment,
)

# English, as `quiz check` quotes them; `describe(..., translate=True)` shows them translated.
SEGMENT_NAMES = {
    SETUP: N_("the setup"),
    CARD: N_("the card's code"),
    ANSWER: N_("the answer"),
    CHECK: N_("the check"),
    PROOF: N_("the proof"),
    "<evaluate>": N_("a truth"),
}


@dataclass(frozen=True)
class Answer:
    """What the learner gave: typed text (predict), chosen option indexes (choice), code
    (code cards, as `text`), or one fill per blank (cloze)."""

    text: str | None = None
    choices: frozenset[int] | None = None
    fills: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    truth: str  # the right answer, for showing
    given: str  # the learner's answer, for showing and the review log
    run: RunResult | None  # the run that decided it; None when nothing ran
    detail: str  # why, in a line or a short traceback


def timeout_of(card: Card) -> float:
    return card.timeout if card.timeout is not None else DEFAULT_TIMEOUT


def request(
    deck: Deck, card: Card, *pieces: tuple[str, str | None], evaluate: tuple[str, ...] = ()
) -> RunRequest:
    """A run of the deck setup, then each (segment, source) that has source, in order."""
    segments = [Segment(SETUP, deck.setup)] if deck.setup.strip() else []
    segments += [Segment(name, source) for name, source in pieces if source is not None]
    return RunRequest(tuple(segments), evaluate=evaluate, timeout=timeout_of(card))


def describe(result: RunResult, *, translate: bool = False) -> str:
    """A clause saying how a run went wrong, e.g. "the check raised AssertionError: ...".

    English for `quiz check` (an author's report); `translate=True` for the learner's verdict,
    in the app's language."""
    tr: Callable[[str], str] = _ if translate else N_  # N_ leaves the English as it is
    if result.status is RunStatus.OK:
        stopped = SEGMENT_NAMES.get(result.segment or "")
        if stopped is not None:
            return tr(N_("{part} exited before the check ran")).format(part=tr(stopped))
        if result.segment:
            return tr(N_("{part} exited before the check ran")).format(part=result.segment)
        return tr(N_("the run succeeded"))
    if result.status is RunStatus.TIMEOUT:
        return tr(N_("the run timed out"))
    if result.status is RunStatus.MEMORY:
        return tr(N_("the run hit the memory cap"))
    if result.status is RunStatus.OUTPUT_LIMIT:
        return tr(N_("the run printed more than the output cap"))
    if result.status is RunStatus.KILLED:
        return tr(N_("the run was killed (it crashed or was cancelled)"))
    named = SEGMENT_NAMES.get(result.segment or "")
    where = tr(named) if named is not None else result.segment or tr(N_("the code"))
    last = _last_line(result.traceback) or _last_line(result.stderr) or result.exception or "error"
    return tr(N_("{part} raised {error}")).format(part=where, error=last)


def _last_line(text: str | None) -> str | None:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


def card_side_failure(result: RunResult) -> bool:
    """Did the card's own setup or code fail (rather than the learner's answer or the check)?"""
    return result.status is RunStatus.ERROR and result.segment in (SETUP, CARD)


def passed(result: RunResult) -> bool:
    """A run with a check passed: nothing raised and the check ran to its end (a clean
    `sys.exit()` earlier ends the run with status ok but skips the check)."""
    return result.ok and result.segment in (None, CHECK)


def _outcome_of(result: RunResult) -> Outcome:
    """Learner-code runs: ok passes; a raise in the answer or the check fails; the rest errors."""
    if passed(result):
        return Outcome.PASS
    if result.ok:
        return Outcome.FAIL
    if result.status is RunStatus.TIMEOUT:
        return Outcome.TIMEOUT
    if result.status is RunStatus.ERROR and not card_side_failure(result):
        return Outcome.FAIL
    return Outcome.ERROR


# -- predict ---------------------------------------------------------------------------------


async def predict_run(deck: Deck, card: Card, runner: Runner) -> RunResult:
    return await runner.arun(request(deck, card, (CARD, card.code)))


def truth_from_run(result: RunResult) -> str | None:
    """What a predict card's code printed, or the class of what it raised; None when the run
    says nothing about the code (the setup failed, or it timed out or crashed)."""
    if result.ok:
        return result.stdout
    if result.status is RunStatus.ERROR and result.segment == CARD and result.exception:
        return result.exception
    return None


async def predict_truth(deck: Deck, card: Card, runner: Runner) -> str:
    """The truth a predict card's answer is compared with ('' when the card cannot run)."""
    return truth_from_run(await predict_run(deck, card, runner)) or ""


def _judge_predict(card: Card, answer: Answer, result: RunResult) -> Judgement:
    given = answer.text or ""
    truth = truth_from_run(result)
    if truth is None:
        outcome = Outcome.TIMEOUT if result.status is RunStatus.TIMEOUT else Outcome.ERROR
        return Judgement(outcome, "", given, result, describe(result, translate=True))
    if answer_matches(given, truth, card.match, card.expected_output):
        return Judgement(Outcome.PASS, truth, given, result, _("matches the output"))
    return Judgement(Outcome.FAIL, truth, given, result, _("does not match the output"))


# -- choice ----------------------------------------------------------------------------------


def truth_expressions(card: Card) -> tuple[str, ...]:
    """Each option's truth as a bool() expression (the newline lets a truth end in a comment)."""
    return tuple(f"bool(({option.truth}\n))" for option in card.options if option.truth is not None)


def has_truths(card: Card) -> bool:
    return bool(card.options) and all(option.truth is not None for option in card.options)


async def choice_run(deck: Deck, card: Card, runner: Runner) -> RunResult:
    return await runner.arun(
        request(deck, card, (CARD, card.code), evaluate=truth_expressions(card))
    )


def correct_from_run(card: Card, result: RunResult) -> frozenset[int] | None:
    """The options whose truth held in `result`; None when the truths could not be evaluated."""
    if not result.ok or len(result.values) != len(card.options):
        return None
    return frozenset(i for i, value in enumerate(result.values) if value == "True")


def _option_list(card: Card, indexes: frozenset[int]) -> str:
    shown = [
        f"{i + 1}. {card.options[i].text.get()}" for i in sorted(indexes) if i < len(card.options)
    ]
    return "; ".join(shown) if shown else "(none)"  # kept in the review log: not translated


async def _judge_choice(deck: Deck, card: Card, answer: Answer, runner: Runner) -> Judgement:
    chosen = answer.choices or frozenset()
    given = _option_list(card, chosen)
    result: RunResult | None = None
    if has_truths(card):
        result = await choice_run(deck, card, runner)
        correct = correct_from_run(card, result)
        if correct is None:
            outcome = Outcome.TIMEOUT if result.status is RunStatus.TIMEOUT else Outcome.ERROR
            detail = _("the card's truths: {why}").format(why=describe(result, translate=True))
            return Judgement(outcome, "", given, result, detail)
    else:
        correct = frozenset(card.answer_indexes or ())
    truth = _option_list(card, correct)
    if chosen == correct:
        return Judgement(Outcome.PASS, truth, given, result, _("the right options"))
    return Judgement(Outcome.FAIL, truth, given, result, _("not the right options"))


# -- code and cloze --------------------------------------------------------------------------


async def code_run(deck: Deck, card: Card, source: str, runner: Runner) -> RunResult:
    """Setup, the card's code, the learner's source, then the check."""
    return await runner.arun(
        request(deck, card, (CARD, card.code), (ANSWER, source), (CHECK, card.check))
    )


async def try_code(deck: Deck, card: Card, source: str, runner: Runner) -> RunResult:
    """Run the learner's code without the check (ctrl+r in the study screen)."""
    return await runner.arun(request(deck, card, (CARD, card.code), (ANSWER, source)))


def _judged_run(result: RunResult, truth: str, given: str) -> Judgement:
    outcome = _outcome_of(result)
    passes = outcome is Outcome.PASS
    detail = _("passes the check") if passes else describe(result, translate=True)
    return Judgement(outcome, truth, given, result, detail)


async def cloze_run(deck: Deck, card: Card, fills: tuple[str, ...], runner: Runner) -> RunResult:
    """The filled code (as the learner's answer), then the check."""
    filled = cloze.fill(card.code or "", fills)
    return await runner.arun(request(deck, card, (ANSWER, filled), (CHECK, card.check)))


async def _judge_cloze(deck: Deck, card: Card, answer: Answer, runner: Runner) -> Judgement:
    originals = tuple(b.fill for b in cloze.blanks(card.code or ""))
    fills = answer.fills or ()
    truth = " | ".join(originals)
    given = " | ".join(fills)
    if len(fills) != len(originals):
        detail = ngettext(
            "{blanks} blank but {fills} fills", "{blanks} blanks but {fills} fills", len(originals)
        ).format(blanks=len(originals), fills=len(fills))
        return Judgement(Outcome.FAIL, truth, given, None, detail)
    if card.check is not None:
        return _judged_run(await cloze_run(deck, card, fills, runner), truth, given)
    wrong = [
        i + 1
        for i, (fill, original) in enumerate(zip(fills, originals, strict=True))
        if normalise_whitespace(fill) != normalise_whitespace(original)
    ]
    if not wrong:
        return Judgement(Outcome.PASS, truth, given, None, _("every blank matches"))
    detail = ngettext("blank {numbers} differs", "blanks {numbers} differ", len(wrong)).format(
        numbers=", ".join(map(str, wrong))
    )
    return Judgement(Outcome.FAIL, truth, given, None, detail)


# -- entry point -----------------------------------------------------------------------------


async def judge(
    deck: Deck, card: Card, answer: Answer, runner: Runner, *, prior_run: RunResult | None = None
) -> Judgement:
    """Judge `answer` to `card` (an instance, after `vary.pick`). `prior_run` reuses a predict
    run already made (by `predict_run`) instead of running the card again."""
    if card.type is CardType.PREDICT:
        result = prior_run or await predict_run(deck, card, runner)
        return _judge_predict(card, answer, result)
    if card.type is CardType.CHOICE:
        return await _judge_choice(deck, card, answer, runner)
    if card.type is CardType.CODE:
        source = answer.text or ""
        return _judged_run(await code_run(deck, card, source, runner), card.solution or "", source)
    if card.type is CardType.CLOZE:
        return await _judge_cloze(deck, card, answer, runner)
    return Judgement(
        Outcome.SELF_GRADED,
        card.answer_text.get() if card.answer_text else "",
        answer.text or "",
        None,
        _("flip cards are self-graded"),
    )
