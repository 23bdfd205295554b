"""The Collection facade: scheduling equals fsrs, answering, undo, bury/suspend/flag, info."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.maintenance import rebuild
from quiz.srs.preset import Preset
from quiz.srs.replay import fsrs_card_id
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck

UTC_TZ = ZoneInfo("UTC")
NO_FUZZ = Preset(fuzz=False)


def answer(col: Collection, key: str, rating: Rating) -> str:
    return col.answer(
        key,
        rating,
        proposed=None,
        outcome=Outcome.SELF_GRADED,
        answer_text="",
        duration_ms=1000,
        instance={},
    )


# Each sequence: (rating, minutes after the previous answer).
GOLDEN = [
    [(Rating.Good, 0), (Rating.Good, 1), (Rating.Good, 10), (Rating.Good, 3 * 1440)],
    [
        (Rating.Again, 0),
        (Rating.Hard, 1),
        (Rating.Good, 6),
        (Rating.Easy, 10),
        (Rating.Again, 9000),
        (Rating.Good, 10),
        (Rating.Good, 2880),
        (Rating.Hard, 20000),
    ],
    [
        (Rating.Easy, 0),
        (Rating.Again, 30000),
        (Rating.Again, 10),
        (Rating.Good, 10),
        (Rating.Good, 5000),
        (Rating.Easy, 7 * 1440),
    ],
]


@pytest.mark.parametrize("sequence", GOLDEN)
def test_answers_schedule_exactly_as_fsrs_does_with_fuzz_off(
    store: Store, clock: Clock, sequence: list[tuple[Rating, int]]
) -> None:
    deck = make_deck("d", 1)
    key = deck.cards[0].key
    col = Collection(store, [deck], clock, NO_FUZZ, tz=UTC_TZ)
    scheduler = Scheduler(enable_fuzzing=False)
    expected = FsrsCard(card_id=fsrs_card_id(key), due=clock.now)
    for rating, minutes in sequence:
        clock.advance(minutes=minutes)
        answer(col, key, rating)
        expected, _ = scheduler.review_card(expected, rating, clock.now)
        info = col.info(key)
        assert info.due == expected.due
        assert info.stability == expected.stability
        assert info.difficulty == expected.difficulty
        assert info.state == expected.state.name.lower()
        assert info.last_review == expected.last_review


def test_card_ids_are_stable_and_within_63_bits() -> None:
    first = fsrs_card_id("parameters-buffers/state-dict-keys")
    assert first == fsrs_card_id("parameters-buffers/state-dict-keys")
    assert 0 <= first < 2**63
    assert first != fsrs_card_id("parameters-buffers/state-dict-key")


def test_intervals_preview_what_each_grade_schedules(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    key = deck.cards[0].key
    col = Collection(store, [deck], clock, NO_FUZZ, tz=UTC_TZ)
    shown = col.intervals(key)
    assert shown[Rating.Again] == timedelta(minutes=1)
    assert shown[Rating.Hard] == timedelta(minutes=5.5)
    assert shown[Rating.Good] == timedelta(minutes=10)
    assert shown[Rating.Easy] >= timedelta(days=1)
    answer(col, key, Rating.Good)
    assert col.info(key).due == clock.now + shown[Rating.Good]


def test_new_card_info_and_unknown_key(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    col = Collection(store, [deck], clock, tz=UTC_TZ)
    info = col.info("d/c00000")
    assert (info.state, info.due, info.stability, info.reps) == ("new", None, None, 0)
    with pytest.raises(QuizError, match="no card 'd/nope'"):
        answer(col, "d/nope", Rating.Good)


def test_undo_restores_the_previous_state_several_levels(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 3)
    col = Collection(store, [deck], clock, NO_FUZZ, tz=UTC_TZ)
    keys = [c.key for c in deck.cards]
    answer(col, keys[0], Rating.Good)
    before_second = col.info(keys[0])
    clock.advance(minutes=10)
    answer(col, keys[0], Rating.Good)
    clock.advance(minutes=1)
    answer(col, keys[1], Rating.Again)
    assert col.undo() == keys[1]
    assert col.info(keys[1]).state == "new"
    assert col.undo() == keys[0]
    assert col.info(keys[0]) == before_second
    assert col.undo() == keys[0]
    assert col.info(keys[0]).state == "new"
    assert col.undo() is None
    assert col.history(keys[0]) == []
    # The undone answers stay in the log, and rebuilding from it agrees.
    assert store.conn.execute("SELECT count(*) FROM log WHERE kind='review'").fetchone()[0] == 3
    rebuild(store)
    assert col.info(keys[0]).state == "new"
    assert col.counts().new == 3


def test_history_keeps_what_was_answered(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    key = deck.cards[0].key
    col = Collection(store, [deck], clock, tz=UTC_TZ)
    col.answer(
        key,
        Rating.Hard,
        proposed=Rating.Good,
        outcome=Outcome.PASS,
        answer_text="['b', 'w']",
        duration_ms=4321,
        instance={"n": 3},
    )
    (row,) = col.history(key)
    assert row.rating is Rating.Hard and row.proposed is Rating.Good
    assert row.outcome is Outcome.PASS
    assert (row.answer_text, row.duration_ms, row.instance) == ("['b', 'w']", 4321, {"n": 3})
    assert row.reviewed_at == clock.now
    assert col.study_seconds_today() == pytest.approx(4.321)


def test_suspend_bury_flag_reset(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 3)
    col = Collection(store, [deck], clock, NO_FUZZ, tz=UTC_TZ)
    a, b, c = (card.key for card in deck.cards)
    col.suspend(a)
    col.bury(b)
    assert col.info(a).suspended and col.info(b).buried
    assert col.counts().new == 1
    assert col.next_card() == deck.cards[2]
    clock.advance(days=1)
    assert col.counts().new == 2  # the bury lasts until the next study day
    col.unsuspend(a)
    assert col.counts().new == 3
    col.flag(c, 3)
    assert col.info(c).flag == 3
    with pytest.raises(QuizError, match="flag 9"):
        col.flag(c, 9)
    answer(col, c, Rating.Easy)
    assert col.info(c).state == "review"
    col.reset(c)
    info = col.info(c)
    assert (info.state, info.reps, info.flag) == ("new", 0, 3)


def test_leech_is_tagged_and_suspended_at_the_threshold(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    key = deck.cards[0].key
    col = Collection(store, [deck], clock, replace(NO_FUZZ, leech_threshold=3), tz=UTC_TZ)
    answer(col, key, Rating.Easy)
    for lapse in range(1, 4):
        clock.now = col.info(key).due or clock.now
        answer(col, key, Rating.Again)  # a lapse
        info = col.info(key)
        assert info.lapses == lapse
        assert info.leech is (lapse == 3) and info.suspended is (lapse == 3)
        if lapse < 3:
            clock.advance(minutes=10)
            answer(col, key, Rating.Good)  # relearned
    assert col.next_card() is None
    col.undo()
    info = col.info(key)
    assert (info.leech, info.suspended, info.lapses) == (False, False, 2)


def test_leech_tag_only_does_not_suspend(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    key = deck.cards[0].key
    preset = replace(NO_FUZZ, leech_threshold=1, leech_action="tag")
    col = Collection(store, [deck], clock, preset, tz=UTC_TZ)
    answer(col, key, Rating.Easy)
    clock.now = col.info(key).due or clock.now
    answer(col, key, Rating.Again)
    info = col.info(key)
    assert info.leech and not info.suspended


def test_propose_grades_from_outcome_and_own_history(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 1)
    key = deck.cards[0].key
    col = Collection(store, [deck], clock, tz=UTC_TZ)
    for outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.TIMEOUT):
        assert col.propose(key, outcome, 100, False, False) is Rating.Again
    assert col.propose(key, Outcome.PASS, 100, True, False) is Rating.Hard
    assert col.propose(key, Outcome.PASS, 100, False, True) is Rating.Hard
    assert col.propose(key, Outcome.PASS, 100, False, False) is Rating.Good  # no history yet
    for ms in (10_000, 12_000):
        col.answer(
            key,
            Rating.Good,
            proposed=Rating.Good,
            outcome=Outcome.PASS,
            answer_text="x",
            duration_ms=ms,
            instance={},
        )
    assert col.propose(key, Outcome.PASS, 5_000, False, False) is Rating.Easy
    assert col.propose(key, Outcome.PASS, 9_000, False, False) is Rating.Good


def test_cram_never_touches_the_schedule(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 3, tags={1: ("hooks",)})
    other = make_deck("e", 2)
    col = Collection(store, [deck, other], clock, tz=UTC_TZ)
    col.suspend("d/c00002")
    assert [c.key for c in col.cram("d")] == ["d/c00000", "d/c00001"]
    assert [c.key for c in col.cram(tag="hooks")] == ["d/c00001"]
    assert len(col.cram()) == 4
    assert col.counts().new == 4
