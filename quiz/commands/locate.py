"""`quiz locate`: where the database, config, user decks, caches and bundled decks live."""

from __future__ import annotations

import argparse
import json
from typing import Any

from quiz.paths import bundled_decks_dir, locations


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "locate",
        help="print where data, config, decks and caches live",
        description="Print where quiz keeps its files. QUIZ_HOME redirects all of them.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    places = locations().as_dict()
    places["bundled_decks"] = str(bundled_decks_dir())
    if args.json:
        print(json.dumps(places, indent=2))
    else:
        width = max(len(k) for k in places)
        for name, path in places.items():
            print(f"{name.replace('_', ' '):<{width}}  {path}")
    return 0
