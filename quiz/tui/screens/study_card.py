"""One card on the study screen: its answer widget, and what the verdict shows after judging.

Pure functions of the card, the judgement and the language, so the study screen stays about flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fsrs import Rating

from quiz.deck.model import Card, CardType, Deck
from quiz.i18n import _
from quiz.outcome import Outcome
from quiz.tui.ports import JudgementLike, Response
from quiz.tui.widgets.answer import AnswerWidget, FlipAnswer, PredictAnswer
from quiz.tui.widgets.choice_answer import ChoiceAnswer
from quiz.tui.widgets.cloze_answer import ClozeAnswer
from quiz.tui.widgets.code_answer import CodeAnswer
from quiz.tui.widgets.verdict import VerdictView


@dataclass
class Shown:
    """The card on screen and what has happened to it so far."""

    deck: Deck
    card: Card  # as written in the deck
    instance: Card  # with one `vary` combination substituted
    shown_at: datetime
    used_hint: bool = False
    retried: bool = False
    response: Response | None = None
    answered_at: datetime | None = None
    judgement: JudgementLike | None = None
    outcome: Outcome | None = None
    proposed: Rating | None = None
    flag: int = 0
    attempts: list[Outcome] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.card.key

    def duration_ms(self) -> int:
        end = self.answered_at or self.shown_at
        return max(int((end - self.shown_at).total_seconds() * 1000), 0)


@dataclass
class Tally:
    """This session so far, for the summary."""

    cards: int = 0
    passed: int = 0
    judged: int = 0


def answer_widget(card: Card, lang: str) -> AnswerWidget:
    """The widget a learner answers `card` with."""
    if card.type is CardType.PREDICT:
        expected = (card.expected_output or "").strip("\n")
        return PredictAnswer(multiline="\n" in expected)
    if card.type is CardType.CODE:
        return CodeAnswer(card.starter or "")
    if card.type is CardType.CHOICE:
        return ChoiceAnswer([option.text.get(lang) for option in card.options])
    if card.type is CardType.CLOZE:
        return ClozeAnswer(card.code or "")
    answer = card.answer_text.get(lang) if card.answer_text is not None else ""
    return FlipAnswer(answer)


def shown_code(card: Card) -> str | None:
    """Code shown read-only above the answer: cloze shows its code inside the answer instead."""
    if card.type is CardType.CLOZE:
        return None
    return card.code or None


def correct_choices(card: Card, judgement: JudgementLike | None) -> frozenset[int] | None:
    """The right options (0-based): from the run's truths when it evaluated them, else the deck."""
    run = judgement.run if judgement is not None else None
    if run is not None and run.ok and len(run.values) == len(card.options):
        return frozenset(i for i, value in enumerate(run.values) if value == "True")
    if card.answer_indexes is not None:
        return frozenset(card.answer_indexes)
    return None


def verdict_view(shown: Shown, lang: str) -> VerdictView:
    card = shown.instance
    judgement = shown.judgement
    outcome = shown.outcome or Outcome.SELF_GRADED
    explain = card.explain.get(lang) if card.explain is not None else None
    refs = tuple(card.refs)
    if judgement is None:
        return VerdictView(outcome=outcome, explain=explain, refs=refs, show_answers=False)
    given = judgement.given
    if given is None and shown.response is not None:
        given = shown.response.as_log_text()
    # The learner's own code is what ran for code cards and checked clozes: show its traceback.
    learner_ran = card.type is CardType.CODE or (card.type is CardType.CLOZE and card.check)
    # On a pass the headline says it all; the judge's detail only explains a failure.
    detail = judgement.detail if outcome is not Outcome.PASS else None
    if card.type is CardType.CODE and outcome is not Outcome.PASS:
        retry = _("Fix the code and press ctrl+s to try again, or Esc, then grade with 1-4.")
        detail = f"{detail}\n{retry}" if detail else retry
    return VerdictView(
        outcome=outcome,
        given=given,
        truth=judgement.truth,
        detail=detail,
        run=judgement.run if learner_ran else None,
        explain=explain,
        refs=refs,
        show_answers=card.type in (CardType.PREDICT, CardType.CLOZE),
    )
