"""Rich styles from the app theme's CSS variables, for text built in Python (tables, counts).

Rich renderables cannot name `$text-success`; these helpers resolve a theme variable to a Rich
colour so that tables and counts change with the theme like the rest of the app.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from textual.color import Color, ColorParseError


def theme_style(variables: Mapping[str, str], name: str) -> Style:
    """The foreground style for one theme variable; plain when the theme lacks it."""
    try:
        return Style(color=Color.parse(variables[name]).rich_color)
    except (KeyError, ColorParseError):
        return Style()


# Anki's queue colours, as the closest theme roles: new blue, learning red, due green.
NEW = "text-primary"
LEARN = "text-error"
DUE = "text-success"
