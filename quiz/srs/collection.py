"""The review engine's facade: today's queue, answering, undo, bury/suspend/flag, card info.

A Collection joins the loaded decks (what cards exist) with the store (what happened to them).
Every change is one log row plus the card's new cached state, written in one transaction that
reads the card's state from the database, so several processes may answer one database.
Cards not in any loaded deck keep their history but are never queued.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsrs import Rating, Scheduler

from quiz.deck.model import Card, Deck
from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.srs import grading, queue
from quiz.srs.events import CardState, Kind, LogEvent, Phase, new_uuid
from quiz.srs.preset import Preset
from quiz.srs.replay import apply, fold, schedule, scheduler_for
from quiz.srs.store import Store
from quiz.srs.timeutil import DEFAULT_DAY_START_HOUR, day_bounds, from_us, to_us, utc_now

FLAGS = range(0, 8)
"""0 is no flag; 1-7 are Anki's colours (red, orange, green, blue, pink, turquoise, purple)."""


@dataclass(frozen=True)
class QueueCounts:
    new: int
    learn: int
    due: int


@dataclass(frozen=True)
class CardInfo:
    key: str
    state: str  # "new" | "learning" | "review" | "relearning"
    due: datetime | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int
    suspended: bool
    buried: bool
    flag: int
    leech: bool
    last_review: datetime | None


@dataclass(frozen=True)
class ReviewRow:
    reviewed_at: datetime
    rating: Rating
    proposed: Rating | None
    outcome: Outcome
    answer_text: str
    duration_ms: int
    instance: dict[str, Any]


def review_row(event: LogEvent) -> ReviewRow:
    assert event.rating is not None
    return ReviewRow(
        reviewed_at=from_us(event.time),
        rating=Rating(event.rating),
        proposed=Rating(event.proposed) if event.proposed is not None else None,
        outcome=Outcome(event.outcome or Outcome.SELF_GRADED),
        answer_text=event.answer_text or "",
        duration_ms=event.duration_ms or 0,
        instance=json.loads(event.instance) if event.instance else {},
    )


def effective_reviews(events: Sequence[LogEvent]) -> list[LogEvent]:
    """The reviews in a card's log that no undo row cancels, in log order."""
    undone = {e.target for e in events if e.kind is Kind.UNDO}
    return [e for e in events if e.kind is Kind.REVIEW and e.uuid not in undone]


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
        self._deck_keys: dict[str, list[str]] = {}
        self._groups: dict[str, str] = {}
        self._position: dict[str, int] = {}
        for deck in self.decks:
            keys = self._deck_keys.setdefault(deck.id, [])
            for card in deck.cards:
                key = card.key
                self._cards[key] = card
                self._position[key] = len(keys)
                keys.append(key)
                if card.group:
                    self._groups[key] = f"{deck.id}/{card.group}"
        self._presets: dict[str, Preset] = {}
        self._schedulers: dict[tuple[str, bool | None], Scheduler] = {}
        self._undo: list[str] = []
        # Which cards cannot be new today (seen or suspended; buried, by when), kept in memory
        # so the queue never scans every card row, and refreshed from the log rows past
        # `_seen_log_id`, so other processes' answers show up. `_new_positions` holds, per
        # deck, the sorted deck positions of the cards that are new, so finding today's new
        # cards reads only those.
        self._not_new: set[str] = set()
        self._new_buried_at: dict[str, int] = {}
        self._new_positions: dict[str, list[int]] = {}
        self._seen_log_id = 0
        # The TUI calls in from worker threads: the in-memory indexes change under this lock.
        self._lock = threading.RLock()
        self._load_not_new()

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

    def _load_not_new(self) -> None:
        with self.store.read() as conn:
            self._seen_log_id = int(
                conn.execute("SELECT coalesce(max(id), 0) FROM log").fetchone()[0]
            )
            rows = conn.execute(
                "SELECT key, state, suspended, buried_at FROM cards "
                "WHERE state != 0 OR suspended != 0 OR buried_at IS NOT NULL"
            ).fetchall()
        self._not_new.clear()
        self._new_buried_at.clear()
        self._new_positions.clear()
        for key, state, suspended, buried_at in rows:
            self._note(key, state, suspended, buried_at)
        for deck_id, keys in self._deck_keys.items():
            self._new_positions[deck_id] = [
                i for i, key in enumerate(keys) if key not in self._not_new
            ]

    def _refresh(self) -> None:
        with self._lock, self.store.read() as conn:
            # NOT INDEXED: a rowid range over the newest rows, never a scan of an index.
            changed: dict[str, int] = {}
            for log_id, key in conn.execute(
                "SELECT id, key FROM log NOT INDEXED WHERE id > ?", (self._seen_log_id,)
            ):
                changed[key] = log_id
                self._seen_log_id = max(self._seen_log_id, log_id)
            for key in changed:
                row = conn.execute(
                    "SELECT state, suspended, buried_at FROM cards WHERE key = ?", (key,)
                ).fetchone()
                if row is not None:
                    self._note(key, *row)

    def _note(self, key: str, state: int, suspended: int, buried_at: int | None) -> None:
        with self._lock:
            self._note_locked(key, state, suspended, buried_at)

    def _note_locked(self, key: str, state: int, suspended: int, buried_at: int | None) -> None:
        is_new = state == Phase.NEW and not suspended
        if is_new:
            self._not_new.discard(key)
        else:
            self._not_new.add(key)
        card = self._cards.get(key)
        positions = self._new_positions.get(card.deck_id) if card is not None else None
        if positions is not None:
            at = self._position[key]
            i = bisect.bisect_left(positions, at)
            present = i < len(positions) and positions[i] == at
            if is_new and not present:
                positions.insert(i, at)
            elif present and not is_new:
                del positions[i]
        if buried_at is not None:
            self._new_buried_at[key] = buried_at
        else:
            self._new_buried_at.pop(key, None)

    def _note_state(self, card: CardState) -> None:
        self._note(card.key, card.state, card.suspended, card.buried_at)

    # -- the queue -----------------------------------------------------------------------------

    def _build(self, deck_id: str | None, now: datetime) -> queue.DayQueue:
        self._refresh()
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
                keys = self._deck_keys[deck.id]
                with self._lock:
                    positions = list(self._new_positions.get(deck.id, ()))
                for at in positions:
                    key = keys[at]
                    buried_at = self._new_buried_at.get(key)
                    if buried_at is None or buried_at < start_us:
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
        if any(self._new_positions.values()):  # new cards wait for the next study day
            best = end if best is None else min(best, end)
        return best

    def cram(self, deck_id: str | None = None, tag: str | None = None) -> list[Card]:
        """Cards for custom study: answers there are not scheduled, so nothing here writes."""
        self._refresh()
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
