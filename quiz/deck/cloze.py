"""Cloze blanks: `{{fill}}` or `{{fill::hint}}` inside a cloze card's code."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

BLANK = re.compile(r"\{\{(?P<fill>.+?)(?:::(?P<hint>.*?))?\}\}", re.DOTALL)


@dataclass(frozen=True)
class Blank:
    fill: str  # the original text, which always passes
    hint: str | None
    start: int  # offsets of the whole `{{...}}` in the code
    end: int


def blanks(code: str) -> list[Blank]:
    return [
        Blank(m.group("fill"), m.group("hint"), m.start(), m.end()) for m in BLANK.finditer(code)
    ]


def fill(code: str, fills: Sequence[str]) -> str:
    """The code with each blank replaced by the matching fill, in order."""
    found = blanks(code)
    if len(fills) != len(found):
        raise ValueError(f"{len(found)} blanks but {len(fills)} fills")
    parts: list[str] = []
    last = 0
    for blank, text in zip(found, fills, strict=True):
        parts.append(code[last : blank.start])
        parts.append(text)
        last = blank.end
    parts.append(code[last:])
    return "".join(parts)


def original(code: str) -> str:
    """The code with every blank filled by its original text."""
    return fill(code, [b.fill for b in blanks(code)])


def masked(code: str, placeholder: str = "____") -> str:
    """The code as shown to the learner: each blank a placeholder (its hint, when it has one)."""
    return BLANK.sub(lambda m: f"[{m.group('hint')}]" if m.group("hint") else placeholder, code)
