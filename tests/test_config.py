"""Application settings: defaults, round trip, and clear errors for a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.config import AppConfig, load_config, save_config
from quiz.errors import QuizError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == AppConfig()


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config = AppConfig(lang="ko", sandbox_workers=3, editor='code --wait "x"')
    save_config(config, path)
    assert load_config(path) == config


def test_default_path_is_under_quiz_home(quiz_home: Path) -> None:
    save_config(AppConfig(lang="ko"))
    assert (quiz_home / "config.toml").exists()
    assert load_config().lang == "ko"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lang = [", "not valid TOML"),
        ("colour = 'red'", "unknown setting 'colour'"),
        ("sandbox_workers = 'two'", "sandbox_workers must be int"),
        ("lang = 3", "lang must be str"),
    ],
)
def test_bad_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(QuizError, match=message):
        load_config(path)
