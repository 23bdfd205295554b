"""`quiz log export FILE.csv` / `quiz log import FILE.csv`: the review log as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from quiz.i18n import _, ngettext
from quiz.textsafe import clean

_SHOWN_CONFLICTS = 10


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "log",
        help=_("export or import the review log as CSV"),
        description=_(
            "The review log as CSV, one row per log entry (most are reviews), for backups and "
            "other tools. Import skips rows already in the log (by uuid), so it never duplicates."
        ),
    )
    actions = parser.add_subparsers(dest="log_action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help=_("write the whole log to FILE.csv"))
    export.add_argument("file", type=Path, metavar="FILE.csv")
    export.add_argument("--force", action="store_true", help=_("overwrite FILE.csv if it exists"))
    imp = actions.add_parser("import", help=_("add the rows of FILE.csv that the log lacks"))
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from quiz.errors import QuizError
    from quiz.srs.csvlog import export_csv, import_csv
    from quiz.srs.store import Store

    path: Path = args.file
    if args.log_action == "export":
        if path.exists() and not args.force:
            raise QuizError(_("{path} exists; pass --force to overwrite it").format(path=path))
        with Store.open() as store:
            count = export_csv(store, path)
        print(
            ngettext("wrote {n} log row to {path}", "wrote {n} log rows to {path}", count).format(
                n=count, path=path
            )
        )
        return 0
    with Store.open() as store:
        result = import_csv(store, path)
    rows = ngettext(
        "imported {n} row ({skipped} already in the log)",
        "imported {n} rows ({skipped} already in the log)",
        result.added,
    ).format(n=result.added, skipped=result.skipped)
    cards = ngettext("{n} card updated", "{n} cards updated", result.cards).format(n=result.cards)
    print(f"{rows}; {cards}")
    if not result.conflicts:
        return 0
    shown = _SHOWN_CONFLICTS
    conflicts = len(result.conflicts)
    print(
        ngettext(
            "{n} row was not imported: it uses a uuid that names another entry",
            "{n} rows were not imported: each uses a uuid that names another entry",
            conflicts,
        ).format(n=conflicts),
        file=sys.stderr,
    )
    for line in result.conflicts[:shown]:
        print(f"  {clean(line)}", file=sys.stderr)
    if conflicts > shown:
        print("  " + _("and {n} more").format(n=conflicts - shown), file=sys.stderr)
    return 1
