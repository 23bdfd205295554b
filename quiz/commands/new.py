"""`quiz new DECK_ID`: write a commented starter deck (one card of each type) to DECK_ID.yaml."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from quiz.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "new",
        help=_("write a starter deck with one card of each type"),
        description=_(
            "Write DECK_ID.yaml in the current folder: a commented deck with one card of each "
            "type that passes `quiz check`. An existing file is never overwritten."
        ),
    )
    parser.add_argument("deck_id", metavar="DECK_ID", help=_("the new deck's id, e.g. my-deck"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from quiz.deck.starter import starter_deck
    from quiz.errors import QuizError

    text = starter_deck(args.deck_id)
    path = Path.cwd() / f"{args.deck_id}.yaml"
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise QuizError(
            _("{name} already exists; not overwriting it").format(name=path.name),
            title=_("File exists"),
        ) from None
    except OSError as exc:
        raise QuizError(
            _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc),
            title=_("Cannot write"),
        ) from exc
    print(_("wrote {name}; prove it with: quiz check {name}").format(name=path.name))
    return 0
