"""Loading deck files: YAML syntax errors where they start, and huge files refused unread."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.deck.loader import load_deck
from quiz.deck.yamlnodes import MAX_FILE_BYTES

CARDS = "".join(f"  - {{id: c{i}, type: flip, prompt: p, answer: a}}\n" for i in range(100))


def test_an_unclosed_quote_is_reported_where_it_starts(tmp_path: Path) -> None:
    text = "schema_version: 1\nid: d\ntitle: t\ncards:\n" + CARDS
    text += "  - id: last\n    type: flip\n    prompt: 'never closed\n    answer: a\n\n\n"
    path = tmp_path / "deck.yaml"
    path.write_text(text, encoding="utf-8")
    problems = load_deck(path).problems
    assert len(problems) == 1
    quote_line = text.splitlines().index("    prompt: 'never closed") + 1
    assert (problems[0].pos.line, problems[0].pos.col) == (quote_line, 13)
    assert "quoted scalar" in problems[0].message
    end_line = text.count("\n") + 1
    assert f"at line {end_line}, column 1" in problems[0].message


def test_an_error_found_in_place_stays_there(tmp_path: Path) -> None:
    path = tmp_path / "deck.yaml"
    path.write_text("schema_version: 1\nid: d\n title: t\ncards: []\n", encoding="utf-8")
    problem = load_deck(path).problems[0]
    assert (problem.pos.line, problem.pos.col) == (3, 7)


def test_a_huge_deck_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(3 * 1024**3)  # sparse: 3 GB on paper, nothing on disk
    read: list[Path] = []
    real_open = Path.open

    def spy_read_bytes(self: Path) -> bytes:
        read.append(self)
        return b""

    monkeypatch.setattr(Path, "read_bytes", spy_read_bytes)

    def spy_open(self: Path, *args: object, **kwargs: object) -> object:
        read.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", spy_open)
    loaded = load_deck(path)
    assert read == [], "the file must not be opened for reading"
    assert loaded.deck is None
    assert f"decks are limited to {MAX_FILE_BYTES} bytes" in loaded.problems[0].message
    assert str(3 * 1024**3) in loaded.problems[0].message
