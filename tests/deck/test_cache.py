"""The check cache: unchanged cards are not run again; editing the card, the deck's setup, or a
different torch invalidates; moving a card within its file does not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from quiz.deck.cache import CheckCache
from quiz.deck.checking import check_decks
from quiz.deck.model import Deck
from quiz.paths import locations
from tests.deck.fakes import ExecRunner
from tests.deck.helpers import deck_from

DECK = """\
schema_version: 1
id: demo
title: Demo
setup: base = 1
cards:
  - {id: a, type: predict, code: print(base), answer: '1'}
  - {id: b, type: predict, code: print(base + 1), answer: '2'}
"""


def check(deck: Deck, cache: CheckCache | None, runner: ExecRunner) -> list[str]:
    reports = asyncio.run(check_decks([deck], runner, cache=cache))
    return [f"{r.card}:{r.status}:{'cached' if r.cached else 'ran'}" for r in reports]


def test_second_check_is_served_from_the_cache(quiz_home: Path) -> None:
    deck = deck_from(DECK)
    runner = ExecRunner()
    assert check(deck, CheckCache(), runner) == ["a:pass:ran", "b:pass:ran"]
    assert len(runner.requests) == 2
    assert check(deck, CheckCache(), runner) == ["a:pass:cached", "b:pass:cached"]
    assert len(runner.requests) == 2
    assert (locations().cache).is_dir()


def test_editing_a_card_reruns_only_that_card() -> None:
    runner = ExecRunner()
    check(deck_from(DECK), CheckCache(), runner)
    edited = deck_from(DECK.replace("print(base + 1), answer: '2'", "print(base + 2), answer: '3'"))
    assert check(edited, CheckCache(), runner) == ["a:pass:cached", "b:pass:ran"]


def test_editing_the_setup_reruns_every_card() -> None:
    runner = ExecRunner()
    check(deck_from(DECK), CheckCache(), runner)
    edited = deck_from(DECK.replace("setup: base = 1", "setup: base = 1; unused = 2"))
    assert check(edited, CheckCache(), runner) == ["a:pass:ran", "b:pass:ran"]


def test_a_different_torch_reruns_every_card() -> None:
    runner = ExecRunner()
    check(deck_from(DECK), CheckCache(torch_version="2.13.0"), runner)
    assert check(deck_from(DECK), CheckCache(torch_version="2.13.0"), runner)[0].endswith("cached")
    assert check(deck_from(DECK), CheckCache(torch_version="2.14.0"), runner) == [
        "a:pass:ran",
        "b:pass:ran",
    ]


def test_moving_a_card_keeps_its_cache_entry() -> None:
    runner = ExecRunner()
    check(deck_from(DECK), CheckCache(), runner)
    moved = deck_from(DECK.replace("cards:\n", "cards:\n\n\n"))
    assert check(moved, CheckCache(), runner) == ["a:pass:cached", "b:pass:cached"]


def test_failures_are_not_cached() -> None:
    runner = ExecRunner()
    failing = deck_from(DECK.replace("answer: '2'", "answer: '5'"))
    assert check(failing, CheckCache(), runner)[1] == "b:fail:ran"
    assert check(failing, CheckCache(), runner)[1] == "b:fail:ran"


def test_no_cache_runs_everything() -> None:
    runner = ExecRunner()
    check(deck_from(DECK), CheckCache(), runner)
    assert check(deck_from(DECK), None, runner) == ["a:pass:ran", "b:pass:ran"]


def test_a_damaged_cache_file_is_a_cold_cache(tmp_path: Path) -> None:
    path = tmp_path / "check.json"
    path.write_text("{not json", encoding="utf-8")
    assert check(deck_from(DECK), CheckCache(path=path), ExecRunner())[0] == "a:pass:ran"
    assert check(deck_from(DECK), CheckCache(path=path), ExecRunner())[0] == "a:pass:cached"
