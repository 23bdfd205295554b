"""Latency of a typical card through the warm sandbox pool, against a new `python -c` per run,
and against the pool as it was before the hardening for strangers' code (a git ref, run from a
temporary worktree in the same bench run).

Prints p50/p99 side by side for a card run (setup + card code) and an answer run (setup + card +
a learner's answer + the hidden check, which the hardened pool sends in two parts), the ratio at
the median, and the protections each pool run had. Targets on a 2-core machine: p50 <= 15 ms,
p99 <= 50 ms, >= 50x faster than python -c at the median, hardening <= 2 ms at p50.

    python bench/sandbox_latency.py [--runs 200] [--process-runs 20] [--workers N]
                                    [--baseline REF | --no-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protections import Protection
from quiz.sandbox.protocol import ANSWER, CARD, CHECK, SETUP, RunRequest, RunStatus, Segment

# The last commit before the sandbox was hardened for strangers' code (issue 9).
BASELINE_REF = "a358573"
REPO = Path(__file__).resolve().parent.parent

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
ANSWER_SOURCE = "m = M()\nm.register_buffer('extra', torch.ones(1))\n"
CHECK_SOURCE = (
    "assert 'extra' in m.state_dict()\n"
    "assert not any(n == 'extra' for n, _ in m.named_parameters())\n"
)

REQUESTS = {
    "card": RunRequest((Segment(SETUP, SETUP_SOURCE), Segment(CARD, CARD_SOURCE))),
    "answer": RunRequest(
        (
            Segment(SETUP, SETUP_SOURCE),
            Segment(CARD, CARD_SOURCE),
            Segment(ANSWER, ANSWER_SOURCE),
            Segment(CHECK, CHECK_SOURCE),
        )
    ),
}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_pool(pool: SandboxPool, runs: int, request: RunRequest) -> list[float]:
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


def serve_blocks(workers: int | None) -> None:
    """Run as the baseline's process: a warm pool that times one block of runs per request line
    (`KIND COUNT`) and answers with the samples as JSON, so the two pools take turns."""
    with SandboxPool(workers=workers) as pool:
        if not pool.wait_ready(300):
            raise SystemExit(f"the pool did not start: {pool.protections()}")
        print("ready", flush=True)
        for line in sys.stdin:
            kind, count = line.split()
            print(json.dumps(time_pool(pool, int(count), REQUESTS[kind])), flush=True)


class Baseline:
    """The pool at a git ref, imported from a temporary worktree and driven over a pipe."""

    def __init__(self, ref: str, workers: int | None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="quiz-bench-")
        self.tree = os.path.join(self._tmp.name, "tree")
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", self.tree, ref],
            check=True,
            capture_output=True,
        )
        code = (
            "import sys\n"
            f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
            "import sandbox_latency as b\n"
            f"b.serve_blocks({workers!r})\n"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONPATH": self.tree},
            cwd=self.tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit("the baseline pool did not start")

    def block(self, kind: str, count: int) -> list[float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{kind} {count}\n")
        self.proc.stdin.flush()
        return list(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", self.tree],
            check=False,
            capture_output=True,
        )
        self._tmp.cleanup()


def measure(
    runs: int, workers: int | None, baseline_ref: str | None
) -> tuple[dict[str, list[float]], dict[str, list[float]] | None, list[Protection]]:
    """Both kinds of request through the hardened pool and, taking turns block by block so that
    the machine's load hits both alike, through the baseline pool."""
    hardened: dict[str, list[float]] = {kind: [] for kind in REQUESTS}
    before: dict[str, list[float]] | None = None
    baseline = Baseline(baseline_ref, workers) if baseline_ref else None
    try:
        with SandboxPool(workers=workers) as pool:
            if not pool.wait_ready(300):
                raise SystemExit(f"the pool did not start: {pool.protections()}")
            protections = pool.protections()
            if baseline is not None:
                before = {kind: [] for kind in REQUESTS}
            blocks = max(1, runs // 10)
            for _ in range(blocks):
                for kind, request in REQUESTS.items():
                    hardened[kind] += time_pool(pool, 10, request)
                    if baseline is not None and before is not None:
                        before[kind] += baseline.block(kind, 10)
    finally:
        if baseline is not None:
            baseline.close()
    return hardened, before, protections


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
    parser.add_argument("--runs", type=int, default=200, help="runs through the pool, per kind")
    parser.add_argument("--process-runs", type=int, default=20, help="new python processes")
    parser.add_argument("--workers", type=int, default=None, help="pool size (default: cores)")
    parser.add_argument("--baseline", default=BASELINE_REF, help="git ref of the pool to compare")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline pool")
    args = parser.parse_args()

    started = time.perf_counter()
    ref = None if args.no_baseline else args.baseline
    hardened, baseline, protections = measure(args.runs, args.workers, ref)
    elapsed = time.perf_counter() - started
    process_ms = time_new_process(args.process_runs)

    print(f"pool runs per kind: {len(hardened['card'])}; python -c runs: {len(process_ms)}")
    print(f"pools measured in {elapsed:.1f} s, taking turns in blocks of 10; baseline: {ref}")
    header = f"{'':18}{'hardened':>10}"
    header += f"{'baseline':>10}{'+ms':>7}" if baseline else ""
    print(header + f"{'python -c':>11}{'ratio':>9}")
    for kind in REQUESTS:
        for label, q in (("p50", 50), ("p90", 90), ("p99", 99)):
            now = percentile(hardened[kind], q)
            line = f"{kind + ' ' + label + ' (ms)':18}{now:>10.1f}"
            if baseline:
                before = percentile(baseline[kind], q)
                line += f"{before:>10.1f}{now - before:>+7.1f}"
            proc = percentile(process_ms, q)
            print(line + f"{proc:>11.1f}{proc / now:>8.1f}x")
        print(f"{kind + ' mean (ms)':18}{statistics.fmean(hardened[kind]):>10.1f}")
    print("targets: pool p50 <= 15 ms, p99 <= 50 ms, >= 50x faster than python -c at p50;")
    print("         the hardening adds <= 2 ms at p50")
    print("protections:")
    for p in protections:
        print(f"  [{'on' if p.active else 'off':>3}] {p.name}: {p.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
