"""Comparing printed output: Python-literal equality, whitespace normalisation, exact, regex."""

from __future__ import annotations

import ast
import math
import re
from typing import Any

from quiz.deck.model import MatchMode

# literal_eval on a learner's text is safe but not free: very long or deep input is just text.
_LITERAL_LIMIT = 10_000
_AROUND_PUNCTUATION = re.compile(r"\s*([,()\[\]{}:])\s*")


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


def strictly_equal(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down: `1`, `1.0` and `True` are different answers."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(strictly_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strictly_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def auto_equal(left: str, right: str) -> bool:
    """Equal as Python literals when both sides parse as one, else after normalising whitespace."""
    left_ok, left_value = parse_literal(left)
    right_ok, right_value = parse_literal(right)
    if left_ok and right_ok:
        return strictly_equal(left_value, right_value)
    return normalise_whitespace(left) == normalise_whitespace(right)


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
