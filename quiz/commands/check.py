"""`quiz check [PATH...]`: validate decks, then prove every card by running it in the sandbox."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from quiz.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help=_("validate decks and prove every card by running it"),
        description=_(
            "Validate deck files (problems are printed as FILE:LINE:COL: DECK/CARD: message), then "
            "prove every card against the installed torch. Exit status: 0 every card proven, "
            "1 some card failed, 2 a deck could not be loaded. With no PATH, checks the bundled "
            "decks."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help=_("deck files or folders"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object per card"))
    parser.add_argument("--no-cache", action="store_true", help=_("run every card, cached or not"))
    parser.add_argument(
        "--strict",
        action="store_true",
        help=_(
            "also fail each card whose answer is not proven by running it: a flip card "
            "without a proof, a choice card whose options have no truth and which has no proof"
        ),
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help=_("check again whenever a deck file under PATH is saved"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from quiz.deck.session import CheckSession
    from quiz.paths import bundled_decks_dir

    paths = [Path(p) for p in [*args.paths, *getattr(args, "decks", [])]]
    session = CheckSession(
        paths or [bundled_decks_dir()],
        as_json=args.json,
        use_cache=not args.no_cache,
        strict=args.strict,
    )
    try:
        return session.watch() if args.watch else session.once()
    finally:
        session.close()
