"""The card cache is a pure function of the log: rebuilding it equals what answering wrote."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.maintenance import orphans, rebuild
from quiz.srs.preset import Preset
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck

N_CARDS = 4

_ops = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, N_CARDS - 1), st.sampled_from(list(Rating))),
    st.tuples(st.just("advance"), st.integers(0, 20 * 24 * 60), st.just(None)),
    st.tuples(st.just("undo"), st.just(0), st.just(None)),
    st.tuples(
        st.sampled_from(["suspend", "unsuspend", "bury", "reset", "flag"]),
        st.integers(0, N_CARDS - 1),
        st.just(None),
    ),
)


def _snapshot(store: Store) -> list[tuple[object, ...]]:
    return store.conn.execute("SELECT * FROM cards ORDER BY key").fetchall()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(_ops, max_size=40),
    fuzz=st.booleans(),
    leech_threshold=st.integers(0, 3),
)
def test_rebuild_from_log_equals_incremental_state(
    ops: list[tuple[str, int, Rating | None]], fuzz: bool, leech_threshold: int
) -> None:
    deck = make_deck("d", N_CARDS, groups={0: "g", 1: "g"})
    clock = Clock(datetime(2024, 1, 1, 12, tzinfo=UTC))
    preset = Preset(fuzz=fuzz, leech_threshold=leech_threshold)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "quiz.db") as store:
        store.set_setting("preset:default", preset.overrides())
        col = Collection(store, [deck], clock, tz=UTC)
        for op, arg, rating in ops:
            key = deck.cards[arg % N_CARDS].key
            if op == "answer" and rating is not None:
                col.answer(
                    key,
                    rating,
                    proposed=None,
                    outcome=Outcome.SELF_GRADED,
                    answer_text="",
                    duration_ms=10,
                    instance={},
                )
            elif op == "advance":
                clock.now += timedelta(minutes=arg)
            elif op == "undo":
                col.undo()
            elif op == "flag":
                col.flag(key, 2)
            else:
                getattr(col, op)(key)
        incremental = _snapshot(store)
        assert rebuild(store) == len(incremental)
        assert _snapshot(store) == incremental


def test_orphans_are_history_no_deck_claims(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 3)
    col = Collection(store, [deck], clock, tz=UTC)
    for card in deck.cards:
        col.bury(card.key)
    assert orphans(store, [deck]) == []
    shrunk = make_deck("d", 1)
    assert orphans(store, [shrunk]) == ["d/c00001", "d/c00002"]
    # Only the given decks' history: checking another deck never calls this one's orphaned.
    assert orphans(store, [make_deck("other", 1)]) == []
    assert orphans(store, []) == []


def test_rebuild_recovers_a_wiped_cache(store: Store, clock: Clock) -> None:
    deck = make_deck("d", 2)
    col = Collection(store, [deck], clock, tz=UTC)
    col.answer(
        "d/c00000",
        Rating.Easy,
        proposed=None,
        outcome=Outcome.PASS,
        answer_text="",
        duration_ms=1,
        instance={},
    )
    before = _snapshot(store)
    store.conn.execute("DELETE FROM cards")
    assert rebuild(store) == 1
    assert _snapshot(store) == before
