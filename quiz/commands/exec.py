"""`quiz exec FILE.py [--json]`: run a file in the sandbox exactly as card code runs.

Deck-less: the file is one segment named after it, with a fresh namespace, the seeds set, and
the default 5 s timeout. Exit 0 when the run is ok, 1 otherwise, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.i18n import _
from quiz.textsafe import clean


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "exec",
        help=_("run a Python file in the sandbox, as card code runs"),
        description=_(
            "Run FILE in the sandbox exactly as card code runs (fresh namespace, seeds set, "
            "every protection on) and print its output and how it ended."
        ),
    )
    parser.add_argument("file", metavar="FILE.py", help=_("the Python file to run"))
    parser.add_argument(
        "--json",
        action="store_true",
        help=_("print one JSON object: status, stdout, stderr, exception, traceback, duration_ms"),
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS", help=_("wall clock (default 5)")
    )
    parser.set_defaults(func=run)


def _read_source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QuizError(
            _("{path}: not UTF-8 text ({reason})").format(path=path, reason=exc.reason),
            title=_("Cannot read"),
        ) from None
    except OSError as exc:
        raise QuizError(f"{path}: {exc.strerror or exc}", title=_("Cannot read")) from None


def _status_line(result: Any) -> str:
    # The status and the exception's name are the run's own words (as --json says them).
    what = result.status.value
    if result.exception and result.segment:
        what += " " + _("({error} in {part})").format(error=result.exception, part=result.segment)
    elif result.exception:
        what += f" ({result.exception})"
    return "quiz exec: " + _("{status} in {ms} ms").format(
        status=what, ms=f"{result.duration_ms:.0f}"
    )


def run(args: argparse.Namespace) -> int:
    from quiz.sandbox.pool import shared_pool
    from quiz.sandbox.protocol import RunRequest, Segment

    path = Path(args.file)
    source = _read_source(path)
    request = RunRequest((Segment(path.name, source),), timeout=args.timeout)
    # The shared service; without it, one worker: a single run needs no more.
    result = shared_pool(workers=1).run(request)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        # The run's output is untrusted text: no escape sequence of it reaches the terminal.
        sys.stdout.write(clean(result.stdout))
        sys.stdout.flush()
        sys.stderr.write(clean(result.stderr))
        if result.traceback:
            sys.stderr.write(clean(result.traceback))
        for note in result.notes:
            print(f"quiz exec: {clean(note)}", file=sys.stderr)
        print(clean(_status_line(result)), file=sys.stderr)
    return 0 if result.ok else 1
