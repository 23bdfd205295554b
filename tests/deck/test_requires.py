"""Version requirements: parsing specifiers and deciding whether installed torch satisfies them."""

from __future__ import annotations

import asyncio

import pytest

from quiz.deck.checking import check_decks
from quiz.deck.requires import parse_specifier, release_of, unmet
from tests.deck.fakes import ExecRunner
from tests.deck.helpers import deck_from


@pytest.mark.parametrize(
    ("spec", "version", "ok"),
    [
        (">=2.1", "2.13.0", True),
        (">=2.1", "2.0.1", False),
        (">=2.1,<3", "2.13.0+cpu", True),
        (">=2.1,<3", "3.0.0", False),
        ("==2.*", "2.5.1", True),
        ("!=2.13.*", "2.13.0", False),
        ("~=2.10", "2.13.0", True),
        ("~=2.10.1", "2.11.0", False),
        ("<2.13", "2.13.0", False),
        (">2.13", "2.13.1", True),
        ("==2.13", "2.13.0", True),
    ],
)
def test_specifiers(spec: str, version: str, ok: bool) -> None:
    assert (unmet({"torch": spec}, {"torch": version}) == []) is ok


@pytest.mark.parametrize("spec", ["2.1", ">=", ">=two", ">=2.*", "~=2", ">=2.1;<3"])
def test_malformed_specifiers(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_specifier(spec)


def test_release_of_ignores_local_and_pre_release_parts() -> None:
    assert release_of("2.13.0+cpu") == (2, 13, 0)
    assert release_of("2.14.0a0") == (2, 14, 0)
    assert release_of("nonsense") is None


def test_missing_package_is_unmet() -> None:
    assert unmet({"torch": ">=2"}, {"torch": None}) == [
        "requires torch >=2, which is not installed"
    ]


def test_cards_needing_a_newer_torch_are_skipped() -> None:
    deck = deck_from("""\
    schema_version: 1
    id: demo
    title: Demo
    cards:
      - {id: now, type: predict, code: print(1)}
      - {id: later, type: predict, code: print(1), requires: {torch: ">=99"}}
    """)
    runner = ExecRunner()
    reports = asyncio.run(check_decks([deck], runner, cache=None))
    assert [r.status for r in reports] == ["pass", "skip"]
    assert reports[1].message.startswith("skipped: requires torch >=99;")
    assert len(runner.requests) == 1
