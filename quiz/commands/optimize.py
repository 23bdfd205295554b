"""`quiz optimize`: fit FSRS parameters to your own log; keep them only if they predict better."""

from __future__ import annotations

import argparse
import math
from typing import Any

from quiz.i18n import _, ngettext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "optimize",
        help=_("fit FSRS parameters to your review log"),
        description=_(
            "Fit the FSRS parameters to your reviews with fsrs' Optimizer, print log loss and "
            "RMSE (bins) before and after on the same log, and keep the new parameters only "
            "when they are better (lower log loss)."
        ),
    )
    parser.add_argument("--deck", metavar="DECK", help=_("fit one deck's reviews into its preset"))
    parser.add_argument("--dry-run", action="store_true", help=_("report, but keep the old ones"))
    parser.set_defaults(func=run)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"


def _width(text: str) -> int:
    """Terminal columns: a Hangul syllable (or any wide character) takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run(args: argparse.Namespace) -> int:
    from quiz.commands.deck_ids import require_known_deck
    from quiz.srs import optimize
    from quiz.srs.store import DEFAULT_PRESET, PRESET_PREFIX, Store

    with Store.open() as store:
        if args.deck:
            require_known_deck(args, store, args.deck)
        logs = optimize.review_logs(store, args.deck)
        usable = optimize.usable_reviews(logs)
        scope = _("deck {deck}").format(deck=args.deck) if args.deck else _("all decks")
        print(
            ngettext(
                "{n} review in {scope}; {usable} made on a later day than the last one",
                "{n} reviews in {scope}; {usable} made on a later day than the last one",
                len(logs),
            ).format(n=len(logs), scope=scope, usable=usable)
        )
        if usable < optimize.MIN_REVIEWS:
            more = optimize.MIN_REVIEWS - usable
            print(
                _(
                    "Not enough to fit yet: optimize needs {needed} such reviews, {more} more. "
                    "Keep studying; the default parameters stay."
                ).format(needed=optimize.MIN_REVIEWS, more=more)
            )
            return 0
        stored = store.presets()
        current = stored.for_deck(args.deck or "")
        before = optimize.evaluate(logs, current.parameters)
        print(_("Fitting (fsrs Optimizer; this can take a few minutes)..."), flush=True)
        fitted = optimize.fit(logs)
        after = optimize.evaluate(logs, fitted)
        print(f"{'':12}{'log loss':>10}{'RMSE(bins)':>12}")
        for label, scores in ((_("before"), before), (_("after"), after)):
            pad = " " * max(0, 12 - _width(label))
            print(f"{label}{pad}{_fmt(scores.log_loss):>10}{_fmt(scores.rmse_bins):>12}")
        if not after.log_loss < before.log_loss:
            print(_("The fitted parameters are no better on your log: keeping the current ones."))
            return 0
        if args.dry_run:
            print(_("Better, but --dry-run: keeping the current ones."))
            return 0
        scope_key = PRESET_PREFIX + (args.deck or DEFAULT_PRESET)
        own = dict(stored.decks.get(args.deck, {}) if args.deck else stored.default)
        own["parameters"] = list(current.merged({"parameters": fitted}).parameters)
        store.set_setting(scope_key, own)
        print(
            _("Saved the new parameters for {scope} (quiz config parameters shows them).").format(
                scope=scope
            )
        )
    return 0
