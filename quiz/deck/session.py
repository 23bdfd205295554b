"""One `quiz check` run (or a --watch series of them): load, prove, report, exit status.

The CLI module quiz/commands/check.py only parses arguments; this holds the behaviour so tests
can drive it with a fake sandbox and captured streams.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from quiz.deck.cache import CheckCache
from quiz.deck.checking import CardReport, LimitedRunner, check_decks
from quiz.deck.library import Library, expand, load_library
from quiz.deck.model import Deck
from quiz.errors import QuizError
from quiz.paths import locations
from quiz.sandbox.protocol import Runner

EXIT_PROVEN, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
CARDS_IN_PROGRESS = 32


def _default_runner() -> tuple[Runner, int]:
    """The process-wide sandbox pool and how many runs to keep in flight on it."""
    try:
        from quiz.sandbox.pool import shared_pool
    except ImportError as exc:
        raise QuizError(f"the sandbox is not available: {exc}", title="No sandbox") from exc
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
            raise QuizError(f"no deck files (*.yaml, *.yml) in {shown}", title="No decks")
        library = load_library(files)
        for failure in library.failures:
            for problem in failure.problems:
                print(problem, file=self.err)
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
            print(json.dumps(report.to_json(), ensure_ascii=False), file=self.out, flush=True)
        elif report.status != "pass":
            progress.clear()
            verb = "FAIL" if report.status == "fail" else "SKIP"
            print(
                f"{report.file}:{report.line}:{report.col}: {report.deck}/{report.card}: "
                f"{verb}: {report.message}",
                file=self.out,
                flush=True,
            )
        progress.advance(report)

    def summary(self, library: Library, reports: list[CardReport], seconds: float) -> None:
        counts = Counter(r.status for r in reports)
        cached = sum(1 for r in reports if r.cached)
        parts = [f"{counts['pass']} passed" + (f" ({cached} cached)" if cached else "")]
        parts += [f"{counts['fail']} failed", f"{counts['skip']} skipped"]
        line = (
            f"checked {len(reports)} cards in {len(library.decks)} decks: {', '.join(parts)} "
            f"in {seconds:.1f}s"
        )
        if library.failures:
            line += f"; {len(library.failures)} deck files could not be loaded"
        print(line, file=self.err if self.as_json else self.out, flush=True)

    def orphans_note(self, decks: Sequence[Deck]) -> None:
        """Review history for cards no deck has any more (another part owns the store)."""
        database = locations().database
        if not database.exists():
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
            print(f"note: could not read the review history: {exc.message}", file=self.err)
            return
        if lost:
            shown = ", ".join(lost[:10]) + (f" and {len(lost) - 10} more" if len(lost) > 10 else "")
            print(
                f"note: review history for {len(lost)} cards that no deck has: {shown}",
                file=self.err,
            )

    def watch(self, stop: threading.Event | None = None) -> int:
        """Check now, then again after every save, until interrupted (or `stop` is set)."""
        import watchfiles

        status = self.safe_once()
        roots = [p for p in self.paths if p.exists()]
        print(f"watching {', '.join(map(str, roots))} (Ctrl+C to stop)", file=self.err, flush=True)
        for changes in watchfiles.watch(
            *roots, watch_filter=_deck_change, stop_event=stop, raise_interrupt=False
        ):
            changed = sorted({Path(path).name for _, path in changes})
            print(f"changed: {', '.join(changed)}", file=self.err, flush=True)
            status = self.safe_once()
        return status

    def safe_once(self) -> int:
        """One check whose user-facing errors are printed, so watching goes on."""
        try:
            return self.once()
        except QuizError as exc:
            print(f"quiz: {exc.message}", file=self.err)
            return exc.exit_code


def _deck_change(_change: object, path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


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
            verdict = f"{failed} failed" if failed else "all proven"
            print(f"checked {report.deck}: {verdict}", file=self.stream, flush=True)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()
            self.shown = False

    def finish(self) -> None:
        self.clear()
