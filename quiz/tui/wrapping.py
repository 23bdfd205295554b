"""Wrapping with a hanging indent: a long line's continuation starts under its text, not at
the left edge, so wrapped code and options still read as one line each."""

from __future__ import annotations

from textual.content import Content


def hang(line: Content, width: int, indent: int) -> list[Content]:
    """`line` wrapped to `width` cells; every continuation line is indented by `indent`."""
    if width <= 0 or line.cell_length <= width:
        return [line]
    # Past half the width an indent would leave too little room: use less of it.
    indent = max(0, min(indent, width // 2))
    pad = Content(" " * indent)
    out: list[Content] = []
    rest = line
    room = width
    while True:
        pieces = rest.wrap(room)
        if not pieces:
            break
        head = pieces[0]
        out.append(pad + head if out else head)
        if len(pieces) == 1:
            break
        rest = rest[len(head.plain) :]
        plain = rest.plain
        rest = rest[len(plain) - len(plain.lstrip(" ")) :]
        if not rest.plain:
            break
        room = width - indent
    return out


def leading_spaces(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def hang_code(code: Content, width: int, extra: int = 4) -> list[Content]:
    """Every line of highlighted code, wrapped under its own indent plus one more level."""
    lines: list[Content] = []
    for line in code.split("\n", allow_blank=True):
        lines.extend(hang(line, width, leading_spaces(line.plain) + extra))
    return lines
