"""Building decks from YAML text in tests."""

from __future__ import annotations

import textwrap

from quiz.deck.loader import load_deck_text
from quiz.deck.model import Card, Deck


def deck_from(text: str, filename: str = "deck.yaml") -> Deck:
    loaded = load_deck_text(textwrap.dedent(text), filename)
    assert not loaded.problems, "\n".join(map(str, loaded.problems))
    assert loaded.deck is not None
    return loaded.deck


def one_card(card_yaml: str, setup: str = "") -> tuple[Deck, Card]:
    """A deck holding one card, given as the YAML of the card's map (without the dash)."""
    body = textwrap.indent(textwrap.dedent(card_yaml), "    ").replace("    ", "  - ", 1)
    setup_yaml = f"setup: {setup!r}\n" if setup else ""
    deck = deck_from(f"schema_version: 1\nid: demo\ntitle: Demo\n{setup_yaml}cards:\n{body}")
    return deck, deck.cards[0]
