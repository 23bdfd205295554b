"""The Browse search language: `deck:ID tag:NAME is:STATE` plus free words (all must match)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from quiz.deck.model import Card
from quiz.errors import QuizError
from quiz.i18n import _
from quiz.tui.ports import CardInfoLike

STATES = ("due", "new", "learning", "review", "suspended", "buried", "leech")


@dataclass(frozen=True)
class BrowseRow:
    """One card as Browse lists it."""

    card: Card
    info: CardInfoLike
    prompt: str  # in the learner's language
    deck_title: str


@dataclass(frozen=True)
class Filter:
    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    states: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()


def parse_filter(text: str) -> Filter:
    """Parse a search; an unknown `is:` or an empty `deck:`/`tag:` is a QuizError saying so."""
    decks: list[str] = []
    tags: list[str] = []
    states: set[str] = set()
    words: list[str] = []
    for token in text.split():
        field, sep, value = token.partition(":")
        field = field.lower()
        if not sep or field not in ("deck", "tag", "is"):
            words.append(token.lower())
            continue
        if not value:
            raise QuizError(
                _("`{field}:` needs a value, e.g. `{field}:{example}`").format(
                    field=field, example=_example(field)
                )
            )
        if field == "deck":
            decks.append(value.lower())
        elif field == "tag":
            tags.append(value.lower())
        elif value.lower() in STATES:
            states.add(value.lower())
        else:
            raise QuizError(
                _("unknown `is:{value}`; use one of: {states}").format(
                    value=value, states=", ".join(STATES)
                )
            )
    return Filter(tuple(decks), tuple(tags), frozenset(states), tuple(words))


def _example(field: str) -> str:
    return {"deck": "hooks", "tag": "buffers", "is": "due"}[field]


def _has_state(row: BrowseRow, state: str, now: datetime) -> bool:
    info = row.info
    if state == "new":
        return info.state == "new"
    if state == "learning":
        return info.state in ("learning", "relearning")
    if state == "review":
        return info.state == "review"
    if state == "suspended":
        return info.suspended
    if state == "leech":
        return info.leech
    if state == "buried":
        return info.buried
    return info.due is not None and info.due <= now and not info.suspended and not info.buried


def matches(flt: Filter, row: BrowseRow, now: datetime) -> bool:
    card = row.card
    if flt.decks and card.deck_id.lower() not in flt.decks:
        return False
    tags = {t.lower() for t in card.tags}
    if any(tag not in tags for tag in flt.tags):
        return False
    if any(not _has_state(row, state, now) for state in flt.states):
        return False
    haystack = " ".join((card.key, row.prompt, row.deck_title, *card.tags)).lower()
    return all(word in haystack for word in flt.words)


def select(flt: Filter, rows: Iterable[BrowseRow], now: datetime) -> list[BrowseRow]:
    return [row for row in rows if matches(flt, row, now)]
