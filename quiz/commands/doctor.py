"""`quiz doctor`: what this machine gives quiz (torch, sandbox protections, store) and repairs."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

from quiz import __version__
from quiz.errors import QuizError
from quiz.paths import locations


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="show torch, the sandbox's active protections and the store's health",
        description=(
            "Print the torch version, the sandbox pool size, which sandbox protections are "
            "active on this machine (and why any is not), and the state of the review store."
        ),
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild every card's scheduling state from the review log (the source of truth)",
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help=(
            "save what a damaged database still holds into a new one (the damaged file is "
            "kept beside it, renamed)"
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _store_report(rebuild: bool, repair: bool) -> dict[str, Any]:
    from quiz.errors import DatabaseDamaged
    from quiz.srs.store import Store

    path = locations().database
    report: dict[str, Any] = {"path": str(path), "exists": path.exists()}
    if not path.exists():
        if rebuild or repair:
            what = "rebuild" if rebuild else "repair"
            raise QuizError(f"no review store at {path}: nothing to {what}", title="No store")
        return report
    if repair and _sound(path):
        report["repair"] = "the database is sound: nothing to repair, nothing changed"
    elif repair:
        from quiz.srs.repair import repair as repair_store

        # Reading row by row and rebuilding every card takes about a minute per million rows.
        print(f"repairing {path} (reading every row that can be read)…", file=sys.stderr)
        saved = repair_store(path)
        report["repaired"] = {
            "rows": saved.rows,
            "reviews": saved.reviews,
            "unreadable": saved.unreadable,
            "settings": saved.settings,
            "damaged_copy": str(saved.damaged_copy),
        }
    try:
        store = Store.open(path)
    except QuizError as exc:
        # A broken store is exactly what doctor is for: report it instead of stopping.
        report["error"] = exc.message
        report["damaged"] = isinstance(exc, DatabaseDamaged)
        if rebuild:
            raise
        return report
    with store:
        if store.read_only:
            report["read_only"] = store.read_only_reason
        problems, more = store.integrity_problems(limit=_INTEGRITY_LIMIT)
        report["integrity"] = "ok" if not problems else _integrity_summary(problems, more)
        report["damaged"] = bool(problems)
        if problems:
            if rebuild:
                raise DatabaseDamaged(
                    f"the database at {path} is damaged, so its cards cannot be rebuilt from "
                    "it. Run `quiz doctor --repair` first."
                )
            return report
        if rebuild:
            from quiz.srs.maintenance import rebuild as rebuild_cards

            report["rebuilt_cards"] = rebuild_cards(store)
        try:
            with store.read() as conn:
                report["log_rows"] = conn.execute("SELECT count(*) FROM log").fetchone()[0]
                report["cards"] = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
        except QuizError as exc:
            report["error"] = exc.message
    return report


_INTEGRITY_LIMIT = 100


def _sound(path: Path) -> bool:
    from quiz.srs.store import Store

    try:
        with Store.open(path) as store:
            return store.integrity_problems(limit=1) == ([], False)
    except QuizError:
        return False


def _integrity_summary(problems: list[str], more: bool) -> str:
    """One line for SQLite's integrity report (which can run to hundreds of lines)."""
    count = len(problems)
    many = "at least " if more else ""
    first = problems[0].strip()
    noun = "problem" if count == 1 else "problems"
    return f"damaged: {many}{count} {noun} (first: {first})"


def _sandbox_report() -> dict[str, Any]:
    from quiz.sandbox.diagnostics import torch_version
    from quiz.sandbox.pool import shared_pool

    # The pool that runs code: the shared service's, or this command's own with --no-service.
    pool = shared_pool()
    protections = pool.protections()
    return {
        "torch": torch_version(),
        "pool_size": pool.size,
        "memory_mb": pool.memory_mb,
        "protections": [p.to_dict() for p in protections],
    }


def run(args: argparse.Namespace) -> int:
    if args.rebuild and args.repair:
        raise QuizError("give --rebuild or --repair, not both (--repair rebuilds the cards too)")
    store_report = _store_report(args.rebuild, args.repair)
    # Starting the pool imports torch in every worker: seconds of silence without this line.
    print("starting the sandbox (importing torch)…", file=sys.stderr, flush=True)
    report: dict[str, Any] = {
        "quiz": __version__,
        "python": platform.python_version(),
        "sandbox": _sandbox_report(),
        "store": store_report,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if _healthy(report) else 1
    sandbox, store = report["sandbox"], report["store"]
    print(f"quiz     {report['quiz']} (python {report['python']})")
    print(f"torch    {sandbox['torch'] or 'not installed'} (imported only in sandbox workers)")
    print(f"sandbox  {sandbox['pool_size']} warm workers, memory cap {sandbox['memory_mb']} MiB")
    for item in sandbox["protections"]:
        mark = "on " if item["active"] else "off"
        print(f"  [{mark}] {item['name']}: {item['why']}")
    print(f"store    {store['path']}")
    for line in _store_lines(store):
        print(f"  {line}")
    return 0 if _healthy(report) else 1


def _store_lines(store: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if store.get("repair"):
        lines.append(store["repair"])
    repaired = store.get("repaired")
    if repaired:
        review_word = "review" if repaired["reviews"] == 1 else "reviews"
        row_word = "log row" if repaired["rows"] == 1 else "log rows"
        lines.append(
            f"repaired: saved {repaired['reviews']} {review_word} ({repaired['rows']} "
            f"{row_word} in all) into a new database"
        )
        if repaired["unreadable"]:
            lines.append(f"{repaired['unreadable']} log rows could not be read and are lost")
        lines.append(f"the damaged file is kept as {repaired['damaged_copy']}")
    if not store["exists"]:
        lines.append("no reviews yet (the file is created on the first answer)")
        return lines
    if "error" in store:
        lines.append(f"ERROR: {store['error']}")
        return lines
    if store.get("read_only"):
        lines.append(f"READ-ONLY: {store['read_only']}")
    if store.get("damaged"):
        lines.append(f"integrity: {store['integrity']}")
        lines.append(
            "run `quiz doctor --repair` to save what can be read into a new database "
            "(the damaged file is kept beside it)"
        )
        return lines
    if "rebuilt_cards" in store:
        lines.append(f"rebuilt {store['rebuilt_cards']} cards from the review log")
    lines.append(
        f"{store['log_rows']} log rows, {store['cards']} cards, integrity: {store['integrity']}"
    )
    return lines


def _healthy(report: dict[str, Any]) -> bool:
    store = report["store"]
    return "error" not in store and not store.get("damaged")
