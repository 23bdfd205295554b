"""Terminal-safe text: what came from a deck, a run or an imported log, made safe to print.

Such text is someone else's: a deck field, an exception message, an imported answer can hold
escape sequences that a terminal obeys (OSC 52 writes the clipboard, ESC[2J clears the screen,
C1 controls do the same in one byte, BEL rings). The CLI passes every such text through `clean`
before printing it, and `dumps` for JSON (which escapes C0 controls itself but, with
ensure_ascii=False, leaves C1 controls raw). The TUI renders text as text and needs neither.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls except tab and newline, DEL, and the C1 controls (U+0080-U+009F).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C1_AND_DEL = re.compile("[\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without control characters, except newline and tab."""
    return _CONTROLS.sub("", text)


def first_control(text: str) -> str | None:
    """The first character `clean` would drop, or None when the text is safe as it is."""
    found = _CONTROLS.search(text)
    return found.group() if found else None


def dumps(value: Any, **options: Any) -> str:
    """`json.dumps` with non-ASCII text kept readable and every control character escaped."""
    text = json.dumps(value, ensure_ascii=False, **options)
    # Inside JSON strings only: outside them JSON has no such characters to escape.
    return _C1_AND_DEL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
