"""Groups across decks: a card of one deck joins another deck's group as `deck-id/group`, so the
two are never in the same day's queue and answering one buries the other for the day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from fsrs import Rating

from quiz.deck.model import Deck
from quiz.outcome import Outcome
from quiz.srs.collection import Collection
from quiz.srs.preset import Preset
from quiz.srs.store import Store
from tests.srs.conftest import Clock, make_deck

NO_FUZZ = Preset(fuzz=False)


def _answer(col: Collection, key: str) -> None:
    col.answer(
        key,
        Rating.Easy,
        proposed=None,
        outcome=Outcome.SELF_GRADED,
        answer_text="",
        duration_ms=500,
        instance={},
    )


def _decks(other_group: str) -> tuple[Deck, Deck]:
    first = make_deck("first", 2, groups={0: "init-order"})
    second = make_deck("second", 2, groups={0: other_group})
    return first, second


def test_a_deck_qualified_group_joins_the_other_decks_group(store: Store, clock: Clock) -> None:
    first, second = _decks("first/init-order")
    assert first.cards[0].sibling_group == second.cards[0].sibling_group == "first/init-order"
    col = Collection(store, [first, second], clock, NO_FUZZ, tz=UTC)
    # One of the two siblings is in today's queue, plus each deck's ungrouped card.
    assert col.counts().new == 3
    _answer(col, "first/c00000")
    assert col.info("second/c00000").buried
    shown = set()
    while (card := col.next_card()) is not None and card.key not in shown:
        shown.add(card.key)
        _answer(col, card.key)
    assert "second/c00000" not in shown
    clock.advance(days=1)
    assert not col.info("second/c00000").buried


def test_the_same_slug_in_two_decks_is_two_groups(store: Store, clock: Clock) -> None:
    first, second = _decks("init-order")
    assert second.cards[0].sibling_group == "second/init-order"
    col = Collection(store, [first, second], clock, NO_FUZZ, tz=UTC)
    assert col.counts().new == 4
    _answer(col, "first/c00000")
    assert not col.info("second/c00000").buried


def test_a_card_without_a_group_has_no_sibling_group() -> None:
    card = make_deck("d", 1).cards[0]
    assert card.sibling_group is None
    assert replace(card, group="d/x").sibling_group == "d/x"
