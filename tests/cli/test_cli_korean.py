"""`--lang ko` (or the config's `lang = "ko"`) makes the commands speak Korean: their summaries,
their errors and the store's, with no English source text left; machine output stays as it is."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz.cli import main
from quiz.i18n import set_language

BROKEN_DECK = textwrap.dedent(
    """\
    schema_version: 1
    id: half-broken
    title: Half broken
    cards:
      - id: fine
        type: predict
        prompt: What does this print?
        code: print(1 + 1)
        answer: "2"
      - id: broken
        type: nosuch
        prompt: Which type?
    """
)


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    # The language is process-wide: leave every later test in English.
    yield
    set_language("en")


def test_check_of_a_broken_deck_reports_in_korean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "half-broken.yaml"
    deck.write_text(BROKEN_DECK, encoding="utf-8")
    assert main(["--lang", "ko", "check", str(deck)]) == 2
    captured = capsys.readouterr()
    assert "덱 파일 1개를 읽지 못했어요" in captured.out
    assert "검사했어요" in captured.out
    assert "could not be loaded" not in captured.out and "checked" not in captured.out
    # The problem itself names the file, line and column, as editors read it.
    assert f"{deck}:11:" in captured.err


def test_check_says_it_in_english_with_the_counts_agreeing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "half-broken.yaml"
    deck.write_text(BROKEN_DECK, encoding="utf-8")
    assert main(["check", str(deck)]) == 2
    out = capsys.readouterr().out
    assert "checked 0 cards in 0 decks" in out and "; 1 deck file could not be loaded" in out


def test_stats_on_an_empty_home_speak_korean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "ko", "stats"]) == 0
    out = capsys.readouterr().out
    for korean in ("오늘", "카드 0장", "연속 학습", "0일", "실제 기억 유지율", "예보", "최근 60일"):
        assert korean in out, korean
    for english in ("Today", "Streak", "Forecast", "True retention", " again", "last 60 days"):
        assert english not in out, english


def test_json_stays_machine_output_under_korean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "ko", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert "today" in stats and "streak" in stats


def test_an_unknown_deck_is_refused_in_korean(
    quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--lang", "ko", "config", "--deck", "nosuchdeck", "new_per_day", "5"]) == 2
    err = capsys.readouterr().err
    assert "id가 'nosuchdeck'인 덱이 없어요" in err and "아는 덱: " in err and "hooks" in err
    assert "no deck has the id" not in err and "known decks" not in err


def test_the_config_lang_turns_the_commands_korean(
    quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiz_home.mkdir(parents=True, exist_ok=True)
    (quiz_home / "config.toml").write_text('lang = "ko"\n', encoding="utf-8")
    assert main(["config", "learning-step", "1m"]) == 2
    err = capsys.readouterr().err
    assert "'learning-step'(이)라는 설정은 없어요" in err
    assert "'learning_steps'을(를) 말한 건가요?" in err
    assert "no setting is called" not in err and "did you mean" not in err


def test_the_store_s_errors_speak_korean(
    quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiz_home.mkdir(parents=True, exist_ok=True)
    (quiz_home / "quiz.db").write_bytes(b"this is no database, just text\n" * 4)
    assert main(["--lang", "ko", "stats"]) == 2
    err = capsys.readouterr().err
    assert "읽을 수 있는 quiz 데이터베이스가 아니에요" in err and "SQLite 파일이 아니에요" in err
    assert "not a readable quiz database" not in err and "left untouched" not in err


def test_a_deck_problem_is_reported_in_korean_where_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "half-broken.yaml"
    deck.write_text(BROKEN_DECK, encoding="utf-8")
    assert main(["--lang", "ko", "check", str(deck)]) == 2
    err = capsys.readouterr().err
    # FILE:LINE:COL: DECK/CARD: as editors read it, then the problem in Korean.
    assert f"{deck}:11:11: half-broken/broken: 알 수 없는 카드 유형이에요: 'nosuch'(유형: " in err
    assert "unknown card type" not in err and "types:" not in err


def test_a_deck_problem_stays_english_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "half-broken.yaml"
    deck.write_text(BROKEN_DECK, encoding="utf-8")
    assert main(["check", str(deck)]) == 2
    err = capsys.readouterr().err
    assert f"{deck}:11:11: half-broken/broken: unknown card type 'nosuch' (types: flip," in err


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # as one line: argparse wraps to the width


def test_lang_ko_help_is_korean(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(["--lang", "ko", "--help"], capsys)
    assert "명령 없이 실행하면 오늘 복습할 차례인 카드로 학습 TUI를 열어요" in out
    assert "이 폴더나 파일의 덱도 읽어요" in out and "덱을 검사하고" in out  # options, commands
    assert "With no command" not in out and "also load decks" not in out


def test_lang_ko_exec_help_is_korean(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(["--lang", "ko", "exec", "--help"], capsys)
    assert "FILE을 카드 코드와 똑같이 샌드박스에서 실행하고" in out
    assert "실행할 Python 파일" in out and "실제 경과 시간(기본값 5)" in out
    assert "the Python file to run" not in out and "wall clock" not in out


@pytest.mark.parametrize(
    ("config", "expected", "absent"),
    [
        ('lang = "ko"\n', "PATH 아래 덱 파일이 저장될 때마다 다시 검사해요", "check again"),
        # A broken config must not keep `quiz check --help` from showing: English, then.
        ("lang = [broken\n", "check again whenever a deck file under PATH", "다시 검사해요"),
    ],
)
def test_the_config_lang_makes_the_help_korean(
    config: str, expected: str, absent: str, quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiz_home.mkdir(parents=True, exist_ok=True)
    (quiz_home / "config.toml").write_text(config, encoding="utf-8")
    out = _help(["check", "--help"], capsys)
    assert expected in out and absent not in out


def test_a_preset_value_is_refused_in_korean(
    quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--lang", "ko", "config", "desired_retention", "2"]) == 2
    err = capsys.readouterr().err
    assert (
        "desired_retention: 2.0은(는) 올바르지 않아요. 가능한 값: 0.70에서 0.99 사이의 숫자" in err
    )
    assert "is not valid" not in err
