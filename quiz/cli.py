"""The `quiz` command: a bare `quiz` opens the study TUI; subcommands do the rest.

Start-up must stay light: this module imports neither textual nor torch. Each subcommand lives
in quiz/commands/<name>.py and imports what it needs inside its `run`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from quiz import __version__
from quiz.errors import QuizError
from quiz.i18n import _, set_language

# Each module has `register(subparsers)`, which adds its parser and sets `func=run`.
COMMAND_MODULES = (
    "check",
    "exec",
    "new",
    "schema",
    "preview",
    "stats",
    "history",
    "config",
    "optimize",
    "log",
    "doctor",
    "locate",
    "host",
    "join",
    "anki",
    "sandbox",
)


def add_deck_options(parser: argparse.ArgumentParser) -> None:
    """--decks and --lang, shared by the bare command and the subcommands that load decks."""
    parser.add_argument(
        "--decks",
        action="append",
        default=[],
        metavar="PATH",
        help=_("also load decks from this folder or file (repeatable)"),
    )
    parser.add_argument(
        "--lang",
        default=None,
        metavar="CODE",
        help=_("show card text and the app's own text in this language (e.g. ko)"),
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, just that subcommand (the others' modules, some of
    which import asyncio or the store, cost a one-shot command ~0.1 s it would never use)."""
    parser = argparse.ArgumentParser(
        prog="quiz",
        description=_(
            "Spaced repetition for PyTorch's nn.Module machinery. With no command, opens the "
            "study TUI on today's due cards."
        ),
    )
    parser.add_argument("--version", action="version", version=f"quiz {__version__}")
    parser.add_argument(
        "--no-service",
        action="store_true",
        help=_(
            "run code in a sandbox pool of this command's own, not the shared background service"
        ),
    )
    add_deck_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(f"quiz.commands.{name}").register(subparsers)
    return parser


# The root parser's options that take a value (so that value is not taken for a command).
_ROOT_VALUE_OPTIONS = ("--decks", "--lang")


def named_command(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names, if it names a known one before any help flag; else None
    (bare `quiz`, `quiz --help`, a typo: the full parser lists and checks every command)."""
    tokens = iter(argv)
    for token in tokens:
        if token in ("-h", "--help", "--"):
            return None
        if token in _ROOT_VALUE_OPTIONS:
            next(tokens, None)
        elif not token.startswith("-"):
            return token if token in COMMAND_MODULES else None
    return None


def _open_study_app(args: argparse.Namespace) -> int:
    from pathlib import Path

    from quiz.deck.library import check_deck_paths

    check_deck_paths([Path(p) for p in args.decks])  # said here, before the screen is taken
    from quiz.tui.app import run_study_app

    return run_study_app(args)


def _hide_deck_paths(args: argparse.Namespace) -> None:
    """Deck files named on the command line hold answer keys: no sandbox run may read them."""
    from quiz.sandbox import hidden

    named: list[str] = list(getattr(args, "decks", None) or [])
    for attribute in ("paths", "deck", "file"):
        value = getattr(args, attribute, None)
        if isinstance(value, str):
            named.append(value)
        elif isinstance(value, list):
            named += [str(v) for v in value]
    hidden.hide(p for p in named if os.path.exists(p))


def _end_on_termination() -> None:
    """SIGTERM and SIGHUP end a command the way ctrl+c does: unwinding, so the sandbox pool's
    exit handler kills its workers and removes their scratch folders and cgroups."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such signal
            signal.signal(sig, stop)


def requested_language(argv: Sequence[str]) -> str | None:
    """The `--lang CODE` (or `--lang=CODE`) that `argv` gives, the last one winning, read before
    the parser is built so that its help is already in that language; None when none is given."""
    found: str | None = None
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            break
        if token == "--lang":
            found = next(tokens, found)
        elif token.startswith("--lang="):
            found = token.partition("=")[2]
    return found


def _configured_language() -> str:
    """The config's `lang`; a broken config means English here, so `quiz config` can still be
    used to fix it."""
    from quiz.config import load_config

    try:
        return load_config().lang or "en"
    except (QuizError, OSError):  # the command itself says what is wrong with the folder
        return "en"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # The app's own text in --lang, else the config's `lang`: known before the parser is built,
    # so that `quiz --lang ko --help` shows our help text in it (argparse's own words stay).
    lang = requested_language(arguments) or _configured_language()
    set_language(lang)
    parser = build_parser(only=named_command(arguments))
    args = parser.parse_args(arguments)
    if getattr(args, "lang", None) not in (None, lang):  # an abbreviation argparse accepted
        set_language(args.lang)
    _end_on_termination()
    if args.no_service:
        # Read by quiz.sandbox.client.use_service, the one place that chooses.
        os.environ["QUIZ_SANDBOX_SERVICE"] = "off"
    _hide_deck_paths(args)
    func = getattr(args, "func", None) or _open_study_app
    try:
        return int(func(args) or 0)
    except QuizError as exc:
        from quiz.textsafe import clean  # messages quote deck and log text: no escapes

        print(f"quiz: {clean(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("quiz: " + _("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
