"""Folding log events into card state with fsrs: the one place that calls the scheduler.

Answering a card (`review`) and rebuilding it from the log (`fold`) both go through `apply`,
so the cache written incrementally equals the cache rebuilt from the log by construction.
Fuzz is random in fsrs and changes only a card's due, so `review` draws it once, the log keeps
the due that was shown to the learner, and `apply` uses the logged due rather than redrawing.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from quiz.srs.events import CardState, Kind, Leech, LogEvent, Phase
from quiz.srs.preset import Preset
from quiz.srs.timeutil import from_us, to_us

_DAY_US = 86_400_000_000


def fsrs_card_id(key: str) -> int:
    """A stable positive 63-bit id for fsrs, derived from the history key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def scheduler_for(preset: Preset, *, fuzz: bool | None = None) -> Scheduler:
    return Scheduler(
        parameters=preset.parameters,
        desired_retention=preset.desired_retention,
        learning_steps=preset.learning_deltas(),
        relearning_steps=preset.relearning_deltas(),
        maximum_interval=preset.maximum_interval,
        enable_fuzzing=preset.fuzz if fuzz is None else fuzz,
    )


def to_fsrs(card: CardState, now: datetime) -> FsrsCard:
    card_id = fsrs_card_id(card.key)
    if card.state is Phase.NEW:
        return FsrsCard(card_id=card_id, state=State.Learning, step=0, due=now)
    return FsrsCard(
        card_id=card_id,
        state=State(int(card.state)),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=from_us(card.due) if card.due is not None else now,
        last_review=from_us(card.last_review) if card.last_review is not None else None,
    )


def _leech_code(lapses: int, preset: Preset) -> Leech:
    # Anki: a leech at the threshold, then again every half threshold while it keeps lapsing.
    threshold = preset.leech_threshold
    if threshold <= 0 or lapses < threshold:
        return Leech.NONE
    if (lapses - threshold) % max(1, math.ceil(threshold / 2)) != 0:
        return Leech.NONE
    return Leech.SUSPENDED if preset.leech_action == "suspend" else Leech.TAGGED


def _is_lapse(before: Phase, rating: int) -> bool:
    return before is Phase.REVIEW and rating == Rating.Again


@dataclass(frozen=True)
class Scheduled:
    """What a review would do: the log fields it fixes now (due, leech, state before)."""

    due: int
    state_before: Phase
    interval_before: float | None
    leech: Leech


def schedule(
    card: CardState, rating: Rating, at: datetime, scheduler: Scheduler, preset: Preset
) -> Scheduled:
    """Run fsrs (with the preset's fuzz) for one answer; `apply` then folds it in."""
    reviewed, _ = scheduler.review_card(to_fsrs(card, at), rating, at)
    interval_before = None
    if card.state is Phase.REVIEW and card.due is not None and card.last_review is not None:
        interval_before = (card.due - card.last_review) / _DAY_US
    lapses = card.lapses + (1 if _is_lapse(card.state, rating) else 0)
    leech = _leech_code(lapses, preset) if _is_lapse(card.state, rating) else Leech.NONE
    return Scheduled(to_us(reviewed.due), card.state, interval_before, leech)


def _last_id(card: CardState, event: LogEvent) -> int:
    return max(card.log_id, event.id or 0)


def apply(card: CardState, event: LogEvent, scheduler: Scheduler) -> CardState:
    """The card after one event. `scheduler` must have fuzz off: the due comes from the log."""
    match event.kind:
        case Kind.REVIEW:
            assert event.rating is not None and event.due is not None, event
            at = from_us(event.time)
            reviewed, _ = scheduler.review_card(to_fsrs(card, at), Rating(event.rating), at)
            leech = Leech(event.leech or 0)
            return replace(
                card,
                state=Phase(int(reviewed.state)),
                step=reviewed.step,
                stability=reviewed.stability,
                difficulty=reviewed.difficulty,
                due=event.due,
                last_review=event.time,
                reps=card.reps + 1,
                lapses=card.lapses + (1 if _is_lapse(card.state, event.rating) else 0),
                leech=card.leech or leech is not Leech.NONE,
                suspended=card.suspended or leech is Leech.SUSPENDED,
                log_id=_last_id(card, event),
            )
        case Kind.SUSPEND | Kind.UNSUSPEND:
            suspended = event.kind is Kind.SUSPEND
            return replace(card, suspended=suspended, log_id=_last_id(card, event))
        case Kind.BURY:
            return replace(card, buried_at=event.time, log_id=_last_id(card, event))
        case Kind.FLAG:
            return replace(card, flag=event.value or 0, log_id=_last_id(card, event))
        case Kind.RESET:
            # Forget the schedule (and with it the lapses that made a leech); keep the learner's
            # own marks: suspension, flag, bury.
            return CardState(
                key=card.key,
                deck_id=card.deck_id,
                suspended=card.suspended,
                buried_at=card.buried_at,
                flag=card.flag,
                log_id=_last_id(card, event),
            )
        case Kind.UNDO:
            # An undo changes which reviews count; callers refold the card without its target.
            return replace(card, log_id=_last_id(card, event))
    raise AssertionError(f"unknown log kind {event.kind!r}")


def fold(key: str, deck_id: str, events: Iterable[LogEvent], scheduler: Scheduler) -> CardState:
    """A card's state from its whole log, in log order, leaving out undone reviews."""
    ordered = list(events)
    undone = {e.target for e in ordered if e.kind is Kind.UNDO and e.target is not None}
    card = CardState(key=key, deck_id=deck_id)
    for event in ordered:
        if event.kind is Kind.REVIEW and event.uuid in undone:
            card = replace(card, log_id=_last_id(card, event))
            continue
        card = apply(card, event, scheduler)
    return card


def complete(events: Iterable[LogEvent], scheduler: Scheduler, preset: Preset) -> list[LogEvent]:
    """Fill the fields a review row fixes when it is answered (due, state before, interval
    before, leech) where an imported row left them empty, replaying the card in log order.
    `scheduler` must have fuzz off; rows that have the fields keep them."""
    ordered = list(events)
    undone = {e.target for e in ordered if e.kind is Kind.UNDO and e.target is not None}
    card: CardState | None = None
    out: list[LogEvent] = []
    for event in ordered:
        if card is None:
            card = CardState(key=event.key, deck_id=event.deck_id)
        if event.kind is Kind.REVIEW and (event.due is None or event.state_before is None):
            assert event.rating is not None
            plan = schedule(card, Rating(event.rating), from_us(event.time), scheduler, preset)
            derived = event.state_before is None
            event = replace(
                event,
                due=plan.due if event.due is None else event.due,
                state_before=int(plan.state_before) if derived else event.state_before,
                interval_before=plan.interval_before if derived else event.interval_before,
                leech=int(plan.leech) if event.leech is None else event.leech,
            )
        out.append(event)
        if not (event.kind is Kind.REVIEW and event.uuid in undone):
            card = apply(card, event, scheduler)
    return out
