"""`quiz new DECK_ID`: a starter deck that loads cleanly, has every card type, and never
overwrites a file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from quiz.cli import main
from quiz.deck.checking import check_decks
from quiz.deck.loader import load_deck
from quiz.deck.model import CardType


def test_writes_a_valid_deck_with_every_card_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my-deck"]) == 0
    loaded = load_deck(tmp_path / "my-deck.yaml")
    assert loaded.problems == []
    assert loaded.deck is not None and loaded.deck.id == "my-deck"
    assert {card.type for card in loaded.deck.cards} == set(CardType)
    assert any(card.vary for card in loaded.deck.cards)


def test_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("precious", encoding="utf-8")
    assert main(["new", "mine"]) == 2
    assert (tmp_path / "mine.yaml").read_text(encoding="utf-8") == "precious"
    assert "already exists" in capsys.readouterr().err


def test_rejects_an_id_that_is_not_a_slug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "My_Deck"]) == 2
    assert "is not a deck id" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_starter_deck_is_proven_by_the_real_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool_module = pytest.importorskip("quiz.sandbox.pool", reason="the sandbox pool is not built")
    monkeypatch.chdir(tmp_path)
    main(["new", "proven"])
    deck = load_deck(tmp_path / "proven.yaml").deck
    assert deck is not None
    with pool_module.SandboxPool(workers=1) as pool:
        reports = asyncio.run(check_decks([deck], pool, cache=None))
    assert [r.status for r in reports] == ["pass"] * len(deck.cards), [r.message for r in reports]
