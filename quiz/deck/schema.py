"""The deck format as a JSON Schema (draft 7, which yaml-language-server reads), generated from
the same field table the loader validates against.

The schema is for editors: completion, hover text and early squiggles. The loader's own
validation is the authority and does not use it (it also checks what a schema cannot say: vary
templates, cloze blanks, answer indexes against the options, duplicate ids).
"""

from __future__ import annotations

import json
from typing import Any

from quiz.deck.fields import (
    CARD_TYPES,
    COMMON_CARD_FIELDS,
    DECK_FIELDS,
    GROUP_PATTERN,
    MATCH_MODES,
    SCHEMA_VERSION,
    SLUG_MAX,
    SLUG_PATTERN,
    TYPE_FIELDS,
    Field,
    Kind,
)
from quiz.deck.languages import ISO_639_1
from quiz.deck.model import CardType
from quiz.deck.requires import KNOWN_REQUIREMENTS

SCHEMA_ID = "urn:quiz:deck-schema:1"

_DEFINITIONS: dict[str, Any] = {
    "slug": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": SLUG_MAX},
    "text": {
        "oneOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "description": "A map of ISO 639-1 language codes to text; 'en' is required.",
                "propertyNames": {"enum": sorted(ISO_639_1)},
                "additionalProperties": {"type": "string", "minLength": 1},
                "required": ["en"],
            },
        ]
    },
    "requires": {
        "type": "object",
        "properties": {
            name: {"type": "string", "pattern": r"^\s*(>=|<=|==|!=|~=|>|<)"}
            for name in KNOWN_REQUIREMENTS
        },
        "additionalProperties": False,
    },
    "option": {
        "oneOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "properties": {
                    "text": {"$ref": "#/definitions/text"},
                    "truth": {
                        "type": "string",
                        "description": "A Python expression, true when the option is correct.",
                    },
                },
                "required": ["text"],
                "additionalProperties": False,
            },
        ]
    },
}

_KIND_SCHEMAS: dict[Kind, dict[str, Any]] = {
    Kind.SCHEMA_VERSION: {"const": SCHEMA_VERSION},
    Kind.SLUG: {"$ref": "#/definitions/slug"},
    Kind.TEXT: {"$ref": "#/definitions/text"},
    Kind.STRING: {"type": "string"},
    Kind.CODE: {"type": "string"},
    Kind.CODE_LIST: {"type": "array", "items": {"type": "string"}},
    Kind.STRING_LIST: {"type": "array", "items": {"type": "string"}},
    Kind.SLUG_LIST: {"type": "array", "items": {"$ref": "#/definitions/slug"}},
    Kind.GROUP: {"type": "string", "pattern": GROUP_PATTERN},
    Kind.NUMBER: {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
    Kind.REQUIRES: {"$ref": "#/definitions/requires"},
    Kind.VARY: {
        "type": "object",
        "propertyNames": {"pattern": r"^[_A-Za-z][_A-Za-z0-9]*$"},
        "additionalProperties": {
            "type": "array",
            "minItems": 1,
            "items": {"type": ["string", "number", "boolean", "null"]},
        },
    },
    Kind.MATCH: {"enum": list(MATCH_MODES)},
    Kind.CARD_TYPE: {"enum": list(CARD_TYPES)},
    Kind.CARDS: {"type": "array", "minItems": 1},
    Kind.OPTIONS: {"type": "array", "minItems": 2, "items": {"$ref": "#/definitions/option"}},
    Kind.INDEXES: {
        "oneOf": [
            {"type": "integer", "minimum": 0},
            {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0}},
        ]
    },
    Kind.LITERAL: {"type": ["string", "number", "boolean"]},
}


def _property(field: Field) -> dict[str, Any]:
    return {**_KIND_SCHEMAS[field.kind], "description": field.description}


def _card_schema(card_type: CardType) -> dict[str, Any]:
    fields = {**COMMON_CARD_FIELDS, **TYPE_FIELDS[card_type]}
    properties = {name: _property(field) for name, field in fields.items()}
    properties["type"] = {"const": card_type.value, "description": fields["type"].description}
    required = [name for name, field in fields.items() if field.required]
    if card_type in (CardType.FLIP, CardType.CHOICE, CardType.CODE):
        required.append("prompt")
    return {
        "title": f"{card_type.value} card",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def deck_schema() -> dict[str, Any]:
    """The JSON Schema of a deck file, as a plain dict."""
    card_types = list(CardType)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": f"quiz deck (format version {SCHEMA_VERSION})",
        "type": "object",
        "properties": {
            **{name: _property(field) for name, field in DECK_FIELDS.items() if name != "cards"},
            "cards": {
                "type": "array",
                "minItems": 1,
                "description": DECK_FIELDS["cards"].description,
                # Dispatching on `type` first gives editors one relevant error, not five.
                "items": {
                    "type": "object",
                    "required": ["id", "type"],
                    "properties": {"type": {"enum": [t.value for t in card_types]}},
                    "allOf": [
                        {
                            "if": {"properties": {"type": {"const": t.value}}},
                            "then": {"$ref": f"#/definitions/{t.value}-card"},
                        }
                        for t in card_types
                    ],
                },
            },
        },
        "required": [name for name, field in DECK_FIELDS.items() if field.required],
        "additionalProperties": False,
        "definitions": {
            **_DEFINITIONS,
            **{f"{t.value}-card": _card_schema(t) for t in card_types},
        },
    }


def schema_text() -> str:
    return json.dumps(deck_schema(), indent=2, ensure_ascii=False) + "\n"
