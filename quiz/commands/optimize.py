"""`quiz optimize`: fit FSRS parameters to your own log; keep them only if they predict better."""

from __future__ import annotations

import argparse
import math
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "optimize",
        help="fit FSRS parameters to your review log",
        description=(
            "Fit the FSRS parameters to your reviews with fsrs' Optimizer, print log loss and "
            "RMSE (bins) before and after on the same log, and keep the new parameters only "
            "when they are better (lower log loss)."
        ),
    )
    parser.add_argument("--deck", metavar="DECK", help="fit one deck's reviews into its preset")
    parser.add_argument("--dry-run", action="store_true", help="report, but keep the old ones")
    parser.set_defaults(func=run)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"


def run(args: argparse.Namespace) -> int:
    from quiz.commands.deck_ids import require_known_deck
    from quiz.srs import optimize
    from quiz.srs.store import DEFAULT_PRESET, PRESET_PREFIX, Store
    from quiz.words import plural

    with Store.open() as store:
        if args.deck:
            require_known_deck(args, store, args.deck)
        logs = optimize.review_logs(store, args.deck)
        usable = optimize.usable_reviews(logs)
        scope = f"deck {args.deck}" if args.deck else "all decks"
        print(
            f"{plural(len(logs), 'review', 'reviews')} in {scope}; {usable} made on a later day "
            "than the last one"
        )
        if usable < optimize.MIN_REVIEWS:
            more = optimize.MIN_REVIEWS - usable
            print(
                f"Not enough to fit yet: optimize needs {optimize.MIN_REVIEWS} such reviews, "
                f"{more} more. Keep studying; the default parameters stay."
            )
            return 0
        stored = store.presets()
        current = stored.for_deck(args.deck or "")
        before = optimize.evaluate(logs, current.parameters)
        print("Fitting (fsrs Optimizer; this can take a few minutes)...", flush=True)
        fitted = optimize.fit(logs)
        after = optimize.evaluate(logs, fitted)
        print(f"{'':12}{'log loss':>10}{'RMSE(bins)':>12}")
        print(f"{'before':12}{_fmt(before.log_loss):>10}{_fmt(before.rmse_bins):>12}")
        print(f"{'after':12}{_fmt(after.log_loss):>10}{_fmt(after.rmse_bins):>12}")
        if not after.log_loss < before.log_loss:
            print("The fitted parameters are no better on your log: keeping the current ones.")
            return 0
        if args.dry_run:
            print("Better, but --dry-run: keeping the current ones.")
            return 0
        scope_key = PRESET_PREFIX + (args.deck or DEFAULT_PRESET)
        own = dict(stored.decks.get(args.deck, {}) if args.deck else stored.default)
        own["parameters"] = list(current.merged({"parameters": fitted}).parameters)
        store.set_setting(scope_key, own)
        print(f"Saved the new parameters for {scope} (quiz config parameters shows them).")
    return 0
