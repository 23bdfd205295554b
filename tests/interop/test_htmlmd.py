"""Anki's HTML as Markdown: what Anki's editor writes becomes the Markdown a flip card holds."""

from __future__ import annotations

import pytest

from quiz.interop.htmlmd import html_to_markdown


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("What is <b>x</b>?", "What is **x**?"),
        ("<i>slanted</i> and <strong>strong</strong>", "*slanted* and **strong**"),
        ("<div>one</div><div>two <i> three </i></div>", "one\n\ntwo *three*"),
        ("first<br>second", "first\\\nsecond"),
        ("call <code>m.state_dict()</code>", "call `m.state_dict()`"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<ol><li>a</li><li>b</li></ol>", "1. a\n2. b"),
        ("<pre>x = 1\n  y = [2]</pre>", "```\nx = 1\n  y = [2]\n```"),
        ('<a href="https://pytorch.org">docs</a>', "[docs](https://pytorch.org)"),
        ("a &amp; b&nbsp;c", "a & b c"),
        ("state_dict, _private_, 2*3, [x]", "state_dict, \\_private\\_, 2\\*3, \\[x\\]"),
        ("1. not a list", "1\\. not a list"),
        ("<h2>Title</h2>text", "## Title\n\ntext"),
        ("<style>.x{}</style>kept", "kept"),
    ],
)
def test_conversions(html: str, markdown: str) -> None:
    assert html_to_markdown(html).markdown == markdown


def test_cloze_spans_are_bold_and_blanks_stay_visible() -> None:
    question = (
        '<span class="cloze" data-cloze="Paris" data-ordinal="1">[...]</span> is in '
        '<span class="cloze-inactive" data-ordinal="2">France</span>'
    )
    answer = '<span class="cloze" data-ordinal="1">Paris</span> is in France'
    assert html_to_markdown(question).markdown == "**\\[...\\]** is in France"
    assert html_to_markdown(answer).markdown == "**Paris** is in France"


def test_media_is_rewritten_under_the_prefix_and_reported() -> None:
    converted = html_to_markdown(
        'see <img src="dot.png" alt="a dot"> [sound:say it.mp3] <img src="https://x.org/a.png">',
        "deck-media/",
    )
    assert converted.media == ["dot.png", "say it.mp3"]
    assert "![a dot](deck-media/dot.png)" in converted.markdown
    assert "[sound: say it.mp3](<deck-media/say it.mp3>)" in converted.markdown
    assert "![](https://x.org/a.png)" in converted.markdown


def test_what_has_no_markdown_form_is_reported() -> None:
    converted = html_to_markdown("<table><tr><td>a</td><td>b</td></tr></table><script>x()</script>")
    assert converted.markdown == "a | b"
    assert converted.lossy == ["a script (dropped)", "a table (flattened to lines)"]


def test_untidy_html_still_converts() -> None:
    assert html_to_markdown("<b>bold <i>both</b> after").markdown == "**bold *both*** after"
    assert html_to_markdown("<b>never closed").markdown == "**never closed**"
