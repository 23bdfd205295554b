"""Card text as the HTML an Anki note shows: Markdown rendered, code highlighted with inline
styles (a Pygments stylesheet would need class names in the note type's CSS, and inline colours
survive every Anki client, AnkiDroid and AnkiMobile included). The monospace block itself is
styled by the note type's CSS (`pre.quiz-code`, `pre.quiz-output`)."""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexers import PythonLexer  # type: ignore[import-untyped]


@cache
def _markdown() -> MarkdownIt:
    # commonmark without raw HTML: deck text comes from other people, and a card is no place
    # for their script tags.
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight_fence})
    return md


@cache
def _formatter() -> Any:
    return HtmlFormatter(noclasses=True, nowrap=True, style="default")


def _highlight_fence(code: str, lang: str, _attrs: str) -> str:
    if lang not in ("", "python", "py", "pycon"):
        return ""  # markdown-it escapes it itself
    return code_html(code)


def highlighted(code: str) -> str:
    """The spans of highlighted Python, without a wrapper (newlines kept)."""
    return str(highlight(code, PythonLexer(), _formatter())).rstrip("\n")


def code_html(code: str) -> str:
    """A block of highlighted Python, monospace, left-aligned."""
    return f'<pre class="quiz-code">{highlighted(code)}</pre>'


def plain_pre(text: str, css_class: str) -> str:
    """Text exactly as printed, in a monospace block, escaped and never highlighted."""
    return f'<pre class="{css_class}">{html.escape(text)}</pre>'


def markdown_html(text: str) -> str:
    return str(_markdown().render(text)).strip()


def markdown_inline(text: str) -> str:
    """Markdown for one line of a list (an option): no wrapping paragraph."""
    return str(_markdown().renderInline(text))
