"""`quiz preview DECK.yaml`: author mode: every card as a learner sees it, re-checked on save."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        help=_("show a deck's cards as a learner sees them, re-checked on every save"),
        description=_(
            "Author mode: every card of DECK.yaml as a learner sees it, with its answer key and "
            "whether `quiz check` proves it. Saving the file reloads it and checks again. Nothing "
            "is studied and the review history is never touched."
        ),
    )
    parser.add_argument("deck", metavar="DECK.yaml", help=_("the deck file to preview"))
    # SUPPRESS: when not given here, keep what `quiz --lang ... preview` set.
    parser.add_argument(
        "--lang", default=argparse.SUPPRESS, metavar="CODE", help=_("show text in this language")
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from quiz.config import load_config
    from quiz.tui.preview import PreviewApp

    path = Path(args.deck).expanduser()
    if not path.is_file():
        raise QuizError(_("{path}: no such deck file").format(path=path), title=_("Preview"))
    lang = getattr(args, "lang", None) or load_config().lang
    app = PreviewApp(path, lang=lang)
    return int(app.run() or 0)
