"""One `quiz check` run (or a --watch series of them): load, prove, report, exit status.

The CLI module quiz/commands/check.py only parses arguments; this holds the behaviour so tests
can drive it with a fake sandbox and captured streams.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from quiz.deck.cache import CheckCache
from quiz.deck.checking import CardReport, LimitedRunner, check_decks
from quiz.deck.library import DECK_SUFFIXES, Library, expand, load_library
from quiz.deck.model import Deck
from quiz.deck.problems import Problem
from quiz.errors import QuizError
from quiz.i18n import _, ngettext
from quiz.paths import locations
from quiz.sandbox.protocol import Runner
from quiz.textsafe import clean, dumps

EXIT_PROVEN, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
EXIT_INTERRUPTED = 130
CARDS_IN_PROGRESS = 32


def _default_runner() -> tuple[Runner, int]:
    """The process-wide sandbox pool and how many runs to keep in flight on it."""
    try:
        from quiz.sandbox.pool import shared_pool
    except ImportError as exc:
        raise QuizError(
            _("the sandbox is not available: {error}").format(error=exc), title=_("No sandbox")
        ) from exc
    pool = shared_pool()
    # Two runs per worker in flight: when one finishes, the next is already waiting for it.
    return pool, 2 * pool.size


class CheckSession:
    """One `quiz check` invocation; with --watch, many checks sharing one sandbox pool."""

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        as_json: bool = False,
        use_cache: bool = True,
        strict: bool = False,
        make_runner: Callable[[], tuple[Runner, int]] = _default_runner,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.paths = list(paths)
        self.as_json = as_json
        self.use_cache = use_cache
        self.strict = strict
        self.make_runner = make_runner
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._runner: tuple[Runner, int] | None = None

    def runner(self) -> tuple[Runner, int]:
        """The sandbox and its size, made on first use and kept (--watch reuses it)."""
        if self._runner is None:
            self._runner = self.make_runner()
        return self._runner

    def close(self) -> None:
        self._runner = None

    def load(self) -> Library:
        files = expand(self.paths)
        if not files:
            shown = ", ".join(str(p) for p in self.paths)
            raise QuizError(
                _("no deck files (*.yaml, *.yml) in {paths}").format(paths=shown),
                title=_("No decks"),
            )
        library = load_library(files)
        for failure in library.failures:
            for problem in failure.problems:
                if self.as_json:
                    print(dumps(problem_json(problem)), file=self.out, flush=True)
                else:
                    print(clean(str(problem)), file=self.err)
        return library

    def once(self) -> int:
        started = time.perf_counter()
        library = self.load()
        reports = asyncio.run(self.prove(library.decks))
        self.summary(library, reports, time.perf_counter() - started)
        self.orphans_note(library.decks)
        if library.failures:
            return EXIT_INVALID
        return EXIT_FAILED if any(r.status == "fail" for r in reports) else EXIT_PROVEN

    async def prove(self, decks: Sequence[Deck]) -> list[CardReport]:
        cache = CheckCache() if self.use_cache else None
        limited = LimitedRunner(self.runner)
        progress = Progress(sum(len(d.cards) for d in decks), decks, self.err, quiet=self.as_json)
        try:
            return await check_decks(
                decks,
                limited,
                cache=cache,
                on_report=lambda report: self.show(report, progress),
                # Enough cards in progress to keep every worker busy; the runner bounds the runs.
                concurrency=CARDS_IN_PROGRESS,
                strict=self.strict,
            )
        finally:
            progress.finish()

    def show(self, report: CardReport, progress: Progress) -> None:
        if self.as_json:
            print(dumps(report.to_json()), file=self.out, flush=True)
        elif report.status != "pass":
            progress.clear()
            verb = "FAIL" if report.status == "fail" else "SKIP"
            print(
                clean(
                    f"{report.file}:{report.line}:{report.col}: {report.deck}/{report.card}: "
                    f"{verb}: {report.message}"
                ),
                file=self.out,
                flush=True,
            )
        progress.advance(report)

    def summary(self, library: Library, reports: list[CardReport], seconds: float) -> None:
        counts = Counter(r.status for r in reports)
        cached = sum(1 for r in reports if r.cached)
        passed = _("{n} passed").format(n=counts["pass"])
        if cached:
            passed += " " + _("({n} cached)").format(n=cached)
        parts = [
            passed,
            _("{n} failed").format(n=counts["fail"]),
            _("{n} skipped").format(n=counts["skip"]),
        ]
        line = _("checked {cards} in {decks}: {results} in {seconds}s").format(
            cards=ngettext("{n} card", "{n} cards", len(reports)).format(n=len(reports)),
            decks=ngettext("{n} deck", "{n} decks", len(library.decks)).format(
                n=len(library.decks)
            ),
            results=", ".join(parts),
            seconds=f"{seconds:.1f}",
        )
        if library.failures:
            failed = len(library.failures)
            line += "; " + ngettext(
                "{n} deck file could not be loaded", "{n} deck files could not be loaded", failed
            ).format(n=failed)
        print(line, file=self.err if self.as_json else self.out, flush=True)

    def orphans_note(self, decks: Sequence[Deck]) -> None:
        """Review history of the checked decks for cards they no longer have."""
        database = locations().database
        if not decks or not database.exists():
            return
        try:
            from quiz.srs.maintenance import orphans
            from quiz.srs.store import Store
        except ImportError:
            return
        try:
            store = Store.open(database)
            try:
                lost = sorted(str(key) for key in orphans(store, list(decks)))
            finally:
                store.close()
        except QuizError as exc:  # a damaged history must not fail a deck check
            print(
                _("note: could not read the review history: {error}").format(
                    error=clean(exc.message)
                ),
                file=self.err,
            )
            return
        if lost:
            shown = ", ".join(lost[:10])
            if len(lost) > 10:
                shown += _(" and {n} more").format(n=len(lost) - 10)
            print(
                ngettext(
                    "note: review history for {n} card that no deck has: {cards}",
                    "note: review history for {n} cards that no deck has: {cards}",
                    len(lost),
                ).format(n=len(lost), cards=clean(shown)),
                file=self.err,
            )

    def watch(self, stop: threading.Event | None = None) -> int:
        """Check now, then again after every save, until interrupted (or `stop` is set).

        Folders are watched, not files: an editor that saves by writing a new file and renaming
        it over the old one (`sed -i`, atomic saves) replaces the file's inode, and a watch on
        that inode would see nothing after the first save.
        """
        import watchfiles

        try:
            status = self.safe_once()
            watched = _Watched(self.paths)
            shown = ", ".join(map(str, (p for p in self.paths if p.exists())))
            print(
                _("watching {paths} (Ctrl+C to stop)").format(paths=shown),
                file=self.err,
                flush=True,
            )
            for changes in watchfiles.watch(
                *watched.folders, watch_filter=watched, stop_event=stop, raise_interrupt=True
            ):
                changed = sorted({Path(path).name for _, path in changes})
                print(
                    _("changed: {files}").format(files=clean(", ".join(changed))),
                    file=self.err,
                    flush=True,
                )
                status = self.safe_once()
        except KeyboardInterrupt:
            print(_("stopped watching"), file=self.err, flush=True)
            return EXIT_INTERRUPTED
        return status

    def safe_once(self) -> int:
        """One check whose user-facing errors are printed, so watching goes on."""
        try:
            return self.once()
        except QuizError as exc:
            print(f"quiz: {clean(exc.message)}", file=self.err)
            return exc.exit_code


def problem_json(problem: Problem) -> dict[str, object]:
    """A load problem as `quiz check --json` prints it, beside the per-card objects."""
    return {
        "status": "invalid",
        "file": problem.pos.file,
        "line": problem.pos.line,
        "column": problem.pos.col,
        "deck": problem.deck_id,
        "card": problem.card_id,
        "message": problem.message,
    }


class _Watched:
    """Which folders to watch for the given paths, and which changes in them are deck saves."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.files: set[Path] = set()
        self.trees: list[Path] = []
        folders: set[Path] = set()
        for path in paths:
            if path.is_dir():
                self.trees.append(path.resolve())
                folders.add(path.resolve())
            elif path.exists():
                self.files.add(path.resolve())
                folders.add(path.resolve().parent)
        self.folders = sorted(folders)

    def __call__(self, _change: object, path: str) -> bool:
        changed = Path(path)
        if changed in self.files:
            return True
        return changed.suffix in DECK_SUFFIXES and any(
            changed.is_relative_to(tree) for tree in self.trees
        )


class Progress:
    """A carriage-return bar on a terminal; per-deck lines otherwise."""

    WIDTH = 30

    def __init__(self, total: int, decks: Sequence[Deck], stream: TextIO, *, quiet: bool) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty()
        self.remaining = {d.id: len(d.cards) for d in decks}
        self.failed: Counter[str] = Counter()
        self.shown = False

    def advance(self, report: CardReport) -> None:
        self.done += 1
        self.remaining[report.deck] -= 1
        if report.status == "fail":
            self.failed[report.deck] += 1
        if self.quiet:
            return
        if self.tty:
            filled = self.WIDTH * self.done // max(1, self.total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            text = f"\r[{bar}] {self.done}/{self.total} {report.deck}/{report.card}"
            self.stream.write(text[:120].ljust(120))
            self.stream.flush()
            self.shown = True
        elif self.remaining[report.deck] == 0:
            failed = self.failed[report.deck]
            verdict = _("{n} failed").format(n=failed) if failed else _("all proven")
            print(
                _("checked {deck}: {verdict}").format(deck=report.deck, verdict=verdict),
                file=self.stream,
                flush=True,
            )

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()
            self.shown = False

    def finish(self) -> None:
        self.clear()
