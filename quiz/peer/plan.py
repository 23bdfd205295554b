"""Which cards a session asks, in which order, as which `vary` instance: kept so a resume asks
exactly the same questions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from quiz.deck.model import Card, Deck
from quiz.deck.vary import instantiate, pick
from quiz.errors import QuizError
from quiz.peer.protocol import GRADED_TYPES


@dataclass(frozen=True)
class Question:
    deck: Deck
    card: Card  # the instance asked (vary substituted)

    def as_dict(self) -> dict[str, Any]:
        return {"deck": self.deck.id, "card": self.card.id, "bindings": dict(self.card.instance)}


def choose(decks: list[Deck], count: int | None, rng: random.Random) -> list[Question]:
    """Up to `count` graded cards from the decks, shuffled, each as one vary instance."""
    pool = [(deck, card) for deck in decks for card in deck.cards if card.type in GRADED_TYPES]
    if not pool:
        raise QuizError(
            "these decks have no card a session can grade (predict, choice, code or cloze)",
            title="Nothing to ask",
        )
    rng.shuffle(pool)
    chosen = pool if count is None else pool[:count]
    return [Question(deck, pick(card, rng)) for deck, card in chosen]


def restore(decks: list[Deck], saved: list[dict[str, Any]]) -> list[Question]:
    by_id = {deck.id: deck for deck in decks}
    questions = []
    for entry in saved:
        deck = by_id.get(entry["deck"])
        card = deck.card(entry["card"]) if deck is not None else None
        if deck is None or card is None:
            raise QuizError(
                f"the saved session asks {entry['deck']}/{entry['card']}, which no loaded deck has",
                title="Cannot resume",
            )
        questions.append(Question(deck, instantiate(card, entry["bindings"])))
    return questions
