"""DeckMarkdown: Textual's Markdown widget with emphasis that works next to Hangul.

CommonMark only closes `**...**` when the closing run is followed by a space or punctuation if
the emphasised text ends in punctuation, so Korean, where a particle follows straight on
(`` **`state_dict`**에는 ``), shows the raw asterisks. For `*` runs this parser counts a Hangul
neighbour like punctuation, the way CJK-aware renderers do; everything else is CommonMark.
"""

from __future__ import annotations

import types

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import emphasis
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from textual.widgets import Markdown


def is_hangul(ch: str) -> bool:
    """Hangul syllables and jamo: the letters a Korean particle starts with."""
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _punct_like(ch: str) -> bool:
    return isMdAsciiPunct(ord(ch)) or isPunctChar(ch) or is_hangul(ch)


def _scan_delims(state: StateInline, start: int, can_split_word: bool) -> Scanned:
    src = state.src
    marker = src[start]
    if marker != "*":
        return StateInline.scanDelims(state, start, can_split_word)
    end = start
    while end < state.posMax and src[end] == marker:
        end += 1
    before = src[start - 1] if start > 0 else " "
    after = src[end] if end < state.posMax else " "
    before_space, after_space = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    before_punct, after_punct = _punct_like(before), _punct_like(after)
    # The flanking rules of CommonMark 6.2, with Hangul counted as punctuation (`*` only, which
    # may split words, so a run that flanks may open or close).
    left = not after_space and not (after_punct and not (before_space or before_punct))
    right = not before_space and not (before_punct and not (after_space or after_punct))
    return Scanned(left, right, end - start)


def _emphasis(state: StateInline, silent: bool) -> bool:
    state.scanDelims = types.MethodType(_scan_delims, state)  # type: ignore[method-assign]
    return emphasis.tokenize(state, silent)


def deck_parser() -> MarkdownIt:
    """Textual's own parser ("gfm-like") with the Hangul-aware emphasis rule."""
    parser = MarkdownIt("gfm-like")
    parser.inline.ruler.at("emphasis", _emphasis)
    return parser


class DeckMarkdown(Markdown):
    """Markdown from a deck (prompts, answers, explanations)."""

    def __init__(
        self, markdown: str | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(markdown, id=id, classes=classes, parser_factory=deck_parser)
