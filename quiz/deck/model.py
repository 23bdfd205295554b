"""The in-memory deck model: what the loader builds and every other part reads. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

DEFAULT_LANG = "en"
# Card.field_pos key: where a proof's first line of code is in the deck file, so that a failing
# proof's own line can be pointed at.
PROOF_BODY = "proof.body"


class CardType(StrEnum):
    FLIP = "flip"
    PREDICT = "predict"
    CHOICE = "choice"
    CODE = "code"
    CLOZE = "cloze"


class MatchMode(StrEnum):
    AUTO = "auto"
    EXACT = "exact"
    REGEX = "regex"


@dataclass(frozen=True)
class SourcePos:
    """1-based line and column of a YAML node, for FILE:LINE:COL messages."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Text:
    """A human-readable text field: one string, or a map of language codes to strings."""

    by_lang: Mapping[str, str]

    @classmethod
    def plain(cls, value: str) -> Text:
        return cls({DEFAULT_LANG: value})

    def get(self, lang: str = DEFAULT_LANG) -> str:
        """The text in `lang`, falling back to English, then to any language the field has."""
        if lang in self.by_lang:
            return self.by_lang[lang]
        if DEFAULT_LANG in self.by_lang:
            return self.by_lang[DEFAULT_LANG]
        return next(iter(self.by_lang.values()), "")

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.by_lang)

    def map(self, fn: Any) -> Text:
        return Text({lang: fn(value) for lang, value in self.by_lang.items()})

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class ChoiceOption:
    text: Text
    truth: str | None = None
    """A Python expression evaluated after the card's code; None when the option has no truth."""


@dataclass(frozen=True)
class Card:
    """One card as written in its deck (before `vary` substitution, unless `instance` is set)."""

    id: str
    type: CardType
    prompt: Text
    deck_id: str = ""
    tags: tuple[str, ...] = ()
    explain: Text | None = None
    hint: Text | None = None
    refs: tuple[str, ...] = ()
    vary: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    timeout: float | None = None
    requires: Mapping[str, str] = field(default_factory=dict)
    group: str | None = None
    # Assertions that prove the card's answer (and its explain's claims) by running them after
    # the setup and the card's code. An answer key: never shown or sent to a learner.
    proof: str | None = None

    # flip: the Markdown answer.
    answer_text: Text | None = None
    # predict / choice / cloze: the code shown to the learner (cloze: with {{blanks}}).
    code: str | None = None
    # predict: the claimed output, proven by `quiz check`; the truth at study time is the run.
    expected_output: str | None = None
    match: MatchMode = MatchMode.AUTO
    # choice
    options: tuple[ChoiceOption, ...] = ()
    answer_indexes: tuple[int, ...] | None = None
    # code (and cloze, whose optional check makes any passing fill right)
    starter: str | None = None
    check: str | None = None
    solution: str | None = None
    wrong: tuple[str, ...] = ()

    # Where it came from: the card's mapping, and each field's value node.
    pos: SourcePos | None = None
    field_pos: Mapping[str, SourcePos] = field(default_factory=dict)

    # The `vary` bindings this card was instantiated with; empty for a card without `vary`.
    instance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The stable history key: `deck-id/card-id`."""
        return f"{self.deck_id}/{self.id}"

    @property
    def sibling_group(self) -> str | None:
        """The group as one id across every deck: `deck-id/group`. A group written without a
        deck (`init-order`) belongs to this card's deck; one written `other-deck/init-order`
        is that deck's group, so cards of two decks can be siblings."""
        if self.group is None:
            return None
        return self.group if "/" in self.group else f"{self.deck_id}/{self.group}"

    def position_of(self, field_name: str) -> SourcePos | None:
        return self.field_pos.get(field_name, self.pos)


@dataclass(frozen=True)
class Deck:
    id: str
    title: Text
    cards: tuple[Card, ...]
    schema_version: int = 1
    description: Text | None = None
    requires: Mapping[str, str] = field(default_factory=dict)
    setup: str = ""
    path: str = ""
    pos: SourcePos | None = None
    field_pos: Mapping[str, SourcePos] = field(default_factory=dict)

    def card(self, card_id: str) -> Card | None:
        return next((c for c in self.cards if c.id == card_id), None)

    @property
    def languages(self) -> frozenset[str]:
        langs: set[str] = set(self.title.languages)
        for card in self.cards:
            langs |= card.prompt.languages
        return frozenset(langs)
