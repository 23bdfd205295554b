"""The bundled decks: every card proven by `quiz check`, and the shape issue 6 promises.

Counts, the type mix, `vary` use and Korean coverage are product requirements: a deck edit
that breaks one of them should fail the build like any other regression.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from quiz.deck.library import discover, load_library
from quiz.deck.model import Card, CardType, Deck, Text
from quiz.paths import bundled_decks_dir

MINIMUM_CARDS = {
    "tensor-parameter-buffer": 40,
    "hooks": 40,
    "containers": 25,
    "module-basics": 20,
    "state-dict": 15,
    "autograd-basics": 20,
}
TRANSLATED_DECKS = {"tensor-parameter-buffer": "ko", "hooks": "ko"}


@pytest.fixture(scope="module")
def decks() -> dict[str, Deck]:
    library = load_library(discover([], bundled=True, user=False))
    problems = [str(p) for load in library.failures for p in load.problems]
    assert not problems, "\n".join(problems)
    return {deck.id: deck for deck in library.decks}


@pytest.fixture(scope="module")
def cards(decks: dict[str, Deck]) -> list[Card]:
    return [card for deck in decks.values() for card in deck.cards]


def test_every_promised_deck_has_its_cards(decks: dict[str, Deck]) -> None:
    for deck_id, minimum in MINIMUM_CARDS.items():
        assert deck_id in decks, f"missing deck {deck_id}"
        assert len(decks[deck_id].cards) >= minimum, deck_id
    assert sum(len(d.cards) for d in decks.values()) >= 160


def test_type_mix(cards: list[Card]) -> None:
    kinds = Counter(card.type for card in cards)
    total = len(cards)
    assert (kinds[CardType.CODE] + kinds[CardType.CLOZE]) / total >= 0.35, kinds
    assert kinds[CardType.PREDICT] / total >= 0.30, kinds


def test_vary_count(cards: list[Card]) -> None:
    assert sum(1 for card in cards if card.vary) >= 15


def test_every_card_explains_and_links_the_docs(cards: list[Card]) -> None:
    for card in cards:
        assert card.explain is not None and card.explain.get().strip(), card.key
        assert card.refs, card.key
        assert all(ref.startswith("https://") for ref in card.refs), card.key


def _texts(card: Card) -> list[tuple[str, Text]]:
    fields: list[tuple[str, Text | None]] = [
        ("prompt", card.prompt),
        ("hint", card.hint),
        ("explain", card.explain),
        ("answer", card.answer_text),
    ]
    fields += [(f"options[{i}]", option.text) for i, option in enumerate(card.options)]
    return [(name, text) for name, text in fields if text is not None]


@pytest.mark.parametrize(("deck_id", "lang"), sorted(TRANSLATED_DECKS.items()))
def test_translation_coverage(decks: dict[str, Deck], deck_id: str, lang: str) -> None:
    deck = decks[deck_id]
    assert lang in deck.title.languages
    missing = [
        f"{card.key}: {name}"
        for card in deck.cards
        for name, text in _texts(card)
        if lang not in text.languages or not text.by_lang[lang].strip()
    ]
    assert not missing, "untranslated:\n" + "\n".join(missing)


@pytest.mark.slow
def test_quiz_check_proves_every_bundled_card() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "quiz", "check", "--json", "--no-cache", str(bundled_decks_dir())],
        capture_output=True,
        text=True,
        timeout=600,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    failed = [f"{r['deck']}/{r['card']}: {r['message']}" for r in rows if r["status"] != "pass"]
    assert not failed, "\n".join(failed)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(rows) >= 160
