"""A Runner that runs each distinct request once: proving a card and reading its facts ask the
sandbox the same question, and a run is deterministic (fresh namespace, seeds set), so the
second asker gets the first answer instead of a second child process."""

from __future__ import annotations

import asyncio

from quiz.sandbox.protocol import Runner, RunRequest, RunResult


class OnceRunner:
    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._results: dict[RunRequest, asyncio.Future[RunResult]] = {}

    def run(self, request: RunRequest) -> RunResult:
        return self._runner.run(request)

    async def arun(self, request: RunRequest) -> RunResult:
        pending = self._results.get(request)
        if pending is None:
            pending = asyncio.ensure_future(self._runner.arun(request))
            self._results[request] = pending
        # shield: one cancelled asker must not cancel the run the others wait for.
        return await asyncio.shield(pending)

    @property
    def distinct_runs(self) -> int:
        return len(self._results)
