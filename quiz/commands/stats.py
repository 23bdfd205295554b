"""`quiz stats [--json]`: today, the streak, card states, true retention, the 30-day forecast."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from quiz.deck.model import Deck

_SPARK = " ▁▂▃▄▅▆▇█"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="study statistics: today, streak, retention, forecast",
        description=(
            "Study statistics from your review log. True retention is Anki's: the share of "
            "reviews of graduated cards not graded Again (young: interval under 21 days)."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
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


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def run(args: argparse.Namespace) -> int:
    from quiz.srs.stats import compute_stats
    from quiz.srs.store import Store
    from quiz.words import plural

    with Store.open() as store:
        store.check_damage()  # a damaged page can hide reviews without any error
        stats = compute_stats(store, decks=loaded_decks(args))
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
        return 0
    t, s = stats.today, stats.states
    studied = sum(1 for c in stats.reviews_per_day if c)
    new = "?" if s.new is None else str(s.new)
    lines = [
        f"Today       {plural(t.cards, 'card', 'cards')}, "
        f"{plural(t.reviews, 'review', 'reviews')} in {_duration(t.seconds)}, {t.again} again",
        f"Streak      {plural(stats.streak, 'day', 'days')}",
        f"Cards       new {new} · learning {s.learning} · review {s.review} · "
        f"relearning {s.relearning} · suspended {s.suspended} (leeches {s.leech})",
        "",
        "True retention   young   mature    total  reviews",
    ]
    for r in stats.retention:
        n = r.young_passed + r.young_failed + r.mature_passed + r.mature_failed
        lines.append(
            f"  {r.period:<12}  {_pct(r.young)}   {_pct(r.mature)}   {_pct(r.total)}  {n:7d}"
        )
    lines += [
        "",
        f"Forecast    next 30 days: {sum(stats.forecast)} due, today {stats.forecast[0]}, "
        f"tomorrow {stats.forecast[1]}",
        f"            |{spark(stats.forecast)}|",
        f"Reviews     last 365 days: {sum(stats.reviews_per_day)} on "
        f"{plural(studied, 'day', 'days')}; all time {stats.total_reviews}",
        f"            last 60 days |{spark(stats.reviews_per_day[-60:])}|",
    ]
    print("\n".join(lines))
    return 0
