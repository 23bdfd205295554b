"""`quiz history DECK/CARD`: one card's reviews, oldest first, with its current state."""

from __future__ import annotations

import argparse
import json
from typing import Any

from quiz.errors import QuizError
from quiz.i18n import _, ngettext
from quiz.textsafe import clean, dumps

_GRADES = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history",
        help=_("print one card's reviews"),
        description=_("Print every review of one card (DECK/CARD), including undone ones, marked."),
    )
    parser.add_argument("key", metavar="DECK/CARD", help=_("the card, e.g. hooks/forward-pre-hook"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.set_defaults(func=run)


def _one_line(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _deck_has_card(args: argparse.Namespace, deck_id: str, card_id: str) -> bool:
    """Whether a loadable deck (bundled, the user's, --decks) has the card: a typo is an error."""
    from pathlib import Path

    from quiz.deck.library import discover, load_library

    library = load_library(discover([Path(p) for p in getattr(args, "decks", [])]))
    return any(deck.id == deck_id and deck.card(card_id) for deck in library.decks)


def run(args: argparse.Namespace) -> int:
    from quiz.srs.events import Kind, split_key
    from quiz.srs.store import Store
    from quiz.srs.timeutil import from_us

    deck_id, card_id = split_key(args.key)
    if not deck_id or not card_id:
        raise QuizError(
            _("{key} is not DECK/CARD (e.g. hooks/forward-pre-hook)").format(key=repr(args.key))
        )
    with Store.open() as store:
        events = store.events(args.key)
        card = store.card(args.key, deck_id)
    undone = {e.target for e in events if e.kind is Kind.UNDO}
    reviews = [e for e in events if e.kind is Kind.REVIEW]
    if args.json:
        print(dumps({
            "key": args.key,
            "state": card.state.label,
            "due": from_us(card.due).isoformat() if card.due is not None else None,
            "reps": card.reps, "lapses": card.lapses, "suspended": card.suspended,
            "leech": card.leech, "flag": card.flag,
            "reviews": [{
                "uuid": e.uuid, "time": from_us(e.time).isoformat(),
                "rating": _GRADES.get(e.rating or 0), "proposed": _GRADES.get(e.proposed or 0),
                "outcome": e.outcome, "duration_ms": e.duration_ms,
                "answer_text": e.answer_text, "instance": json.loads(e.instance or "{}"),
                "undone": e.uuid in undone,
            } for e in reviews],
        }, indent=2))  # fmt: skip
        return 0
    if not events:
        with Store.open() as store:
            store.check_damage()  # "no reviews yet" must not hide reviews on a damaged page
        if not _deck_has_card(args, deck_id, card_id):
            raise QuizError(
                _("{key}: no deck has this card, and it has no reviews").format(key=args.key)
            )
        print(_("{key}: no reviews yet").format(key=args.key))
        return 0
    due = from_us(card.due).astimezone().strftime("%Y-%m-%d %H:%M") if card.due else "-"
    # The state and the grades are the scheduler's words (as --json and `quiz log` say them).
    parts = [
        card.state.label,
        _("due {when}").format(when=due),
        ngettext("{n} review", "{n} reviews", card.reps).format(n=card.reps),
        ngettext("{n} lapse", "{n} lapses", card.lapses).format(n=card.lapses),
    ]
    parts += [_("suspended")] if card.suspended else []
    parts += [_("leech")] if card.leech else []
    print(f"{args.key}: " + ", ".join(parts))
    for e in reviews:
        when = from_us(e.time).astimezone().strftime("%Y-%m-%d %H:%M")
        grade = _GRADES.get(e.rating or 0, "?")
        proposed = _GRADES.get(e.proposed or 0)
        overridden = (
            _("(proposed {grade})").format(grade=proposed) if proposed and proposed != grade else ""
        )
        seconds = (e.duration_ms or 0) / 1000
        mark = "  " + _("[undone]") if e.uuid in undone else ""
        # Answer text may come from an imported log: never let it drive the terminal.
        print(
            f"  {when}  {grade:<5} {overridden:<16}  {clean(e.outcome or ''):<11} "
            f"{seconds:6.1f}s  {_one_line(clean(e.answer_text or ''))}{mark}"
        )
    return 0
