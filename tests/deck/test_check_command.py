"""`quiz check`: exit codes, plain and JSON output, and errors without tracebacks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from quiz.cli import main
from quiz.deck.session import CheckSession
from tests.deck.fakes import ExecRunner

GOOD = """\
schema_version: 1
id: good
title: Good
cards:
  - {id: one, type: predict, code: print(1), answer: '1'}
  - {id: two, type: code, prompt: p, solution: x = 2, check: assert x == 2, wrong: [x = 3]}
"""
FAILING = GOOD.replace("id: good", "id: failing").replace("answer: '1'", "answer: '7'")
INVALID = "schema_version: 1\nid: invalid\ntitel: Oops\ncards: []\n"


def session(
    tmp_path: Path, *decks: str, as_json: bool = False
) -> tuple[CheckSession, io.StringIO, io.StringIO]:
    paths = []
    for i, text in enumerate(decks):
        path = tmp_path / f"deck{i}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    out, err = io.StringIO(), io.StringIO()
    made = CheckSession(
        paths, as_json=as_json, make_runner=lambda: (ExecRunner(), 2), out=out, err=err
    )
    return made, out, err


def test_all_proven_exits_0(tmp_path: Path) -> None:
    check, out, _ = session(tmp_path, GOOD)
    assert check.once() == 0
    assert "checked 2 cards in 1 deck: 2 passed, 0 failed, 0 skipped" in out.getvalue()


def test_a_failing_card_exits_1_and_points_at_it(tmp_path: Path) -> None:
    check, out, _ = session(tmp_path, FAILING)
    assert check.once() == 1
    line = next(x for x in out.getvalue().splitlines() if "FAIL" in x)
    assert line == (
        f"{tmp_path / 'deck0.yaml'}:5:5: failing/one: FAIL: claims '7' (auto match) but the code "
        "prints '1'"
    )


def test_an_invalid_deck_exits_2_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    check, out, err = session(tmp_path, GOOD, INVALID)
    assert check.once() == 2
    assert f"{tmp_path / 'deck1.yaml'}:3:1: invalid: unknown field 'titel'" in err.getvalue()
    assert "2 passed" in out.getvalue()


def test_json_lines_one_object_per_card(tmp_path: Path) -> None:
    check, out, _ = session(tmp_path, FAILING, as_json=True)
    assert check.once() == 1
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sorted(rows[0]) == ["card", "deck", "duration_ms", "file", "line", "message", "status"]
    by_card = {row["card"]: row for row in rows}
    assert by_card["one"]["status"] == "fail" and by_card["one"]["line"] == 5
    assert by_card["two"]["status"] == "pass"
    assert by_card["two"]["file"] == str(tmp_path / "deck0.yaml")


def test_plain_progress_lines_when_not_a_terminal(tmp_path: Path) -> None:
    check, _, err = session(tmp_path, GOOD, FAILING)
    check.once()
    assert "checked good: all proven" in err.getvalue()
    assert "checked failing: 1 failed" in err.getvalue()


def test_fully_cached_check_starts_no_sandbox(tmp_path: Path) -> None:
    check, _, _ = session(tmp_path, GOOD)
    assert check.once() == 0

    def no_sandbox() -> tuple[ExecRunner, int]:
        raise AssertionError("the sandbox was started for cached cards")

    check.make_runner = no_sandbox
    check._runner = None
    assert check.once() == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "no/such/deck.yaml"], "quiz: no/such/deck.yaml: no such deck file or folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message
    assert "Traceback" not in captured.err


def test_an_empty_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 2
    assert "no deck files" in capsys.readouterr().err


def test_invalid_only_exits_2_without_a_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "bad.yaml"
    deck.write_text(INVALID, encoding="utf-8")
    assert main(["check", str(deck)]) == 2
    err = capsys.readouterr().err
    assert f"{deck}:3:1: invalid: unknown field 'titel' in a deck; did you mean 'title'?" in err
    assert "Traceback" not in err


def test_history_no_deck_claims_is_noted(
    tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quiz.paths import locations
    from quiz.srs import maintenance
    from quiz.srs.store import Store

    Store.open(locations().database).close()
    seen: list[list[str]] = []

    def fake_orphans(store: Store, decks: list[object]) -> list[str]:
        seen.append([getattr(d, "id", "") for d in decks])
        return ["gone/card-a", "gone/card-b"]

    monkeypatch.setattr(maintenance, "orphans", fake_orphans)
    check, _, err = session(tmp_path, GOOD)
    assert check.once() == 0
    assert seen == [["good"]]
    assert "note: review history for 2 cards that no deck has: gone/card-a, gone/card-b" in (
        err.getvalue()
    )


def test_no_database_no_note(tmp_path: Path) -> None:
    check, _, err = session(tmp_path, GOOD)
    assert check.once() == 0
    assert "note:" not in err.getvalue()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_that_is_cleared(tmp_path: Path) -> None:
    deck = tmp_path / "deck.yaml"
    deck.write_text(FAILING, encoding="utf-8")
    out, err = io.StringIO(), FakeTerminal()
    check = CheckSession([deck], make_runner=lambda: (ExecRunner(), 2), out=out, err=err)
    assert check.once() == 1
    bar = err.getvalue()
    assert "\r[" in bar and "] 2/2 failing/" in bar
    assert bar.endswith("\r"), "the bar is wiped before the summary"
    assert "checked failing" not in bar, "no plain progress lines on a terminal"
    assert "failing/one: FAIL" in out.getvalue()


def test_json_prints_load_problems_as_objects(tmp_path: Path) -> None:
    check, out, _ = session(tmp_path, GOOD, INVALID, as_json=True)
    assert check.once() == 2
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    invalid = [o for o in objects if o["status"] == "invalid"]
    assert {
        "status": "invalid",
        "file": str(tmp_path / "deck1.yaml"),
        "line": 3,
        "column": 1,
        "deck": "invalid",
        "card": None,
        "message": "unknown field 'titel' in a deck; did you mean 'title'?",
    } in invalid
    assert sum(1 for o in objects if o["status"] == "pass") == 2


def test_the_orphan_note_is_only_about_the_checked_decks(tmp_path: Path, quiz_home: Path) -> None:
    from quiz.paths import locations
    from tests.srs.conftest import make_deck
    from tests.srs.damage import reviewed_store

    # History for 5 cards of another deck, and for one card `good` no longer has.
    reviewed_store(locations().database, make_deck("other", 5), 5)
    reviewed_store(locations().database, make_deck("good", 1), 1)
    check, _, err = session(tmp_path, GOOD)
    assert check.once() == 0
    assert "note: review history for 1 card that no deck has: good/c00000" in err.getvalue()
    assert "other/" not in err.getvalue()


def test_singular_counts_in_the_summary(tmp_path: Path) -> None:
    one = GOOD.split("  - {id: two")[0]
    check, out, _ = session(tmp_path, one, INVALID)
    assert check.once() == 2
    assert "checked 1 card in 1 deck: 1 passed" in out.getvalue()
    assert "; 1 deck file could not be loaded" in out.getvalue()


# YAML escapes for an OSC 52 clipboard write, a screen clear, a C1 CSI and BEL.
HOSTILE = r"\e]52;c;ZXZpbA==\a\e[2J\x9b31m\a"
# A deck's own text may not hold them (the loader refuses it), so the run builds them.
RUNTIME_HOSTILE = "chr(27) + ']52;c;ZXZpbA==' + chr(7) + chr(27) + '[2J' + chr(0x9B) + '31m'"
HOSTILE_CHECK = GOOD.replace("id: good", "id: hostile").replace(
    "check: assert x == 2", f'check: "raise ValueError({RUNTIME_HOSTILE})"'
)
HOSTILE_FIELD = f'schema_version: 1\nid: bad\ntitle: t\n"ti{HOSTILE}tle": x\ncards: []\n'


@pytest.mark.parametrize("as_json", [False, True])
def test_control_characters_from_a_deck_never_reach_the_terminal(
    tmp_path: Path, as_json: bool
) -> None:
    """In an exception message and in a field name, the control characters are dropped."""
    check, out, err = session(tmp_path, HOSTILE_CHECK, HOSTILE_FIELD, as_json=as_json)
    assert check.once() == 2
    shown = out.getvalue() + err.getvalue()
    assert "ZXZpbA==" in shown and "ValueError" in shown and "unknown field" in shown
    for char in "\x1b\x07\x9b":
        assert char not in shown
