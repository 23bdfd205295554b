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


def time_both(runs: int, workers: int | None) -> dict[str, list[float]]:
    """Both request kinds through one pool, interleaved in blocks so drift hits both alike."""
    with SandboxPool(workers=workers) as pool:
        if not pool.wait_ready(300):
            raise SystemExit(f"the pool did not start: {pool.protections()}")
        out: dict[str, list[float]] = {kind: [] for kind in REQUESTS}
        for _ in range(4):
            for kind, request in REQUESTS.items():
                out[kind] += time_pool(pool, max(1, runs // 4), request)
        return out


def time_baseline(ref: str, runs: int, workers: int | None) -> dict[str, list[float]]:
    """The same measurement by the pool at `ref`, imported from a temporary git worktree."""
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as tmp:
        tree = os.path.join(tmp, "tree")
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", tree, ref],
            check=True,
            capture_output=True,
        )
        try:
            env = {**os.environ, "PYTHONPATH": tree}
            code = (
                "import json, sys\n"
                f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
                "import sandbox_latency as b\n"
                f"print(json.dumps(b.time_both({runs}, {workers!r})))\n"
            )
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, cwd=tree, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise SystemExit(f"the baseline pool failed:\n{done.stderr[-2000:]}")
            return dict(json.loads(done.stdout.strip().splitlines()[-1]))
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", tree],
                check=False,
                capture_output=True,
            )


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
    hardened = time_both(args.runs, args.workers)
    with SandboxPool(workers=1) as pool:
        protections = pool.protections()
    elapsed = time.perf_counter() - started
    baseline = None if args.no_baseline else time_baseline(args.baseline, args.runs, args.workers)
    process_ms = time_new_process(args.process_runs)

    print(f"pool runs per kind: {len(hardened['card'])}; python -c runs: {len(process_ms)}")
    print(f"hardened pool measured in {elapsed:.1f} s; baseline: {args.baseline}")
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
