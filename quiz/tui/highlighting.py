"""Python syntax highlighting for editors and code blocks, via Pygments, in the theme's colours.

Textual's TextArea highlights only through tree-sitter, an optional extra that quiz does not ship;
Pygments already comes with Rich, so the editor gets its highlight map from here instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from pygments.lexers import PythonLexer  # type: ignore[import-untyped]
from pygments.token import (  # type: ignore[import-untyped]
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    String,
    _TokenType,
)
from rich.style import Style

from quiz.tui.theming import theme_style as _color

# A highlight as TextArea stores it: start byte, end byte (None: to the end of the line), name.
Highlight = tuple[int, int | None, str]

# Most specific first: the first Pygments ancestor found names the highlight.
_NAMES: tuple[tuple[_TokenType, str], ...] = (
    (Keyword.Constant, "boolean"),
    (Keyword, "keyword"),
    (Operator.Word, "keyword"),
    (Name.Builtin.Pseudo, "variable.builtin"),
    (Name.Builtin, "type.builtin"),
    (Name.Function, "function"),
    (Name.Class, "class"),
    (Name.Decorator, "function"),
    (Name.Exception, "class"),
    (String.Doc, "string.documentation"),
    (String, "string"),
    (Number, "number"),
    (Comment, "comment"),
)

_lexer = PythonLexer()


def _name_of(token: _TokenType) -> str | None:
    for ancestor, name in _NAMES:
        if token in ancestor:
            return name
    return None


def python_highlights(source: str) -> dict[int, list[Highlight]]:
    """Per line, the highlighted byte ranges of `source`, as TextArea's render loop reads them."""
    highlights: dict[int, list[Highlight]] = defaultdict(list)
    row, byte_col = 0, 0
    for _, token, value in _lexer.get_tokens_unprocessed(source):
        name = _name_of(token)
        # A token may span lines (docstrings): split it so each row gets its own range.
        for index, part in enumerate(value.split("\n")):
            if index:
                row, byte_col = row + 1, 0
            width = len(part.encode("utf-8"))
            if name is not None and width:
                highlights[row].append((byte_col, byte_col + width, name))
            byte_col += width
    return highlights


def syntax_styles(variables: Mapping[str, str]) -> dict[str, Style]:
    """Highlight name -> style, from the app theme's CSS variables, so the editor follows it."""
    keyword = _color(variables, "text-accent") + Style(bold=True)
    string = _color(variables, "text-success")
    number = _color(variables, "text-warning")
    function = _color(variables, "text-primary")
    return {
        "keyword": keyword,
        "boolean": number + Style(italic=True),
        "variable.builtin": Style(italic=True),
        "type.builtin": function,
        "function": function + Style(bold=True),
        "class": _color(variables, "text-warning") + Style(bold=True),
        "string": string,
        "string.documentation": string + Style(italic=True),
        "number": number,
        "comment": _color(variables, "foreground-muted") + Style(italic=True),
    }
