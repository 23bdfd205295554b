"""Unit tests of the TUI's pure helpers: formatting, highlighting, search, heatmap, cloze layout."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.sandbox.protocol import RunResult, RunStatus
from quiz.tui.browse_filter import BrowseRow, Filter, parse_filter, select
from quiz.tui.formatting import cells, clock_time, interval, pad, relative, study_time
from quiz.tui.highlighting import python_highlights
from quiz.tui.screens.study import editor_command
from quiz.tui.screens.study_card import correct_choices
from quiz.tui.widgets.cloze_answer import MIN_BLANK_CELLS, _lines
from quiz.tui.widgets.heatmap import grid, level
from quiz.tui.widgets.verdict import diff_lines
from tests.tui.decks import BASICS, CHOICE, CODE, HOOK, PREDICT
from tests.tui.fakes import T0, Info, Judged


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=30), "<1m"),
        (timedelta(minutes=10), "<10m"),
        (timedelta(hours=5), "<5h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=3, hours=11), "3d"),
        (timedelta(days=45), "1.5mo"),
        (timedelta(days=60), "2mo"),
        (timedelta(days=400), "1.1y"),
    ],
)
def test_interval_reads_like_anki(delta: timedelta, shown: str) -> None:
    assert interval(delta) == shown


def test_times() -> None:
    assert clock_time(65) == "1:05"
    assert clock_time(3725) == "1:02:05"
    assert study_time(754) == "12 min"
    assert study_time(3900) == "1 h 5 min"
    assert relative(T0 + timedelta(minutes=10), T0) == "in 10m"
    assert relative(T0 - timedelta(days=2), T0) == "2d ago"
    assert relative(None, T0) == "—"


def test_korean_text_is_padded_by_cells_not_characters() -> None:
    assert cells("훅") == 2
    assert pad("텐서", 6) == "텐서  "
    assert cells(pad("텐서와 파라미터", 9)) == 9


def test_highlights_are_byte_ranges_per_line() -> None:
    found = python_highlights('x = "훅"  # note\ndef f():\n    return 1')
    line0 = {name: (start, end) for start, end, name in found[0]}
    # "훅" is three bytes in UTF-8: the string token spans bytes 4..9 and the comment follows.
    assert line0["string"][1] == 9
    assert line0["comment"] == (11, 17)
    assert (0, 3, "keyword") in found[1] and (4, 5, "function") in found[1]
    assert (4, 10, "keyword") in found[2] and (11, 12, "number") in found[2]


def test_multiline_tokens_are_split_per_line() -> None:
    found = python_highlights('"""one\ntwo"""')
    assert found[0] == [(0, 6, "string.documentation")]
    assert found[1] == [(0, 6, "string.documentation")]


def _rows() -> list[BrowseRow]:
    infos = {
        PREDICT.key: Info(PREDICT.key, state="review", due=T0 - timedelta(hours=1)),
        CODE.key: Info(CODE.key, suspended=True),
        CHOICE.key: Info(CHOICE.key, state="review", due=T0 + timedelta(days=2), leech=True),
        HOOK.key: Info(HOOK.key),
    }
    cards = [PREDICT, CODE, CHOICE, HOOK]
    return [BrowseRow(c, infos[c.key], c.prompt.get(), BASICS.title.get()) for c in cards]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [PREDICT, CODE, CHOICE, HOOK]),
        ("is:due", [PREDICT]),
        ("is:new", [CODE, HOOK]),
        ("is:suspended", [CODE]),
        ("is:leech", [CHOICE]),
        ("is:review", [PREDICT, CHOICE]),
        ("is:learning", []),
        ("deck:hooks", [HOOK]),
        ("tag:buffers", [CODE]),
        ("deck:basics print", [PREDICT]),
        ("IS:NEW Tag:Hooks", [HOOK]),
    ],
)
def test_browse_filters(query: str, expected: list[object]) -> None:
    shown = select(parse_filter(query), _rows(), T0)
    assert [row.card for row in shown] == expected


def test_browse_filter_errors_say_what_is_accepted() -> None:
    accepted = "use one of: due, new, learning, review, suspended, buried, leech"
    with pytest.raises(QuizError, match=accepted):
        parse_filter("is:late")
    with pytest.raises(QuizError, match="needs a value"):
        parse_filter("tag:")
    assert parse_filter("http://x") == Filter(words=("http://x",))


def test_heatmap_levels_and_grid() -> None:
    assert [level(n, 8) for n in (0, 1, 2, 3, 8)] == [0, 1, 1, 2, 4]
    last = date(2025, 3, 14)  # a Friday
    rows = grid([1] * 10, last)
    assert len(rows) == 7
    assert rows[4][-1] == 1  # Friday, last column
    assert rows[5][-1] is None and rows[6][-1] is None  # the weekend has not come yet
    first = last - timedelta(days=9)  # Wednesday two weeks earlier
    assert rows[first.weekday()][0] == 1 and rows[0][0] is None


def test_cloze_lines_split_text_and_blanks() -> None:
    lines = _lines("a = {{nn.Parameter}}(x)\nb.{{register_buffer::method}}()")
    assert [p.text or f"<{p.blank}>" for p in lines[0]] == ["a = ", "<0>", "(x)"]
    assert [p.text or f"<{p.blank}>" for p in lines[1]] == ["b.", "<1>", "()"]
    assert lines[1][1].hint == "method"
    assert lines[0][1].width == max(MIN_BLANK_CELLS, len("nn.Parameter") + 2)


def test_editor_command_opens_the_file_at_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "nano -w")
    assert editor_command("", Path("d.yaml"), 12) == ["nano", "-w", "+12", "d.yaml"]
    assert editor_command("hx", Path("d.yaml"), 3) == ["hx", "+3", "d.yaml"]
    monkeypatch.delenv("EDITOR")
    monkeypatch.delenv("VISUAL", raising=False)
    assert editor_command("", Path("d.yaml"), 1)[0] == "vi"


def test_choice_marks_come_from_the_truths_when_they_ran() -> None:
    ran = RunResult(status=RunStatus.OK, values=("True", "False", "True"))
    assert correct_choices(CHOICE, Judged(Outcome.PASS, run=ran)) == frozenset({0, 2})
    assert correct_choices(CHOICE, None) == frozenset({0, 1})


def test_diff_marks_theirs_and_the_truth() -> None:
    text = diff_lines("a\nb", "a\nc").plain.splitlines()
    assert text == ["  a", "- b", "+ c"]
