"""The JSON Schema: generated from the loader's field table, printed by `quiz schema`, and (when
the optional `jsonschema` package is installed) accepting every bundled deck."""

from __future__ import annotations

import json

import pytest
import yaml

from quiz.cli import main
from quiz.deck.fields import COMMON_CARD_FIELDS, DECK_FIELDS, TYPE_FIELDS
from quiz.deck.library import deck_files
from quiz.deck.schema import deck_schema
from quiz.deck.starter import starter_deck
from quiz.paths import bundled_decks_dir


def test_quiz_schema_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == deck_schema()
    assert printed["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_every_field_is_in_the_schema() -> None:
    schema = deck_schema()
    assert set(schema["properties"]) == set(DECK_FIELDS)
    for card_type, fields in TYPE_FIELDS.items():
        card = schema["definitions"][f"{card_type.value}-card"]
        assert set(card["properties"]) == set(COMMON_CARD_FIELDS) | set(fields)
        assert card["additionalProperties"] is False
        assert card["properties"]["type"] == {
            "const": card_type.value,
            "description": COMMON_CARD_FIELDS["type"].description,
        }


def _documents() -> list[tuple[str, object]]:
    docs = [("starter", yaml.safe_load(starter_deck("starter")))]
    docs += [
        (p.name, yaml.safe_load(p.read_text("utf-8"))) for p in deck_files(bundled_decks_dir())
    ]
    return docs


@pytest.mark.parametrize(
    ("name", "document"), _documents(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_decks_validate_against_the_schema(name: str, document: object) -> None:
    jsonschema = pytest.importorskip(
        "jsonschema",
        reason="jsonschema is optional (not a quiz dependency); install it to run this",
    )
    validator = jsonschema.Draft7Validator(deck_schema())
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, "\n".join(errors)


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    jsonschema = pytest.importorskip(
        "jsonschema",
        reason="jsonschema is optional (not a quiz dependency); install it to run this",
    )
    validator = jsonschema.Draft7Validator(deck_schema())
    bad = {
        "schema_version": 1,
        "id": "x",
        "title": "t",
        "cards": [{"id": "a", "type": "predict", "code": "x", "options": ["1", "2"]}],
    }
    assert any("options" in e.message for e in validator.iter_errors(bad))


@pytest.mark.parametrize(
    ("extra", "valid"),
    [
        ({"proof": "assert True"}, True),
        ({"proof": ["assert True"]}, False),
        ({"group": "other-deck/init-order"}, True),
        ({"group": "init-order"}, True),
        ({"group": "a/b/c"}, False),
        ({"group": "Other/x"}, False),
    ],
)
def test_proof_and_group_in_the_schema(extra: dict[str, object], valid: bool) -> None:
    jsonschema = pytest.importorskip(
        "jsonschema",
        reason="jsonschema is optional (not a quiz dependency); install it to run this",
    )
    validator = jsonschema.Draft7Validator(deck_schema())
    flip = {"id": "a", "type": "flip", "prompt": "p", "answer": "a", **extra}
    document = {"schema_version": 1, "id": "x", "title": "t", "cards": [flip]}
    assert (not list(validator.iter_errors(document))) is valid
    assert "proof" in deck_schema()["definitions"]["choice-card"]["properties"]
