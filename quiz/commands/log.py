"""`quiz log export FILE.csv` / `quiz log import FILE.csv`: the review log as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from quiz.textsafe import clean
from quiz.words import plural

_SHOWN_CONFLICTS = 10


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "log",
        help="export or import the review log as CSV",
        description=(
            "The review log as CSV, one row per log entry (most are reviews), for backups and "
            "other tools. Import skips rows already in the log (by uuid), so it never duplicates."
        ),
    )
    actions = parser.add_subparsers(dest="log_action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write the whole log to FILE.csv")
    export.add_argument("file", type=Path, metavar="FILE.csv")
    export.add_argument("--force", action="store_true", help="overwrite FILE.csv if it exists")
    imp = actions.add_parser("import", help="add the rows of FILE.csv that the log lacks")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from quiz.errors import QuizError
    from quiz.srs.csvlog import export_csv, import_csv
    from quiz.srs.store import Store

    path: Path = args.file
    if args.log_action == "export":
        if path.exists() and not args.force:
            raise QuizError(f"{path} exists; pass --force to overwrite it")
        with Store.open() as store:
            count = export_csv(store, path)
        print(f"wrote {plural(count, 'log row', 'log rows')} to {path}")
        return 0
    with Store.open() as store:
        result = import_csv(store, path)
    print(
        f"imported {plural(result.added, 'row', 'rows')} ({result.skipped} already in the log); "
        f"{plural(result.cards, 'card', 'cards')} updated"
    )
    if not result.conflicts:
        return 0
    shown = _SHOWN_CONFLICTS
    print(
        f"{plural(len(result.conflicts), 'row was', 'rows were')} not imported: each uses a "
        "uuid that names another entry",
        file=sys.stderr,
    )
    for line in result.conflicts[:shown]:
        print(f"  {clean(line)}", file=sys.stderr)
    if len(result.conflicts) > shown:
        print(f"  and {len(result.conflicts) - shown} more", file=sys.stderr)
    return 1
