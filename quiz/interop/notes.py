"""What one card instance looks like as an Anki note: its fields, from the card and the facts
the sandbox established for it (a predict card's output, a choice card's correct options).

Pure: no runs and no I/O here; `export` computes the facts and hands them in.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quiz.deck import cloze
from quiz.deck.model import Card, CardType, Text
from quiz.interop.render import code_html, highlighted, markdown_html, markdown_inline, plain_pre

# A blank's stand-in while the code is highlighted: one identifier, so the lexer keeps it whole.
_PLACEHOLDER = "QZBLANK{}QZ"


@dataclass(frozen=True)
class Facts:
    """What running the instance established (None where the card type has nothing to run)."""

    output: str | None = None
    """predict: what the code printed."""
    raised: str | None = None
    """predict: the exception class the code raised (then `output` is None)."""
    correct: frozenset[int] | None = None
    """choice: the options whose truths held (or the static answer, without truths)."""


@dataclass(frozen=True)
class NoteContent:
    """An Anki note's fields: `cloze` notes fill Text/Extra, the others Front/Back/Extra."""

    cloze: bool
    front: str  # Front, or the cloze Text
    back: str  # Back ('' for a cloze note)
    extra: str  # the explanation and refs
    source: str  # where the card came from: `deck/card` and its vary bindings


def bindings_label(bindings: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in bindings.items())


def guid_parts(card: Card) -> tuple[str, ...]:
    """What a note's GUID is made from: the card key, plus the bindings of a vary instance.
    The language and the text are left out on purpose, so that a re-export updates the note."""
    if not card.instance:
        return ("quiz", card.key)
    return ("quiz", card.key, json.dumps(dict(card.instance), sort_keys=True, default=str))


def _text(value: Text | None, lang: str) -> str:
    return value.get(lang) if value is not None else ""


def _prompt(card: Card, lang: str) -> str:
    return markdown_html(_text(card.prompt, lang))


def _extra(card: Card, lang: str) -> str:
    parts = []
    explain = _text(card.explain, lang)
    if explain:
        parts.append(f'<div class="quiz-explain">{markdown_html(explain)}</div>')
    if card.refs:
        links = "".join(
            f'<li><a href="{html.escape(ref, quote=True)}">{html.escape(ref)}</a></li>'
            for ref in card.refs
        )
        parts.append(f'<ul class="quiz-refs">{links}</ul>')
    return "\n".join(parts)


def _labelled(label: str, body: str) -> str:
    return f'<div class="quiz-label">{html.escape(label)}</div>\n{body}'


def _source(card: Card) -> str:
    where = card.key
    if card.instance:
        where += f" [{bindings_label(card.instance)}]"
    return html.escape(where)


def _options(card: Card, lang: str, chosen: frozenset[int] | None = None) -> str:
    items = [
        f'<li value="{i + 1}">{markdown_inline(option.text.get(lang))}</li>'
        for i, option in enumerate(card.options)
        if chosen is None or i in chosen
    ]
    return f'<ol class="quiz-options">{"".join(items)}</ol>'


def _predict_back(facts: Facts) -> str:
    if facts.raised is not None:
        return f'<div class="quiz-raises">raises <code>{html.escape(facts.raised)}</code></div>'
    output = facts.output or ""
    if not output:
        return '<div class="quiz-raises">(prints nothing)</div>'
    return plain_pre(output, "quiz-output")


def _cloze_escape(text: str) -> str:
    """A fill or hint inside Anki's {{c1::...}}: HTML-escaped, and ':' and braces as entities so
    that Anki's own `::` and `}}` parsing cannot split them."""
    escaped = html.escape(text)
    return escaped.replace(":", "&#58;").replace("{", "&#123;").replace("}", "&#125;")


def cloze_code_html(code: str) -> str:
    """The card's code with every blank as one Anki deletion (c1: all shown blank at once, as quiz
    asks them), highlighted around the blanks."""
    found = cloze.blanks(code)
    deletions = []
    for blank in found:
        hint = f"::{_cloze_escape(blank.hint)}" if blank.hint else ""
        deletions.append(f"{{{{c1::{_cloze_escape(blank.fill)}{hint}}}}}")
    stand_in = cloze.fill(code, [_PLACEHOLDER.format(i) for i in range(len(found))])
    body = highlighted(stand_in)
    if all(body.count(_PLACEHOLDER.format(i)) == 1 for i in range(len(found))):
        for i, deletion in enumerate(deletions):
            body = body.replace(_PLACEHOLDER.format(i), deletion)
    else:  # the lexer split a stand-in: show the code unhighlighted rather than break a blank
        body = html.escape(stand_in)
        for i, deletion in enumerate(deletions):
            body = body.replace(html.escape(_PLACEHOLDER.format(i)), deletion)
    return code_html("").replace("</pre>", body + "</pre>", 1)


def note_content(card: Card, facts: Facts, lang: str) -> NoteContent:
    """The note for one instance (`vary` already substituted)."""
    extra = _extra(card, lang)
    source = _source(card)
    if card.type is CardType.CLOZE:
        front = f"{_prompt(card, lang)}\n{cloze_code_html(card.code or '')}"
        return NoteContent(True, front, "", extra, source)
    front_parts = [_prompt(card, lang)]
    if card.type is CardType.FLIP:
        back = markdown_html(_text(card.answer_text, lang))
    elif card.type is CardType.PREDICT:
        front_parts.append(code_html(card.code or ""))
        back = _predict_back(facts)
    elif card.type is CardType.CHOICE:
        if card.code:
            front_parts.append(code_html(card.code))
        front_parts.append(_options(card, lang))
        back = _options(card, lang, facts.correct or frozenset())
    else:
        if card.code:
            front_parts.append(_labelled("Given", code_html(card.code)))
        if card.starter:
            front_parts.append(_labelled("Starting from", code_html(card.starter)))
        back = code_html(card.solution or "")
    return NoteContent(False, "\n".join(front_parts), back, extra, source)


_TAG = re.compile(r"[^\w:-]+")


def anki_tags(card: Card) -> list[str]:
    """Card tags as Anki tags (quiz tags are slugs already; Anki forbids spaces)."""
    return [_TAG.sub("-", tag) for tag in card.tags]
