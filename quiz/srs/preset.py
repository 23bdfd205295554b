"""Deck presets: the scheduling options of a deck, their defaults (Anki's), parsing and validation.

A preset is stored as a JSON object of the keys that differ from the defaults: the `default`
preset applies to every deck, and a deck's own preset overrides keys of it. `quiz config`
parses and validates values with `parse_value`; anything invalid is a QuizError that says which
key, what it got and what it accepts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from quiz.errors import QuizError
from quiz.i18n import N_, _, ngettext

LEECH_ACTIONS = ("suspend", "tag")


@dataclass(frozen=True)
class Preset:
    """Scheduling options for one deck (or, as `default`, for all of them)."""

    desired_retention: float = 0.9
    """Probability of recall FSRS aims for when it picks an interval (0.70-0.99)."""
    new_per_day: int = 20
    """New cards introduced per study day."""
    reviews_per_day: int = 200
    """Reviews of graduated cards per study day (learning steps are not limited)."""
    learning_steps: tuple[int, ...] = (60, 600)
    """Steps of a new card, in seconds (`quiz config` takes `1m 10m`)."""
    relearning_steps: tuple[int, ...] = (600,)
    """Steps of a forgotten card, in seconds."""
    maximum_interval: int = 36500
    """Longest interval in days."""
    parameters: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)
    """The 21 FSRS weights (`quiz optimize` fits them to your log)."""
    leech_threshold: int = 8
    """Lapses that make a card a leech (then again every half of this); 0 turns leeches off."""
    leech_action: str = "suspend"
    """What a leech does: `suspend` (tag and suspend) or `tag` (tag only)."""
    fuzz: bool = True
    """Spread review intervals by a few percent so cards learned together drift apart."""

    def learning_deltas(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(seconds=s) for s in self.learning_steps)

    def relearning_deltas(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(seconds=s) for s in self.relearning_steps)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("learning_steps", "relearning_steps", "parameters"):
            data[key] = list(data[key])
        return data

    def overrides(self) -> dict[str, Any]:
        """The keys that differ from the defaults, as JSON-ready values."""
        default = Preset().to_dict()
        return {k: v for k, v in self.to_dict().items() if default[k] != v}

    def merged(self, overrides: Mapping[str, Any]) -> Preset:
        """A copy with `overrides` (JSON-ready values, as stored) applied and validated."""
        changes = {key: _coerce_stored(key, value) for key, value in overrides.items()}
        return validate(replace(self, **changes))


PRESET_KEYS = tuple(f.name for f in fields(Preset))


def _check(ok: bool, key: str, value: object, accepts: str) -> None:
    if not ok:
        raise QuizError(
            _("{key}: {value} is not valid; expected {accepts}").format(
                key=key, value=_shown(value), accepts=accepts
            ),
            title=_("Preset"),
        )


def _shown(value: object) -> str:
    """A value as the user wrote it, not as Python holds it (no tuple reprs)."""
    if isinstance(value, tuple):
        return ngettext("{n} value", "{n} values", len(value)).format(n=len(value))
    return repr(value)


def validate(preset: Preset) -> Preset:
    """The preset itself, or a QuizError naming the first invalid key."""
    p = preset
    _check(
        0.7 <= p.desired_retention <= 0.99,
        "desired_retention",
        p.desired_retention,
        _("a number from 0.70 to 0.99"),
    )
    _check(0 <= p.new_per_day <= 9999, "new_per_day", p.new_per_day, _range(0, 9999))
    _check(0 <= p.reviews_per_day <= 99999, "reviews_per_day", p.reviews_per_day, _range(0, 99999))
    for key, steps in (
        ("learning_steps", p.learning_steps),
        ("relearning_steps", p.relearning_steps),
    ):
        _check(
            len(steps) <= 20 and all(1 <= s <= 366 * 86400 for s in steps),
            key,
            format_steps(steps),
            _("up to 20 steps, each from 1s to 366d"),
        )
    _check(
        1 <= p.maximum_interval <= 36500,
        "maximum_interval",
        p.maximum_interval,
        _("{low} to {high} days").format(low=1, high=36500),
    )
    _check(
        len(p.parameters) == len(DEFAULT_PARAMETERS),
        "parameters",
        p.parameters,
        _numbers(),
    )
    for i, (v, lo, hi) in enumerate(
        zip(p.parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    ):
        _check(
            math.isfinite(v) and lo <= v <= hi,
            _("parameters: weight {index} of {count}").format(
                index=i + 1, count=len(DEFAULT_PARAMETERS)
            ),
            v,
            _range(lo, hi),
        )
    _check(0 <= p.leech_threshold <= 99, "leech_threshold", p.leech_threshold, _range(0, 99))
    _check(
        p.leech_action in LEECH_ACTIONS,
        "leech_action",
        p.leech_action,
        _(" or ").join(LEECH_ACTIONS),
    )
    return preset


def _range(low: float, high: float) -> str:
    return _("{low} to {high}").format(low=low, high=high)


def _numbers() -> str:
    return _("{n} numbers").format(n=len(DEFAULT_PARAMETERS))


_STEP_RE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_steps(text: str, key: str = "steps") -> tuple[int, ...]:
    """`1m 10m` (units s, m, h, d; commas allowed) -> seconds."""
    out: list[int] = []
    for token in text.replace(",", " ").split():
        match = _STEP_RE.match(token)
        _check(match is not None, key, token, _("durations like `1m 10m` (units s, m, h, d)"))
        assert match is not None
        out.append(round(float(match.group(1)) * _UNIT_SECONDS[match.group(2)]))
    return tuple(out)


def format_steps(seconds: Sequence[int]) -> str:
    def one(s: int) -> str:
        for unit in ("d", "h", "m"):
            if s % _UNIT_SECONDS[unit] == 0:
                return f"{s // _UNIT_SECONDS[unit]}{unit}"
        return f"{s}s"

    return " ".join(one(s) for s in seconds)


def _number(kind: Callable[[str], Any], key: str, accepts: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            _check(False, key, text, _(accepts))

    return parse


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    _check(
        lowered in ("true", "false", "on", "off", "yes", "no", "1", "0"),
        "fuzz",
        text,
        _("true or false"),
    )
    return lowered in ("true", "on", "yes", "1")


def _parse_parameters(text: str) -> tuple[float, ...]:
    tokens = text.replace(",", " ").replace("[", " ").replace("]", " ").split()
    try:
        return tuple(float(t) for t in tokens)
    except ValueError:
        _check(False, "parameters", text, _numbers())
        raise  # unreachable: _check raised


_PARSERS: dict[str, Callable[[str], Any]] = {
    "desired_retention": _number(float, "desired_retention", N_("a number")),
    "new_per_day": _number(int, "new_per_day", N_("a whole number")),
    "reviews_per_day": _number(int, "reviews_per_day", N_("a whole number")),
    "learning_steps": lambda t: parse_steps(t, "learning_steps"),
    "relearning_steps": lambda t: parse_steps(t, "relearning_steps"),
    "maximum_interval": _number(int, "maximum_interval", N_("a whole number of days")),
    "parameters": _parse_parameters,
    "leech_threshold": _number(int, "leech_threshold", N_("a whole number")),
    "leech_action": str.strip,
    "fuzz": _parse_bool,
}


def normalize_key(key: str) -> str:
    name = key.strip().replace("-", "_")
    if name not in PRESET_KEYS:
        raise QuizError(
            _("unknown preset key {key}; known keys: {keys}").format(
                key=repr(key), keys=", ".join(PRESET_KEYS)
            ),
            title=_("Preset"),
        )
    return name


def parse_value(key: str, text: str) -> Any:
    """A value typed on the command line, parsed for `key` (validated later as a whole)."""
    return _PARSERS[normalize_key(key)](text)


def format_value(key: str, value: Any) -> str:
    name = normalize_key(key)
    if name in ("learning_steps", "relearning_steps"):
        return format_steps(value)
    if name == "parameters":
        return " ".join(f"{v:.4f}".rstrip("0").rstrip(".") for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _coerce_stored(key: str, value: Any) -> Any:
    name = normalize_key(key)
    if name in ("learning_steps", "relearning_steps"):
        return tuple(int(v) for v in value)
    if name == "parameters":
        return tuple(float(v) for v in value)
    if name == "desired_retention":
        return float(value)
    if name in ("new_per_day", "reviews_per_day", "maximum_interval", "leech_threshold"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise QuizError(
                _("{key}: {value} is not a whole number").format(key=name, value=repr(value)),
                title=_("Preset"),
            )
        return int(value)
    if name == "fuzz":
        return bool(value)
    return str(value)


def dumps(overrides: Mapping[str, Any]) -> str:
    return json.dumps(dict(overrides), sort_keys=True)


@dataclass(frozen=True)
class Presets:
    """The default preset's overrides and each deck's, as stored; `for_deck` resolves one."""

    default: Mapping[str, Any] = field(default_factory=dict)
    decks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def for_deck(self, deck_id: str) -> Preset:
        base = Preset().merged(self.default)
        own = self.decks.get(deck_id)
        return base.merged(own) if own else base
