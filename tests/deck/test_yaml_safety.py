"""Decks come from other people: tags construct nothing, alias bombs and cycles are refused,
bad bytes and syntax are reported with their position, and nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.deck.loader import load_deck, load_deck_text
from quiz.deck.yamlnodes import MAX_EXPANDED_NODES, MAX_FILE_BYTES


def messages(text: str) -> list[str]:
    return [str(p) for p in load_deck_text(text, "d.yaml").problems]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused() -> None:
    found = messages(billion_laughs())
    assert found == [
        f"d.yaml:1:1: aliases expand this document past {MAX_EXPANDED_NODES} nodes; refusing it"
    ]


def test_modest_aliases_are_fine() -> None:
    text = """\
schema_version: 1
id: demo
title: Demo
cards:
  - {id: a, type: code, prompt: p, solution: &s "x = 1", check: "assert x == 1"}
  - {id: b, type: code, prompt: p, solution: *s, check: "assert x == 1"}
"""
    loaded = load_deck_text(text, "d.yaml")
    assert loaded.problems == []
    assert loaded.deck is not None
    assert loaded.deck.cards[1].solution == "x = 1"


def test_cyclic_alias_is_refused() -> None:
    assert any("refers to itself" in m for m in messages("a: &a [1, *a]\n"))


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch /tmp/quiz-pwned']",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!custom thing",
        "!!set {a, b}",
    ],
)
def test_foreign_tags_are_reported_and_never_constructed(tag: str, tmp_path: Path) -> None:
    found = messages(f"schema_version: 1\nid: demo\ntitle: {tag}\ncards: []\n")
    assert any(m.startswith("d.yaml:3:8: tag ") and "is not allowed" in m for m in found), found
    assert not Path("/tmp/quiz-pwned").exists()


def test_bad_utf8_points_at_the_byte(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_bytes(b"schema_version: 1\nid: d\ntitle: caf\xe9\n")
    found = [str(p) for p in load_deck(deck).problems]
    assert found == [f"{deck}:3:11: not valid UTF-8 (byte 0xe9); save the deck as UTF-8"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    text = (
        "schema_version: 1\nid: d\ntitle: 제목\ncards: [{id: a, type: flip, prompt: p, answer: x}]"
    )
    deck.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_deck(deck).problems == []


def test_control_characters_are_a_syntax_problem() -> None:
    found = messages("title: a\x07b\n")
    assert len(found) == 1 and found[0].startswith("d.yaml:1:9: ")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert "decks are limited to" in str(load_deck(deck).problems[0])


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    found = messages("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert len(found) == 1 and found[0].startswith("d.yaml:1:"), found


def test_unreadable_path_is_a_problem(tmp_path: Path) -> None:
    found = load_deck(tmp_path / "missing.yaml").problems
    assert "cannot read the file" in found[0].message


def test_keys_must_be_strings() -> None:
    found = messages("schema_version: 1\n? [a, b]\n: c\n")
    assert any(m.startswith("d.yaml:2:3: keys in a deck must be strings") for m in found), found
