"""Inline Markdown for one-line texts (options, table cells): `code` spans, nothing else.

Deck text is data from other people: it is never parsed as Textual or Rich markup, so a stray
`[` in an option cannot restyle or break the screen.
"""

from __future__ import annotations

import re

from textual.content import Content

_CODE_SPAN = re.compile(r"`([^`]+)`")


def inline(text: str, style: str = "") -> Content:
    """`text` as Content, with backtick spans shown as code in the theme's accent colour."""
    pieces: list[tuple[str, str] | str] = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], style))
        pieces.append((match.group(1), f"{style} $text-warning on $boost".strip()))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], style))
    return Content.assemble(*pieces)
