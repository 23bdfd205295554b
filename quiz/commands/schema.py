"""`quiz schema`: print the deck format's JSON Schema, for editors (yaml-language-server)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from quiz.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema",
        help=_("print the deck format's JSON Schema"),
        description=_(
            "Print the JSON Schema of deck files. Save it (quiz schema > quiz-deck.schema.json) "
            "and put '# yaml-language-server: $schema=./quiz-deck.schema.json' at the top of a "
            "deck for completion and validation in your editor."
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from quiz.deck.schema import schema_text

    sys.stdout.write(schema_text())
    return 0
