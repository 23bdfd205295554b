"""Comparing printed output: Python-literal equality, whitespace normalisation, exact, regex.

In `auto` mode numbers compare by value: `40` is `40.0`, and a tensor repr matches one that
differs only in how its numbers are written (`tensor([18, 18, 18])` is `tensor([18., 18., 18.])`),
since the printed dtype is not what such a card asks. Everything else must still be equal: a
bool is not a number, a string is not a number, `[1]` is not `(1,)`, and any other text is
compared after whitespace normalisation. A card whose point is int-versus-float uses `exact`.
"""

from __future__ import annotations

import ast
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from quiz.deck.model import MatchMode

# literal_eval on a learner's text is safe but not free: very long or deep input is just text.
_LITERAL_LIMIT = 10_000
_AROUND_PUNCTUATION = re.compile(r"\s*([,()\[\]{}:])\s*")
# An unsigned decimal number standing alone: not part of a name (`float32`, `MulBackward0`), a
# dotted key (`0.weight`) or a version (`2.13.0`). A sign stays text, so `-0.` is not `0`.
_NUMBER = re.compile(r"(?<![\w.])(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?![\w.])")


def normalise_whitespace(text: str) -> str:
    """Runs of whitespace become one space, and none is kept next to brackets, commas, colons."""
    collapsed = " ".join(text.split())
    return _AROUND_PUNCTUATION.sub(r"\1", collapsed)


def exact_form(text: str) -> str:
    """Exact comparison still forgives trailing spaces and the final newline print() adds."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def parse_literal(text: str) -> tuple[bool, Any]:
    stripped = text.strip()
    if not stripped or len(stripped) > _LITERAL_LIMIT:
        return False, None
    try:
        return True, ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_equal(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down, except that an int and a float of the same
    value are equal: `1` and `1.0` are one answer, `True`, `'1'` and `[1]` are others."""
    if _is_number(a) and _is_number(b):
        if isinstance(a, float) and math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        return bool(a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(value_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(value_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _pieces(text: str) -> tuple[list[str], list[Decimal]]:
    """Text between the numbers, and the numbers' values."""
    between: list[str] = []
    numbers: list[Decimal] = []
    start = 0
    for match in _NUMBER.finditer(text):
        between.append(text[start : match.start()])
        numbers.append(Decimal(match.group()))
        start = match.end()
    between.append(text[start:])
    return between, numbers


def numbers_equal(left: str, right: str) -> bool:
    """The same text around the same numbers by value (`tensor([18.])` is `tensor([18])`)."""
    try:
        left_text, left_numbers = _pieces(left)
        right_text, right_numbers = _pieces(right)
    except InvalidOperation:
        return False
    return left_text == right_text and left_numbers == right_numbers


def auto_equal(left: str, right: str) -> bool:
    """Equal as Python literals when both sides parse as one, else after normalising whitespace
    with numbers compared by value."""
    left_ok, left_value = parse_literal(left)
    right_ok, right_value = parse_literal(right)
    if left_ok and right_ok:
        return value_equal(left_value, right_value)
    return numbers_equal(normalise_whitespace(left), normalise_whitespace(right))


def regex_matches(pattern: str, text: str) -> bool:
    """The whole output (less its final newline) matches; a broken pattern matches nothing."""
    try:
        return re.fullmatch(pattern, text.rstrip("\n")) is not None
    except re.error:
        return False


def claim_holds(claim: str, actual: str, mode: MatchMode) -> bool:
    """Does a card's claimed output (its `answer`) describe what the run printed?"""
    if mode is MatchMode.EXACT:
        return exact_form(claim) == exact_form(actual)
    if mode is MatchMode.REGEX:
        return regex_matches(claim, actual)
    return auto_equal(claim, actual)


def answer_matches(given: str, truth: str, mode: MatchMode, pattern: str | None) -> bool:
    """Does a learner's typed answer match the truth? In regex mode the card's pattern (proven
    to match the real output) also accepts the answer, since such output is not predictable
    to the character."""
    if mode is MatchMode.EXACT:
        return exact_form(given) == exact_form(truth)
    if mode is MatchMode.REGEX and pattern is not None and regex_matches(pattern, given):
        return True
    return auto_equal(given, truth)
