"""A QR code drawn with half blocks, two modules a cell: the browser address on the host screen.

Black on white whatever the terminal's theme (a phone's camera reads dark modules on light), with
the quiet zone the standard asks for.
"""

from __future__ import annotations

import segno
from textual.content import Content

_DARK = "#000000"
_LIGHT = "#ffffff"


def qr_content(data: str, border: int = 2) -> Content:
    rows = [list(row) for row in segno.make(data, error="m").matrix_iter(border=border)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))
    lines: list[Content] = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        cells = [
            ("▀", f"{_DARK if t else _LIGHT} on {_DARK if b else _LIGHT}")
            for t, b in zip(top, bottom, strict=True)
        ]
        lines.append(Content.assemble(*cells))
    return Content("\n").join(lines)


def qr_lines(data: str) -> list[str]:
    """The same code as plain text for a terminal without a screen (dark modules as blocks)."""
    rows = [list(row) for row in segno.make(data, error="m").matrix_iter(border=2)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))
    glyph = {(0, 0): " ", (1, 0): "▀", (0, 1): "▄", (1, 1): "█"}
    return [
        "".join(glyph[(int(bool(t)), int(bool(b)))] for t, b in zip(top, bottom, strict=True))
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    ]
