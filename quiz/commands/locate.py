"""`quiz locate`: where the database, config, user decks, caches and bundled decks live."""

from __future__ import annotations

import argparse
import json
from typing import Any

from quiz.i18n import N_, _
from quiz.paths import bundled_decks_dir, locations

# The labels of the plain listing; --json keeps the keys.
LABELS = {
    "database": N_("database"),
    "config": N_("config"),
    "user_decks": N_("user decks"),
    "cache": N_("cache"),
    "bundled_decks": N_("bundled decks"),
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "locate",
        help=_("print where data, config, decks and caches live"),
        description=_("Print where quiz keeps its files. QUIZ_HOME redirects all of them."),
    )
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.set_defaults(func=run)


def _display_width(text: str) -> int:
    """Terminal columns: a Hangul syllable (or any wide character) takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run(args: argparse.Namespace) -> int:
    places = locations().as_dict()
    places["bundled_decks"] = str(bundled_decks_dir())
    if args.json:
        print(json.dumps(places, indent=2))
    else:
        labels = {name: _(LABELS.get(name, name)) for name in places}
        width = max(_display_width(label) for label in labels.values())
        for name, path in places.items():
            label = labels[name]
            print(label + " " * (width - _display_width(label)) + f"  {path}")
    return 0
