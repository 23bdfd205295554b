"""The deck format's fields, in one table: the loader validates against it and the JSON Schema is
generated from it, so the two cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from quiz.deck.model import CardType, MatchMode

SCHEMA_VERSION = 1
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX = 64
# A group: a slug (the card's own deck) or `deck-id/slug` (a group shared across decks).
GROUP_PATTERN = r"^([a-z0-9]+(-[a-z0-9]+)*/)?[a-z0-9]+(-[a-z0-9]+)*$"
DEFAULT_TIMEOUT = 5.0


class Kind(Enum):
    """What a field's value must be."""

    SCHEMA_VERSION = "schema version"
    SLUG = "slug"
    TEXT = "text or language map"
    STRING = "string"
    CODE = "code"
    CODE_LIST = "list of code strings"
    STRING_LIST = "list of strings"
    SLUG_LIST = "list of slugs"
    GROUP = "group id"
    NUMBER = "positive number"
    REQUIRES = "requirements map"
    VARY = "vary map"
    CARDS = "list of cards"
    CARD_TYPE = "card type"
    MATCH = "match mode"
    OPTIONS = "list of options"
    INDEXES = "index or list of indexes"
    LITERAL = "string, number or boolean"


@dataclass(frozen=True)
class Field:
    kind: Kind
    description: str
    required: bool = False


DECK_FIELDS: dict[str, Field] = {
    "schema_version": Field(Kind.SCHEMA_VERSION, "Deck format version; must be 1.", True),
    "id": Field(Kind.SLUG, "Deck id: a slug, stable forever (review history uses it).", True),
    "title": Field(Kind.TEXT, "Deck title (a string or a language map).", True),
    "description": Field(Kind.TEXT, "What the deck teaches."),
    "requires": Field(Kind.REQUIRES, 'Version requirements, e.g. {torch: ">=2.1"}.'),
    "setup": Field(Kind.CODE, "Python run before every card's code, in the same namespace."),
    "cards": Field(Kind.CARDS, "The cards.", True),
}

COMMON_CARD_FIELDS: dict[str, Field] = {
    "id": Field(Kind.SLUG, "Card id: a slug, unique in the deck and stable forever.", True),
    "type": Field(Kind.CARD_TYPE, "flip, predict, choice, code or cloze.", True),
    "prompt": Field(Kind.TEXT, "The question, in Markdown (a string or a language map)."),
    "tags": Field(Kind.SLUG_LIST, "Tags, each a slug (e.g. state-dict)."),
    "explain": Field(Kind.TEXT, "Shown after answering: why the answer is what it is."),
    "hint": Field(Kind.TEXT, "Shown on request before answering."),
    "refs": Field(Kind.STRING_LIST, "Links to documentation."),
    "vary": Field(
        Kind.VARY,
        "Variables substituted as $name / ${name} in every text and code field; each is a "
        "list of values and one combination is picked per review ($$ is a literal $).",
    ),
    "timeout": Field(Kind.NUMBER, "Seconds a run of this card may take (default 5)."),
    "requires": Field(Kind.REQUIRES, 'Version requirements, e.g. {torch: ">=2.1"}.'),
    "group": Field(
        Kind.GROUP,
        "Cards testing the same fact share a group (not shown the same day). A slug is local "
        "to the deck; 'deck-id/slug' names a group shared across decks.",
    ),
    "proof": Field(
        Kind.CODE,
        "Assertions run after the setup and the card's code (choice: where the truths are "
        "evaluated); they prove the answer and the explain's claims. Never shown to a learner.",
    ),
}

TYPE_FIELDS: dict[CardType, dict[str, Field]] = {
    CardType.FLIP: {
        "answer": Field(Kind.TEXT, "The answer, in Markdown; the learner grades themselves.", True),
    },
    CardType.PREDICT: {
        "code": Field(Kind.CODE, "Code shown to the learner, who types what it prints.", True),
        "answer": Field(
            Kind.LITERAL,
            "What the code prints (or the exception class it raises); proven by `quiz check`.",
        ),
        "match": Field(
            Kind.MATCH,
            "auto (equal as Python literals, else whitespace-normalised; numbers by value, so "
            "40 is 40.0), exact, or regex.",
        ),
    },
    CardType.CHOICE: {
        "code": Field(Kind.CODE, "Optional code shown with the question; truths run after it."),
        "options": Field(
            Kind.OPTIONS,
            "Each a string, or {text, truth} where truth is a Python expression evaluated after "
            "the code.",
            True,
        ),
        "answer": Field(Kind.INDEXES, "The 0-based index (or list of indexes) of correct options."),
    },
    CardType.CODE: {
        "code": Field(Kind.CODE, "Context shown read-only above the editor; runs first."),
        "starter": Field(Kind.CODE, "Prefilled in the editor; must fail the check."),
        "solution": Field(Kind.CODE, "A correct answer; must pass the check.", True),
        "check": Field(Kind.CODE, "Assertions run after the learner's code.", True),
        "wrong": Field(Kind.CODE_LIST, "Wrong answers; each must fail the check."),
    },
    CardType.CLOZE: {
        "code": Field(Kind.CODE, "Code with blanks {{fill}} or {{fill::hint}}.", True),
        "check": Field(Kind.CODE, "Optional assertions: with one, any fill that passes is right."),
    },
}

# A prompt the learner sees when the author leaves it out (only where one goes without saying).
DEFAULT_PROMPTS: dict[CardType, str] = {
    CardType.PREDICT: "What does this print?",
    CardType.CLOZE: "Fill in the blanks.",
}

MATCH_MODES = tuple(m.value for m in MatchMode)
CARD_TYPES = tuple(t.value for t in CardType)
OPTION_KEYS = ("text", "truth")


def card_fields(card_type: CardType) -> dict[str, Field]:
    """Every field a card of this type may have."""
    return {**COMMON_CARD_FIELDS, **TYPE_FIELDS[card_type]}
