"""The review engine's facade: today's queue, answering, undo, bury/suspend/flag, card info.

A Collection joins the loaded decks (what cards exist) with the store (what happened to them).
Every change is one log row plus the card's new cached state, written in one transaction that
reads the card's state from the database, so several processes may answer one database.
Cards not in any loaded deck keep their history but are never queued.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsrs import Rating, Scheduler

from quiz.deck.model import Card, Deck
from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.srs import grading, queue
from quiz.srs.events import CardState, Kind, LogEvent, Phase, new_uuid
from quiz.srs.newcards import NewCards
from quiz.srs.preset import Preset
from quiz.srs.records import (
    CardInfo,
    QueueCounts,
    ReviewRow,
    effective_reviews,
    review_row,
)
from quiz.srs.replay import apply, fold, schedule, scheduler_for
from quiz.srs.store import Store
from quiz.srs.timeutil import DEFAULT_DAY_START_HOUR, day_bounds, from_us, to_us, utc_now

__all__ = ["CardInfo", "Collection", "QueueCounts", "ReviewRow", "effective_reviews"]

FLAGS = range(0, 8)
"""0 is no flag; 1-7 are Anki's colours (red, orange, green, blue, pink, turquoise, purple)."""


def _settings_tz(store: Store) -> tzinfo | None:
    name = store.setting("timezone")
    if not name:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise QuizError(f"timezone setting {name!r} is not a known time zone") from exc


_NOT_UNDONE_TODAY = "uuid NOT IN (SELECT target FROM log WHERE kind = 'undo' AND time >= ?)"


class Collection:
    """Study state of the loaded decks. Times come from `clock` (UTC-aware)."""

    def __init__(
        self,
        store: Store,
        decks: Sequence[Deck],
        clock: Callable[[], datetime] = utc_now,
        preset: Preset | None = None,
        *,
        tz: tzinfo | None = None,
        day_start_hour: int | None = None,
    ) -> None:
        self.store = store
        self.decks = list(decks)
        self.clock = clock
        self._preset_override = preset
        self.tz = tz if tz is not None else _settings_tz(store)
        hour = day_start_hour if day_start_hour is not None else store.setting("day_start_hour")
        self.day_start_hour = int(hour) if hour is not None else DEFAULT_DAY_START_HOUR
        if not 0 <= self.day_start_hour <= 23:
            raise QuizError(f"day start hour {self.day_start_hour} is not 0-23")
        self._cards: dict[str, Card] = {}
        self._groups: dict[str, str] = {}
        for deck in self.decks:
            for card in deck.cards:
                self._cards[card.key] = card
                group = card.sibling_group  # global: `deck-id/group`, across decks
                if group is not None:
                    self._groups[card.key] = group
        self._presets: dict[str, Preset] = {}
        self._schedulers: dict[tuple[str, bool | None], Scheduler] = {}
        self._undo: list[str] = []
        self._new = NewCards(self.decks)
        self._new.load(store)

    # -- presets and time ----------------------------------------------------------------------

    def preset(self, deck_id: str) -> Preset:
        if self._preset_override is not None:
            return self._preset_override
        found = self._presets.get(deck_id)
        if found is None:
            found = self._presets[deck_id] = self.store.presets().for_deck(deck_id)
        return found

    def _scheduler(self, deck_id: str, fuzz: bool | None) -> Scheduler:
        key = (deck_id, fuzz)
        found = self._schedulers.get(key)
        if found is None:
            found = self._schedulers[key] = scheduler_for(self.preset(deck_id), fuzz=fuzz)
        return found

    def now(self) -> datetime:
        return from_us(to_us(self.clock()))  # exact UTC, at the microsecond the store keeps

    def today(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        return day_bounds(now or self.now(), self.tz, self.day_start_hour)

    # -- cards ---------------------------------------------------------------------------------

    def card(self, card_key: str) -> Card:
        found = self._cards.get(card_key)
        if found is None:
            raise QuizError(f"no card {card_key!r} in the loaded decks", title="Card")
        return found

    def _deck_of(self, card_key: str) -> str:
        card = self._cards.get(card_key)
        if card is not None:
            return card.deck_id
        return card_key.partition("/")[0]

    def _sibling_group(self, card: Card) -> str | None:
        return self._groups.get(card.key)

    def _note_state(self, card: CardState) -> None:
        self._new.note(card.key, card.state, card.suspended, card.buried_at)

    # -- the queue -----------------------------------------------------------------------------

    def _build(self, deck_id: str | None, now: datetime) -> queue.DayQueue:
        self._new.refresh(self.store)
        start, end = self.today(now)
        now_us, start_us, end_us = to_us(now), to_us(start), to_us(end)
        ahead_us = now_us + queue.LEARN_AHEAD_SECONDS * 1_000_000
        decks = [d for d in self.decks if deck_id is None or d.id == deck_id]
        not_buried = "(buried_at IS NULL OR buried_at < ?)"
        with self.store.read() as conn:
            scope, params = ("AND deck_id = ?", (deck_id,)) if deck_id is not None else ("", ())
            learning = [
                (key, due)
                for key, due in conn.execute(
                    f"SELECT key, due FROM cards WHERE state IN (1, 3) AND due <= ? "
                    f"AND suspended = 0 AND {not_buried} {scope} ORDER BY due",
                    (ahead_us, start_us, *params),
                )
                if key in self._cards
            ]
            today_rows = conn.execute(
                f"SELECT key, deck_id, state_before FROM log WHERE kind = 'review' "
                f"AND time >= ? AND {_NOT_UNDONE_TODAY}",
                (start_us, start_us),
            ).fetchall()
            new_done: dict[str, int] = {}
            reviews_done: dict[str, int] = {}
            answered_groups: dict[str, set[str]] = {}
            for key, card_deck, state_before in today_rows:
                if state_before == Phase.NEW:
                    new_done[card_deck] = new_done.get(card_deck, 0) + 1
                elif state_before == Phase.REVIEW:
                    reviews_done[card_deck] = reviews_done.get(card_deck, 0) + 1
                group = self._groups.get(key)
                if group is not None:
                    answered_groups.setdefault(group, set()).add(key)

            def reviews(deck: Deck) -> Iterator[queue.Candidate]:
                # One range of the cards_deck_queue index, read only as far as the limit needs.
                for key, due in conn.execute(
                    f"SELECT key, due FROM cards WHERE deck_id = ? AND state = 2 AND due < ? "
                    f"AND suspended = 0 AND {not_buried} ORDER BY due",
                    (deck.id, end_us, start_us),
                ):
                    if key in self._cards:
                        yield queue.Candidate(key, self._groups.get(key), due)

            def new(deck: Deck) -> Iterator[queue.Candidate]:
                for key in self._new.in_deck(deck.id, start_us):
                    yield queue.Candidate(key, self._groups.get(key))

            day = queue.build(
                learn_now=[k for k, due in learning if due <= now_us],
                learn_ahead=[k for k, due in learning if due > now_us],
                reviews={d.id: reviews(d) for d in decks},
                new={d.id: new(d) for d in decks},
                reviews_left={
                    d.id: self.preset(d.id).reviews_per_day - reviews_done.get(d.id, 0)
                    for d in decks
                },
                new_left={
                    d.id: self.preset(d.id).new_per_day - new_done.get(d.id, 0) for d in decks
                },
                answered_groups=answered_groups,
                new_done=sum(new_done.get(d.id, 0) for d in decks),
                reviews_done=sum(reviews_done.get(d.id, 0) for d in decks),
            )
        return day

    def counts(self, deck_id: str | None = None) -> QueueCounts:
        day = self._build(deck_id, self.now())
        return QueueCounts(new=len(day.new), learn=day.learn_count, due=len(day.reviews))

    def next_card(self, deck_id: str | None = None) -> Card | None:
        key = self._build(deck_id, self.now()).next_key()
        return self._cards[key] if key is not None else None

    def next_due_at(self) -> datetime | None:
        """When the next card becomes studyable: now, a learning step, or the next day."""
        now = self.now()
        day = self._build(None, now)
        if day.next_key() is not None:
            return now
        _, end = self.today(now)
        best: datetime | None = None
        with self.store.read() as conn:
            # The first loaded card of each kind, in due order (index ranges, read lazily).
            for states in ("1, 3", "2"):
                for key, state, due in conn.execute(
                    f"SELECT key, state, due FROM cards WHERE state IN ({states}) "
                    f"AND suspended = 0 ORDER BY due"
                ):
                    if key not in self._cards:
                        continue
                    at = from_us(due)
                    # A review is due from the start of its study day; anything due today that
                    # is not in the queue (over a limit, buried) waits for the next study day.
                    learning_later = state != Phase.REVIEW and at > now
                    candidate = at if learning_later else max(self.today(at)[0], end)
                    best = candidate if best is None else min(best, candidate)
                    if learning_later or state == Phase.REVIEW:
                        break  # later rows cannot come sooner
        if self._new.any():  # new cards wait for the next study day
            best = end if best is None else min(best, end)
        return best

    def cram(self, deck_id: str | None = None, tag: str | None = None) -> list[Card]:
        """Cards for custom study: answers there are not scheduled, so nothing here writes."""
        self._new.refresh(self.store)
        suspended = {c.key for c in self.store.cards_where("suspended != 0")}
        return [
            card
            for deck in self.decks
            if deck_id is None or deck.id == deck_id
            for card in deck.cards
            if (tag is None or tag in card.tags) and card.key not in suspended
        ]

    # -- answering -----------------------------------------------------------------------------

    def intervals(self, card_key: str) -> dict[Rating, timedelta]:
        """What each grade would schedule now, before fuzz (fsrs adds a few percent)."""
        deck_id = self.card(card_key).deck_id
        now = self.now()
        state = self.store.card(card_key, deck_id)
        preset = self.preset(deck_id)
        plain = self._scheduler(deck_id, False)
        return {
            rating: from_us(schedule(state, rating, now, plain, preset).due) - now
            for rating in Rating
        }

    def propose(
        self, card_key: str, outcome: Outcome, duration_ms: int, used_hint: bool, retried: bool
    ) -> Rating:
        earlier = [
            e.duration_ms or 0
            for e in effective_reviews(self.store.events(card_key))
            if e.outcome == Outcome.PASS
        ]
        return grading.propose(
            Outcome(outcome),
            duration_ms,
            used_hint=used_hint,
            retried=retried,
            earlier_pass_ms=earlier,
        )

    def _time_for(self, conn: Any, key: str) -> int:
        # Never record an event before one the card already has (a clock stepped back, or
        # another process's clock): the cache folds in log order, and log order is time order.
        last = conn.execute("SELECT max(time) FROM log WHERE key = ?", (key,)).fetchone()[0]
        now_us = to_us(self.now())
        return max(now_us, int(last)) if last is not None else now_us

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
    ) -> str:
        """Record one answer and schedule the card; returns the review's uuid."""
        deck_id = self.card(card_key).deck_id
        rating = Rating(rating)
        with self.store.write() as conn:
            at_us = self._time_for(conn, card_key)
            before = self.store.card_in(conn, card_key, deck_id)
            preset = self.preset(deck_id)
            plan = schedule(before, rating, from_us(at_us), self._scheduler(deck_id, None), preset)
            event = self.store.append(
                conn,
                LogEvent(
                    uuid=new_uuid(),
                    kind=Kind.REVIEW,
                    time=at_us,
                    key=card_key,
                    deck_id=deck_id,
                    rating=int(rating),
                    proposed=int(proposed) if proposed is not None else None,
                    outcome=Outcome(outcome).value,
                    answer_text=answer_text,
                    duration_ms=int(duration_ms),
                    instance=json.dumps(dict(instance), sort_keys=True, default=str),
                    due=plan.due,
                    state_before=int(plan.state_before),
                    interval_before=plan.interval_before,
                    leech=int(plan.leech),
                ),
            )
            after = apply(before, event, self._scheduler(deck_id, False))
            self.store.put_card(conn, after)
        self._note_state(after)
        self._undo.append(event.uuid)
        return event.uuid

    def undo(self) -> str | None:
        """Undo this session's last answer still standing; returns its card key, or None.

        The log stays append-only: an `undo` row names the review it cancels, and the card is
        refolded from its log without it (exactly what a rebuild does).
        """
        while self._undo:
            target = self._undo.pop()
            with self.store.write() as conn:
                row = conn.execute(
                    "SELECT key, deck_id FROM log WHERE uuid = ? AND kind = 'review' "
                    "AND NOT EXISTS (SELECT 1 FROM log WHERE kind = 'undo' AND target = ?)",
                    (target, target),
                ).fetchone()
                if row is None:
                    continue  # already undone elsewhere
                key, deck_id = row
                self.store.append(
                    conn,
                    LogEvent(
                        new_uuid(),
                        Kind.UNDO,
                        self._time_for(conn, key),
                        key,
                        deck_id,
                        target=target,
                    ),
                )
                card = fold(
                    key, deck_id, self.store.events_for(conn, key), self._scheduler(deck_id, False)
                )
                self.store.put_card(conn, card)
            self._note_state(card)
            return str(key)
        return None

    @property
    def undo_depth(self) -> int:
        return len(self._undo)

    def _mark(self, card_key: str, kind: Kind, value: int | None = None) -> CardState:
        deck_id = self._deck_of(card_key)
        with self.store.write() as conn:
            before = self.store.card_in(conn, card_key, deck_id)
            event = self.store.append(
                conn,
                LogEvent(
                    new_uuid(), kind, self._time_for(conn, card_key), card_key, deck_id, value=value
                ),
            )
            after = apply(before, event, self._scheduler(deck_id, False))
            self.store.put_card(conn, after)
        self._note_state(after)
        return after

    def bury(self, card_key: str) -> None:
        """Hide the card until the next study day."""
        self.card(card_key)
        self._mark(card_key, Kind.BURY)

    def suspend(self, card_key: str) -> None:
        self.card(card_key)
        self._mark(card_key, Kind.SUSPEND)

    def unsuspend(self, card_key: str) -> None:
        self._mark(card_key, Kind.UNSUSPEND)

    def reset(self, card_key: str) -> None:
        """Forget the card's schedule: it is new again (its history stays in the log)."""
        self._mark(card_key, Kind.RESET)

    def flag(self, card_key: str, flag: int) -> None:
        if flag not in FLAGS:
            raise QuizError(f"flag {flag} is not 0-7", title="Flag")
        self._mark(card_key, Kind.FLAG, value=flag)

    # -- reading -------------------------------------------------------------------------------

    def info(self, card_key: str) -> CardInfo:
        deck_id = self._deck_of(card_key)
        state = self.store.card(card_key, deck_id)
        start, _ = self.today()
        start_us = to_us(start)
        buried = state.buried_at is not None and state.buried_at >= start_us
        card = self._cards.get(card_key)
        group = self._sibling_group(card) if card is not None else None
        if not buried and group is not None:
            buried = self._sibling_answered_today(card_key, group, start_us)
        return CardInfo(
            key=card_key,
            state=state.state.label,
            due=from_us(state.due) if state.due is not None else None,
            stability=state.stability,
            difficulty=state.difficulty,
            reps=state.reps,
            lapses=state.lapses,
            suspended=state.suspended,
            buried=buried,
            flag=state.flag,
            leech=state.leech,
            last_review=from_us(state.last_review) if state.last_review is not None else None,
        )

    def _sibling_answered_today(self, card_key: str, group: str, start_us: int) -> bool:
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT DISTINCT key FROM log WHERE kind = 'review' AND time >= ? "
                f"AND {_NOT_UNDONE_TODAY}",
                (start_us, start_us),
            ).fetchall()
        for (key,) in rows:
            other = self._cards.get(key)
            if key != card_key and other is not None and self._sibling_group(other) == group:
                return True
        return False

    def history(self, card_key: str) -> list[ReviewRow]:
        return [review_row(e) for e in effective_reviews(self.store.events(card_key))]

    def study_seconds_today(self) -> float:
        start, _ = self.today()
        start_us = to_us(start)
        with self.store.read() as conn:
            total = conn.execute(
                f"SELECT coalesce(sum(duration_ms), 0) FROM log WHERE kind = 'review' "
                f"AND time >= ? AND {_NOT_UNDONE_TODAY}",
                (start_us, start_us),
            ).fetchone()[0]
        return float(total) / 1000.0
