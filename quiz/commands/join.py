"""`quiz join ADDRESS`: take part in a peer session from this terminal. Nothing runs here."""

from __future__ import annotations

import argparse
from typing import Any

from quiz.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "join",
        help=_("join a peer session that someone hosts with `quiz host`"),
        description=_(
            "Join a peer session: enter the join code the host shows, pick a name, answer each "
            "question. Answers are graded on the host; nothing runs on this machine."
        ),
    )
    parser.add_argument(
        "address", metavar="ADDRESS", help=_("the host's address, e.g. 10.0.0.5:8765")
    )
    parser.add_argument("--name", default="", help=_("your name in the session"))
    parser.add_argument("--code", default="", help=_("the join code (otherwise asked)"))
    parser.add_argument(
        "--no-reviews",
        action="store_true",
        help=_("do not record the answered questions as reviews in your own store"),
    )
    parser.add_argument(
        "--lang", default=argparse.SUPPRESS, metavar="CODE", help=_("deck text in this language")
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from quiz.peer.client import hub_url
    from quiz.tui.peer.join_app import JoinApp
    from quiz.tui.peer.join_hooks import JoinHooks, StoreHooks

    url = hub_url(args.address)
    hooks = JoinHooks() if args.no_reviews else StoreHooks()
    app = JoinApp(
        url, name=args.name, code=args.code, lang=getattr(args, "lang", None), hooks=hooks
    )
    app.run()
    return 0
