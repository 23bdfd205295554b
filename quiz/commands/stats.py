"""`quiz stats [--json]`: today, the streak, card states, true retention, the 30-day forecast."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from quiz.deck.model import Deck
from quiz.i18n import _, ngettext

_SPARK = " ▁▂▃▄▅▆▇█"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats",
        help=_("study statistics: today, streak, retention, forecast"),
        description=_(
            "Study statistics from your review log. True retention is Anki's: the share of "
            "reviews of graduated cards not graded Again (young: interval under 21 days)."
        ),
    )
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.set_defaults(func=run)


def loaded_decks(args: argparse.Namespace) -> list[Deck] | None:
    """The decks `quiz` would study, or None when they cannot be loaded (stats still work)."""
    from quiz.deck.library import discover, load_library
    from quiz.errors import QuizError

    try:
        extra = [Path(p) for p in getattr(args, "decks", []) or []]
        return load_library(discover(extra)).decks
    except QuizError:
        return None


def spark(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return " " * len(values)
    return "".join(_SPARK[0 if v <= 0 else max(1, round(v / top * 8))] for v in values)


def _pct(value: float | None) -> str:
    return "    -" if value is None else f"{value * 100:5.1f}%"


def _width(text: str) -> int:
    """Terminal columns: a Hangul syllable (or any wide character) takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns."""
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("{hours}h {minutes}m").format(hours=hours, minutes=f"{minutes:02d}")
    return _("{minutes}m {seconds}s").format(minutes=minutes, seconds=f"{secs:02d}")


def run(args: argparse.Namespace) -> int:
    from quiz.srs.stats import compute_stats
    from quiz.srs.store import Store

    with Store.open() as store:
        store.check_damage()  # a damaged page can hide reviews without any error
        stats = compute_stats(store, decks=loaded_decks(args))
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
        return 0
    t, s = stats.today, stats.states
    studied = sum(1 for c in stats.reviews_per_day if c)
    new = "?" if s.new is None else str(s.new)
    label = 12  # the columns of the labels on the left

    def row(name: str, text: str) -> str:
        return _left(name, label) + text

    cards = ngettext("{n} card", "{n} cards", t.cards).format(n=t.cards)
    reviews = ngettext("{n} review", "{n} reviews", t.reviews).format(n=t.reviews)
    states = " · ".join(
        f"{name} {value}"
        for name, value in (
            (_("new"), new),
            (_("learning"), s.learning),
            (_("review"), s.review),
            (_("relearning"), s.relearning),
            (_("suspended"), s.suspended),
        )
    )
    columns = [_("young"), _("mature"), _("total"), _("reviews")]
    header = _left(_("True retention"), 16) + "".join(
        _right(name, width) for name, width in zip(columns, (6, 9, 9, 9), strict=True)
    )
    lines = [
        row(
            _("Today"),
            _("{cards}, {reviews} in {time}, {again} again").format(
                cards=cards, reviews=reviews, time=_duration(t.seconds), again=t.again
            ),
        ),
        row(_("Streak"), ngettext("{n} day", "{n} days", stats.streak).format(n=stats.streak)),
        row(
            _("Cards"),
            _("{states} (leeches {leeches})").format(states=states, leeches=s.leech),
        ),
        "",
        header,
    ]
    from quiz.srs.stats import PERIOD_NAMES

    for r in stats.retention:
        n = r.young_passed + r.young_failed + r.mature_passed + r.mature_failed
        period = _left(_(PERIOD_NAMES.get(r.period, r.period)), 12)
        lines.append(f"  {period}  {_pct(r.young)}   {_pct(r.mature)}   {_pct(r.total)}  {n:7d}")
    days = ngettext("{n} day", "{n} days", studied).format(n=studied)
    lines += [
        "",
        row(
            _("Forecast"),
            _("next 30 days: {due} due, today {today}, tomorrow {tomorrow}").format(
                due=sum(stats.forecast), today=stats.forecast[0], tomorrow=stats.forecast[1]
            ),
        ),
        row("", f"|{spark(stats.forecast)}|"),
        row(
            _("Reviews"),
            _("last 365 days: {n} on {days}; all time {total}").format(
                n=sum(stats.reviews_per_day), days=days, total=stats.total_reviews
            ),
        ),
        row("", _("last 60 days") + f" |{spark(stats.reviews_per_day[-60:])}|"),
    ]
    print("\n".join(lines))
    return 0
