"""`quiz doctor`: what this machine gives quiz (torch, sandbox protections, store) and repairs."""

from __future__ import annotations

import argparse
import json
import platform
import sys
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
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _store_report(rebuild: bool) -> dict[str, Any]:
    from quiz.srs.store import Store

    path = locations().database
    report: dict[str, Any] = {"path": str(path), "exists": path.exists()}
    if not path.exists():
        if rebuild:
            raise QuizError(f"no review store at {path}: nothing to rebuild", title="No store")
        return report
    try:
        store = Store.open(path)
    except QuizError as exc:
        # A broken store is exactly what doctor is for: report it instead of stopping.
        report["error"] = exc.message
        if rebuild:
            raise
        return report
    with store:
        if rebuild:
            from quiz.srs.maintenance import rebuild as rebuild_cards

            report["rebuilt_cards"] = rebuild_cards(store)
        with store.read() as conn:
            report["log_rows"] = conn.execute("SELECT count(*) FROM log").fetchone()[0]
            report["cards"] = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
            report["integrity"] = conn.execute("PRAGMA quick_check").fetchone()[0]
    return report


def _sandbox_report() -> dict[str, Any]:
    from quiz.config import load_config
    from quiz.sandbox.diagnostics import torch_version
    from quiz.sandbox.pool import SandboxPool

    config = load_config()
    with SandboxPool(
        workers=config.sandbox_workers or None,
        memory_mb=config.sandbox_memory_mb,
        output_limit=config.sandbox_output_kb * 1024,
    ) as pool:
        protections = pool.protections()
        return {
            "torch": torch_version(),
            "pool_size": pool.size,
            "memory_mb": pool.memory_mb,
            "protections": [p.to_dict() for p in protections],
        }


def run(args: argparse.Namespace) -> int:
    if sys.stderr.isatty() and not args.json:
        print("starting the sandbox to see what this machine allows…", file=sys.stderr)
    report: dict[str, Any] = {
        "quiz": __version__,
        "python": platform.python_version(),
        "sandbox": _sandbox_report(),
        "store": _store_report(args.rebuild),
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
    if not store["exists"]:
        print("  no reviews yet (the file is created on the first answer)")
    elif "error" in store:
        print(f"  ERROR: {store['error']}")
    else:
        if "rebuilt_cards" in store:
            print(f"  rebuilt {store['rebuilt_cards']} cards from the review log")
        print(
            f"  {store['log_rows']} log rows, {store['cards']} cards, "
            f"integrity: {store['integrity']}"
        )
    return 0 if _healthy(report) else 1


def _healthy(report: dict[str, Any]) -> bool:
    store = report["store"]
    return "error" not in store and store.get("integrity", "ok") == "ok"
