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
from quiz.i18n import _, ngettext
from quiz.paths import locations


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help=_("show torch, the sandbox's active protections and the store's health"),
        description=_(
            "Print the torch version, the sandbox pool size, which sandbox protections are "
            "active on this machine (and why any is not), and the state of the review store."
        ),
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help=_("rebuild every card's scheduling state from the review log (the source of truth)"),
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help=_(
            "save what a damaged database still holds into a new one (the damaged file is "
            "kept beside it, renamed)"
        ),
    )
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.set_defaults(func=run)


def _store_report(rebuild: bool, repair: bool) -> dict[str, Any]:
    from quiz.errors import DatabaseDamaged
    from quiz.srs.store import Store

    path = locations().database
    report: dict[str, Any] = {"path": str(path), "exists": path.exists()}
    if not path.exists():
        if rebuild or repair:
            message = (
                _("no review store at {path}: nothing to rebuild")
                if rebuild
                else _("no review store at {path}: nothing to repair")
            )
            raise QuizError(message.format(path=path), title=_("No store"))
        return report
    if repair and _sound(path):
        report["repair"] = _("the database is sound: nothing to repair, nothing changed")
    elif repair:
        from quiz.srs.repair import repair as repair_store

        # Reading row by row and rebuilding every card takes about a minute per million rows.
        print(
            _("repairing {path} (reading every row that can be read)…").format(path=path),
            file=sys.stderr,
        )
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
                    _(
                        "the database at {path} is damaged, so its cards cannot be rebuilt from "
                        "it. Run `quiz doctor --repair` first."
                    ).format(path=path)
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
    first = problems[0].strip()
    if more:
        message = ngettext(
            "damaged: at least {n} problem (first: {first})",
            "damaged: at least {n} problems (first: {first})",
            count,
        )
    else:
        message = ngettext(
            "damaged: {n} problem (first: {first})", "damaged: {n} problems (first: {first})", count
        )
    return message.format(n=count, first=first)


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
        raise QuizError(_("give --rebuild or --repair, not both (--repair rebuilds the cards too)"))
    store_report = _store_report(args.rebuild, args.repair)
    # Starting the pool imports torch in every worker: seconds of silence without this line.
    print(_("starting the sandbox (importing torch)…"), file=sys.stderr, flush=True)
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
    torch = sandbox["torch"] or _("not installed")
    print("torch    " + _("{version} (imported only in sandbox workers)").format(version=torch))
    workers = sandbox["pool_size"]
    print(
        "sandbox  "
        + ngettext(
            "{n} warm worker, memory cap {mb} MiB", "{n} warm workers, memory cap {mb} MiB", workers
        ).format(n=workers, mb=sandbox["memory_mb"])
    )
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
        reviews = ngettext("{n} review", "{n} reviews", repaired["reviews"]).format(
            n=repaired["reviews"]
        )
        rows = ngettext("{n} log row", "{n} log rows", repaired["rows"]).format(n=repaired["rows"])
        lines.append(
            _("repaired: saved {reviews} ({rows} in all) into a new database").format(
                reviews=reviews, rows=rows
            )
        )
        if repaired["unreadable"]:
            lost = repaired["unreadable"]
            lines.append(
                ngettext(
                    "{n} log row could not be read and is lost",
                    "{n} log rows could not be read and are lost",
                    lost,
                ).format(n=lost)
            )
        lines.append(_("the damaged file is kept as {path}").format(path=repaired["damaged_copy"]))
    if not store["exists"]:
        lines.append(_("no reviews yet (the file is created on the first answer)"))
        return lines
    if "error" in store:
        lines.append(_("ERROR: {message}").format(message=store["error"]))
        return lines
    if store.get("read_only"):
        lines.append(_("READ-ONLY: {reason}").format(reason=store["read_only"]))
    integrity = _("ok") if store.get("integrity") == "ok" else store.get("integrity")
    if store.get("damaged"):
        lines.append(_("integrity: {state}").format(state=integrity))
        lines.append(
            _(
                "run `quiz doctor --repair` to save what can be read into a new database "
                "(the damaged file is kept beside it)"
            )
        )
        return lines
    if "rebuilt_cards" in store:
        rebuilt = store["rebuilt_cards"]
        lines.append(
            ngettext(
                "rebuilt {n} card from the review log",
                "rebuilt {n} cards from the review log",
                rebuilt,
            ).format(n=rebuilt)
        )
    rows = ngettext("{n} log row", "{n} log rows", store["log_rows"]).format(n=store["log_rows"])
    cards = ngettext("{n} card", "{n} cards", store["cards"]).format(n=store["cards"])
    lines.append(
        _("{rows}, {cards}, integrity: {state}").format(rows=rows, cards=cards, state=integrity)
    )
    return lines


def _healthy(report: dict[str, Any]) -> bool:
    store = report["store"]
    return "error" not in store and not store.get("damaged")
