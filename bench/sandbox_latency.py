"""Latency of a typical card through the warm sandbox pool, against a new `python -c` per run.

Prints p50/p99 for both side by side, the ratio at the median, and the protections each pool
run had. Targets on a 2-core machine: p50 <= 15 ms, p99 <= 50 ms, >= 50x faster at the median.

    python bench/sandbox_latency.py [--runs 200] [--process-runs 200] [--workers N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import CARD, SETUP, RunRequest, RunStatus, Segment

SETUP_SOURCE = "import torch\nfrom torch import nn\n"
CARD_SOURCE = """\
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.w = nn.Parameter(torch.ones(2))
        self.register_buffer("b", torch.zeros(2))
        self.t = torch.ones(2)
print(sorted(M().state_dict()))
"""
EXPECTED = "['b', 'lin.bias', 'lin.weight', 'w']\n"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_pool(pool: SandboxPool, runs: int) -> list[float]:
    request = RunRequest((Segment(SETUP, SETUP_SOURCE), Segment(CARD, CARD_SOURCE)))
    for _ in range(5):  # warm the workers' first-op paths before timing
        pool.run(request)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = pool.run(request)
        samples.append((time.perf_counter() - started) * 1000)
        if result.status is not RunStatus.OK or result.stdout != EXPECTED:
            raise SystemExit(f"the pool gave a wrong result: {result}")
    return samples


def time_new_process(runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", SETUP_SOURCE + CARD_SOURCE],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        samples.append((time.perf_counter() - started) * 1000)
        if done.stdout != EXPECTED:
            raise SystemExit(f"python -c gave a wrong result: {done.stdout!r} {done.stderr!r}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs through the pool")
    parser.add_argument("--process-runs", type=int, default=200, help="new python processes")
    parser.add_argument("--workers", type=int, default=None, help="pool size (default: cores)")
    args = parser.parse_args()

    with SandboxPool(workers=args.workers) as pool:
        started = time.perf_counter()
        if not pool.wait_ready(300):
            raise SystemExit(f"the pool did not start: {pool.protections()}")
        warm_up = time.perf_counter() - started
        pool_ms = time_pool(pool, args.runs)
        protections = pool.protections()
        size = pool.size
    process_ms = time_new_process(args.process_runs)

    print(f"typical card (setup + class + state_dict), pool of {size}, ready in {warm_up:.1f} s")
    print(f"{'':14}{'warm pool':>12}{'python -c':>12}{'ratio':>9}")
    print(f"{'runs':14}{len(pool_ms):>12}{len(process_ms):>12}")
    for label, q in (("p50 (ms)", 50), ("p90 (ms)", 90), ("p99 (ms)", 99)):
        pool_q, proc_q = percentile(pool_ms, q), percentile(process_ms, q)
        print(f"{label:14}{pool_q:>12.1f}{proc_q:>12.1f}{proc_q / pool_q:>8.1f}x")
    print(
        f"{'mean (ms)':14}{statistics.fmean(pool_ms):>12.1f}{statistics.fmean(process_ms):>12.1f}"
    )
    print("targets: pool p50 <= 15 ms, p99 <= 50 ms, >= 50x faster than python -c at p50")
    print("protections:")
    for p in protections:
        print(f"  [{'on' if p.active else 'off':>3}] {p.name}: {p.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
