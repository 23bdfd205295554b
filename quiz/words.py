"""Counted nouns for messages: "1 deck", "2 decks" (the one place a translation hooks in)."""

from __future__ import annotations


def plural(count: int, one: str, many: str) -> str:
    """`count` and the noun that fits it, e.g. plural(1, "review", "reviews") == "1 review"."""
    return f"{count} {one if count == 1 else many}"
