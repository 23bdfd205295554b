"""Presets: parsing what `quiz config` is given, validation with specific messages, merging."""

from __future__ import annotations

import pytest

from quiz.errors import QuizError
from quiz.srs.preset import Preset, Presets, format_steps, parse_steps, parse_value


def test_steps_parse_and_format() -> None:
    assert parse_steps("1m 10m") == (60, 600)
    assert parse_steps("30s, 1.5h 2d") == (30, 5400, 172800)
    assert format_steps((60, 600, 5400, 86400, 45)) == "1m 10m 90m 1d 45s"
    with pytest.raises(QuizError, match="learning_steps: '10x'"):
        parse_value("learning-steps", "1m 10x")


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("desired_retention", "0.5", "desired_retention: 0.5 is not valid; expected a number"),
        ("desired_retention", "high", "desired_retention: 'high' is not valid"),
        ("new_per_day", "-1", "new_per_day: -1 is not valid"),
        ("maximum_interval", "0", "maximum_interval: 0 is not valid"),
        ("parameters", "1 2 3", "parameters: .* is not valid; expected 21 numbers"),
        ("leech_action", "delete", "leech_action: 'delete' is not valid; expected suspend or tag"),
        ("fuzz", "maybe", "fuzz: 'maybe' is not valid"),
    ],
)
def test_invalid_values_name_the_key(key: str, text: str, message: str) -> None:
    with pytest.raises(QuizError, match=message):
        Preset().merged({key: parse_value(key, text)})


def test_out_of_bounds_parameter_names_its_index() -> None:
    params = list(Preset().parameters)
    params[4] = 99.0
    with pytest.raises(QuizError, match=r"parameters: weight 5 of 21: 99.0 is not valid"):
        Preset().merged({"parameters": params})


def test_errors_show_values_as_typed_not_as_python_holds_them() -> None:
    with pytest.raises(QuizError) as caught:
        Preset().merged({"parameters": [1.0, 2.0]})
    assert caught.value.message == "parameters: 2 values is not valid; expected 21 numbers"
    with pytest.raises(QuizError, match=r"learning_steps: '400d' is not valid"):
        Preset().merged({"learning_steps": [400 * 86400]})


def test_unknown_key() -> None:
    with pytest.raises(QuizError, match="unknown preset key 'colour'"):
        parse_value("colour", "red")


def test_deck_overrides_default_overrides_builtin() -> None:
    presets = Presets(
        default={"new_per_day": 5, "fuzz": False}, decks={"hooks": {"new_per_day": 9}}
    )
    assert presets.for_deck("hooks").new_per_day == 9
    assert presets.for_deck("hooks").fuzz is False
    assert presets.for_deck("other").new_per_day == 5
    assert Preset(new_per_day=7).overrides() == {"new_per_day": 7}
