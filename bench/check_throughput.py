"""How fast `quiz check` proves the bundled decks: cold cache, warm cache, and the naive way.

    python bench/check_throughput.py [--sample N] [--workers N]

Cold: a fresh cache, every card run through a warm sandbox pool (the pool's own start-up,
importing torch once per worker, is timed separately). Warm: the same check again, every card
served from the cache. Naive: a new `python` process per run (each importing torch), measured
on a sample of the cold check's own runs with as many processes at once as there are cores,
and scaled to all of them. Also times the `quiz check` command itself, cold and warm.

Targets on a 2-core machine: cold >= 40 cards/s, warm >= 20x faster than cold. Printed, never
asserted: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from quiz.deck.cache import CheckCache
from quiz.deck.checking import LimitedRunner, check_decks
from quiz.deck.library import deck_files, load_library
from quiz.paths import bundled_decks_dir
from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import RunRequest, RunResult

# What a naive runner does per run: start Python, import torch, run the segments.
_NAIVE = """\
import json, random, sys
import torch
torch.set_num_threads(1)
request = json.load(sys.stdin)
namespace = {"__name__": "__main__"}
random.seed(0); torch.manual_seed(0)
try:
    for segment in request["segments"]:
        exec(compile(segment["source"], segment["name"], "exec"), namespace)
    for expression in request["evaluate"]:
        repr(eval(expression, namespace))
except BaseException:
    pass
"""


class Recording:
    """Passes runs to the pool and keeps each request, for the naive comparison."""

    def __init__(self, pool: SandboxPool) -> None:
        self.pool = pool
        self.requests: list[RunRequest] = []

    def run(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        return self.pool.run(request)

    async def arun(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        return await self.pool.arun(request)


def naive_seconds(requests: list[RunRequest], cores: int) -> float:
    def one(request: RunRequest) -> None:
        # Its own scratch folder, as the sandbox gives: cards save checkpoints to the cwd.
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(
                [sys.executable, "-c", _NAIVE],
                input=json.dumps(request.to_dict()),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                cwd=scratch,
            )

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=cores) as executor:
        list(executor.map(one, requests))
    return time.perf_counter() - start


def cli_seconds(args: list[str], home: str) -> float:
    env = {**os.environ, "QUIZ_HOME": home}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "quiz", "check", *args], env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=12, help="runs timed the naive way")
    parser.add_argument("--workers", type=int, default=0, help="sandbox workers (0: one per core)")
    opts = parser.parse_args()
    cores = os.cpu_count() or 1

    files = deck_files(bundled_decks_dir())
    load_start = time.perf_counter()
    library = load_library(files)
    load_s = time.perf_counter() - load_start
    decks = library.decks
    cards = sum(len(deck.cards) for deck in decks)
    if library.failures:
        print(f"{len(library.failures)} bundled deck files do not load; fix them first")
        return 2

    with tempfile.TemporaryDirectory() as home, SandboxPool(workers=opts.workers or None) as pool:
        started = time.perf_counter()
        pool.start()
        pool.wait_ready(120)
        startup_s = time.perf_counter() - started
        recorder = Recording(pool)
        cache_path = Path(home) / "check.json"

        def check(runner: Recording) -> tuple[float, int]:
            limited = LimitedRunner(lambda: (runner, 2 * pool.size))
            start = time.perf_counter()
            reports = asyncio.run(check_decks(decks, limited, cache=CheckCache(path=cache_path)))
            return time.perf_counter() - start, sum(r.status == "fail" for r in reports)

        cold_s, cold_failed = check(recorder)
        runs = len(recorder.requests)
        warm_s, _ = check(recorder)
        sample = random.Random(0).sample(recorder.requests, min(opts.sample, runs))
        naive_s = naive_seconds(sample, cores) * runs / max(1, len(sample))
        cli_cold_s = cli_seconds(["--no-cache", str(bundled_decks_dir())], home)
        cli_warm_s = cli_seconds([str(bundled_decks_dir())], home)
        cli_warm_s = min(cli_warm_s, cli_seconds([str(bundled_decks_dir())], home))

    def rate(seconds: float) -> str:
        return f"{cards / seconds:8.1f} cards/s"

    print(
        f"{cards} cards in {len(decks)} decks, {runs} runs; {pool.size} sandbox workers on "
        f"{cores} cores; torch {CheckCache().torch_version}"
    )
    print(f"loading and validating the decks       {load_s * 1000:7.0f} ms")
    print(f"sandbox pool start-up (torch imports)  {startup_s * 1000:7.0f} ms (once per process)")
    print(f"cold cache, warm pool  {cold_s:7.2f} s  {rate(cold_s)}  ({cold_failed} failed)")
    print(f"warm cache             {warm_s:7.3f} s  {rate(warm_s)}  {cold_s / warm_s:6.0f}x cold")
    print(
        f"naive (python per run) {naive_s:7.2f} s  {rate(naive_s)}  "
        f"(estimated from {len(sample)} runs); cold is {naive_s / cold_s:.1f}x faster"
    )
    print(
        f"`quiz check` command: cold {cli_cold_s:.2f} s ({cards / cli_cold_s:.1f} cards/s, "
        f"pool start-up included), warm {cli_warm_s:.2f} s ({cli_cold_s / cli_warm_s:.0f}x)"
    )
    verdict = "met" if cards / cold_s >= 40 else "NOT met"
    print(
        f"target cold >= 40 cards/s: {verdict}; "
        f"target warm >= 20x cold: {'met' if cold_s / warm_s >= 20 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
