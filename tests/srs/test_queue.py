"""The daily queue: Anki's limits and order, siblings, and the 04:00 day boundary in any zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating

from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.preset import Preset
from quiz.srs.store import Store
from quiz.srs.timeutil import day_bounds
from tests.srs.conftest import Clock, make_deck

NO_FUZZ = Preset(fuzz=False)
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def answer(col: Collection, key: str, rating: Rating = Rating.Good) -> None:
    col.answer(
        key,
        rating,
        proposed=None,
        outcome=Outcome.SELF_GRADED,
        answer_text="",
        duration_ms=500,
        instance={},
    )


def graduate(col: Collection, clock: Clock, keys: list[str]) -> None:
    """Make cards review cards due in a few days, answered now."""
    for key in keys:
        answer(col, key, Rating.Easy)


def test_new_cards_per_day_limit_and_the_next_day(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 30)
    col = Collection(store, [deck], clock, NO_FUZZ, tz=UTC)
    assert col.counts().new == 20
    for _ in range(20):
        card = col.next_card()
        assert card is not None
        answer(col, card.key, Rating.Easy)
    assert col.counts().new == 0
    assert col.next_card() is None
    # The next study day starts at 04:00: new cards come back, and yesterday's reviews too.
    clock.now = datetime(2024, 6, 4, 3, 59, tzinfo=UTC)
    assert col.counts().new == 0
    clock.now = datetime(2024, 6, 4, 4, 0, tzinfo=UTC)
    assert col.counts().new == 10


def test_reviews_per_day_limit_counts_only_review_cards(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 8)
    col = Collection(store, [deck], clock, replace(NO_FUZZ, reviews_per_day=3), tz=UTC)
    graduate(col, clock, [c.key for c in deck.cards])
    clock.advance(days=30)
    counts = col.counts()
    assert (counts.new, counts.due) == (0, 3)
    answer(col, col.next_card().key, Rating.Again)  # type: ignore[union-attr]
    counts = col.counts()
    # Relearning in 10 minutes: counted already (inside the 20-minute learn-ahead window, as
    # Anki counts it), but reviews come first until it is due.
    assert (counts.learn, counts.due) == (1, 2)
    assert col.info(col.next_card().key).state == "review"  # type: ignore[union-attr]
    # A learning card due now comes before reviews.
    clock.advance(minutes=10)
    card = col.next_card()
    assert card is not None and col.info(card.key).state == "relearning"


def test_learning_cards_due_first_then_learn_ahead(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 2)
    col = Collection(store, [deck], clock, replace(NO_FUZZ, new_per_day=1), tz=UTC)
    first = col.next_card()
    assert first is not None
    answer(col, first.key, Rating.Good)  # next step in 10 minutes
    assert col.counts() == type(col.counts())(new=0, learn=1, due=0)
    # Nothing else today: the learning card is shown up to 20 minutes early, as in Anki.
    assert col.next_card() == first
    clock.advance(minutes=1)
    answer(col, first.key, Rating.Good)  # graduates
    assert col.next_card() is None


def test_all_decks_learn_count_is_the_sum_of_the_decks(store: Store, clock: Clock) -> None:
    """A deck with nothing but learning cards left must not count more than "all decks" does."""
    busy, quiet = make_deck("busy", 10), make_deck("quiet", 2)
    col = Collection(store, [busy, quiet], clock, replace(NO_FUZZ, new_per_day=20), tz=UTC)
    for card in quiet.cards:
        answer(col, card.key, Rating.Good)  # both learning, next step in 10 minutes
    answer(col, busy.cards[0].key, Rating.Again)  # learning, due in 1 minute
    clock.advance(minutes=2)  # busy's card is due now; quiet's two are due within the window
    per_deck = [col.counts(deck.id).learn for deck in (busy, quiet)]
    assert per_deck == [1, 2]
    assert col.counts().learn == sum(per_deck)


def test_new_cards_are_interleaved_with_reviews(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 40)
    col = Collection(store, [deck], clock, replace(NO_FUZZ, new_per_day=20), tz=UTC)
    graduate(col, clock, [c.key for c in deck.cards[:20]])
    clock.advance(days=60)
    kinds: list[str] = []
    for _ in range(40):
        card = col.next_card()
        assert card is not None
        kinds.append(col.info(card.key).state)
        answer(col, card.key, Rating.Easy)
    assert kinds.count("new") == 20 and kinds.count("review") == 20
    # Evenly spread: never two of a kind in a row when there are equal numbers.
    assert all(kinds[i] != kinds[i + 1] for i in range(len(kinds) - 1))


def test_siblings_are_buried_for_the_day(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 4, groups={0: "g", 1: "g", 2: "g"})
    col = Collection(store, [deck], clock, NO_FUZZ, tz=UTC)
    # Only one card of group g is in today's queue, plus the ungrouped card.
    assert col.counts().new == 2
    answer(col, "d/c00000", Rating.Easy)
    assert col.info("d/c00001").buried
    assert [col.next_card()] == [deck.cards[3]]
    clock.advance(days=1)
    assert col.counts().new == 2
    assert not col.info("d/c00001").buried


def test_deck_filter_and_orphan_history_never_queued(store: Store, clock: Clock) -> None:
    a, b = make_deck("a", 2), make_deck("b", 3)
    col = Collection(store, [a, b], clock, NO_FUZZ, tz=UTC)
    assert col.counts("a").new == 2 and col.counts("b").new == 3 and col.counts().new == 5
    answer(col, "b/c00000", Rating.Again)
    # Deck b's card c00000 is deleted from the deck: its history stays, it is never queued.
    smaller = replace(b, cards=b.cards[1:])
    col2 = Collection(store, [a, smaller], clock, NO_FUZZ, tz=UTC)
    clock.advance(minutes=5)
    assert col2.counts() == type(col2.counts())(new=4, learn=0, due=0)
    assert col2.next_card() is not None and col2.next_card() != b.cards[0]
    # ... and resumes it when the card comes back.
    col3 = Collection(store, [a, b], clock, NO_FUZZ, tz=UTC)
    assert col3.next_card() == b.cards[0]
    assert col3.info("b/c00000").reps == 1


def test_next_due_at(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    col = Collection(store, [deck], clock, NO_FUZZ, tz=UTC)
    assert col.next_due_at() == clock.now
    answer(col, "d/c00000", Rating.Good)
    clock.advance(minutes=30)  # past the learn-ahead window: due again now
    assert col.next_due_at() == clock.now
    answer(col, "d/c00000", Rating.Good)  # graduates, due in days
    due = col.info("d/c00000").due
    assert due is not None
    assert col.next_due_at() == day_bounds(due, UTC)[0]


def test_other_processes_answers_show_up(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 3)
    mine = Collection(store, [deck], clock, replace(NO_FUZZ, new_per_day=2), tz=UTC)
    assert mine.counts().new == 2
    other_store = Store.open(store.path)
    try:
        theirs = Collection(other_store, [deck], clock, replace(NO_FUZZ, new_per_day=2), tz=UTC)
        answer(theirs, "d/c00000", Rating.Easy)
    finally:
        other_store.close()
    assert mine.counts().new == 1
    assert mine.next_card() == deck.cards[1]


@pytest.mark.parametrize(
    ("tz", "local_day_start"),
    [
        (UTC, datetime(2024, 6, 3, 4, tzinfo=UTC)),
        (SEOUL, datetime(2024, 6, 3, 4, tzinfo=SEOUL)),
        (NEW_YORK, datetime(2024, 6, 3, 4, tzinfo=NEW_YORK)),
    ],
)
def test_day_starts_at_four_local_time(
    store: Store, clock: Clock, tz: ZoneInfo, local_day_start: datetime
) -> None:
    deck = make_deck("d", 5)
    col = Collection(store, [deck], clock, replace(NO_FUZZ, new_per_day=1), tz=tz)
    clock.now = local_day_start.astimezone(UTC) + timedelta(hours=12)
    answer(col, col.next_card().key, Rating.Easy)  # type: ignore[union-attr]
    assert col.counts().new == 0
    clock.now = (local_day_start + timedelta(days=1, minutes=-1)).astimezone(UTC)
    assert col.counts().new == 0
    clock.now = (local_day_start + timedelta(days=1)).astimezone(UTC)
    assert col.counts().new == 1


def test_day_boundary_across_dst_changes() -> None:
    # Spring forward (2024-03-10 02:00 EST -> 03:00 EDT): that study day is 23 hours long.
    start, end = day_bounds(datetime(2024, 3, 9, 20, tzinfo=UTC), NEW_YORK)
    assert start == datetime(2024, 3, 9, 9, tzinfo=UTC)  # 04:00 EST
    assert end == datetime(2024, 3, 10, 8, tzinfo=UTC)  # 04:00 EDT
    assert end - start == timedelta(hours=23)
    # Fall back (2024-11-03 02:00 EDT -> 01:00 EST): 25 hours.
    start, end = day_bounds(datetime(2024, 11, 2, 20, tzinfo=UTC), NEW_YORK)
    assert (start, end) == (
        datetime(2024, 11, 2, 8, tzinfo=UTC),
        datetime(2024, 11, 3, 9, tzinfo=UTC),
    )
    # At 03:30 local on the short day, it is still the previous study day.
    moment = datetime(2024, 3, 10, 3, 30, tzinfo=NEW_YORK).astimezone(UTC)
    assert day_bounds(moment, NEW_YORK)[0] == datetime(2024, 3, 9, 9, tzinfo=UTC)


def test_dst_change_does_not_reopen_the_day(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 5)
    col = Collection(store, [deck], clock, replace(NO_FUZZ, new_per_day=1), tz=NEW_YORK)
    clock.now = datetime(2024, 11, 2, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
    answer(col, col.next_card().key, Rating.Easy)  # type: ignore[union-attr]
    # 01:30 EDT and then 01:30 EST (an hour later, the repeated hour): the same study day.
    for fold in (0, 1):
        clock.now = datetime(2024, 11, 3, 1, 30, fold=fold, tzinfo=NEW_YORK).astimezone(UTC)
        assert col.counts().new == 0
    clock.now = datetime(2024, 11, 3, 4, 0, tzinfo=NEW_YORK).astimezone(UTC)
    assert col.counts().new == 1


def test_system_local_time_zone_is_used_by_default(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Seoul")
    time.tzset()
    try:
        deck = make_deck("d", 3)
        col = Collection(store, [deck], clock, replace(NO_FUZZ, new_per_day=1))
        clock.now = datetime(2024, 6, 3, 18, 59, tzinfo=UTC)  # 03:59 in Seoul
        answer(col, "d/c00000", Rating.Easy)
        clock.now = datetime(2024, 6, 3, 19, 0, tzinfo=UTC)  # 04:00 in Seoul: a new day
        assert col.counts().new == 1
    finally:
        monkeypatch.undo()
        time.tzset()
