"""What the sandbox service saves a command, as whole processes, side by side in one run.

  python -c "import torch"               the floor a cold command is measured against
  quiz exec print(1), cold, via service  no service running: this command starts it
  quiz exec print(1), cold, --no-service the in-process pool, as before the service
  quiz exec print(1), warm               the service running and warm
  quiz check DECK after one card changed, warm (the other cards come from the cache)

Targets (issue 15): warm exec >= 10x faster than `import torch`; warm check of a changed card
under 1 s; cold exec no slower than 1.2x `import torch`. Run: `python bench/service_latency.py`
(about a minute on an idle 2-core machine). It uses a QUIZ_HOME of its own and stops its service.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DECK = """\
schema_version: 1
id: bench-service
title: {{en: Service bench}}
setup: |
  import torch
cards:
{cards}
"""
CARD = """\
  - id: card-{i}
    type: predict
    prompt: {{en: What does this print?}}
    code: |
      print(torch.tensor([{i}, {extra}]).sum().item())
    answer: "{total}"
"""


WARM_UP_SETTLE_SECONDS = 4.0


def _deck(extra: int) -> str:
    cards = "".join(
        CARD.format(i=i, extra=extra if i == 0 else 1, total=float(i + (extra if i == 0 else 1)))
        for i in range(5)
    )
    return DECK.format(cards=cards)


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each warm measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quiz-bench-service-") as name:
        home = Path(name)
        env = {**os.environ, "QUIZ_HOME": str(home), "QUIZ_SANDBOX_SERVICE": "on"}
        env.pop("QUIZ_SANDBOX_RUNTIME_DIR", None)
        # As installed: with bytecode. A checkout run with PYTHONDONTWRITEBYTECODE compiles
        # every module of quiz in every command (~50 ms); the cache goes to our own folder.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
        (home / "print1.py").write_text("print(1)\n")
        deck = home / "bench.yaml"
        deck.write_text(_deck(1))
        quiz = [sys.executable, "-m", "quiz"]
        stop = [*quiz, "sandbox", "stop"]
        try:
            # Fills the bytecode cache for the commands measured below.
            subprocess.run([*quiz, "--version"], env=env, capture_output=True, check=True)
            floor = [sys.executable, "-c", "import torch"]
            torch_s = statistics.median(_timed(floor, env, home) for _ in range(args.repeat))
            subprocess.run(stop, env=env, capture_output=True, check=False)
            cold_service = _timed([*quiz, "exec", "print1.py"], env, home)
            subprocess.run(stop, env=env, capture_output=True, check=True)
            cold_own = _timed([*quiz, "--no-service", "exec", "print1.py"], env, home)
            _timed([*quiz, "sandbox", "start"], env, home)
            # Warm means steady: once ready, each worker still imports torch._dynamo when idle
            # (~1 s of CPU each, quiz.sandbox.worker.warm_up); commands at that moment share it.
            time.sleep(WARM_UP_SETTLE_SECONDS)
            warm = [_timed([*quiz, "exec", "print1.py"], env, home) for _ in range(args.repeat)]
            _timed([*quiz, "check", str(deck)], env, home)  # fills the cache
            checks = []
            for n in range(args.repeat):
                deck.write_text(_deck(2 + n))  # one card changed
                checks.append(_timed([*quiz, "check", str(deck)], env, home))
        finally:
            subprocess.run(stop, env=env, capture_output=True, check=False)
    warm_s, check_s = statistics.median(warm), statistics.median(checks)
    rows = [
        ('python -c "import torch" (median)', torch_s, "the floor"),
        ("quiz exec, cold, starts the service", cold_service, f"{cold_service / torch_s:.2f}x"),
        ("quiz exec, cold, --no-service", cold_own, f"{cold_own / torch_s:.2f}x"),
        ("quiz exec, warm service (median)", warm_s, f"{torch_s / warm_s:.1f}x faster"),
        ("quiz check, one card changed, warm", check_s, ""),
    ]
    for label, seconds, note in rows:
        print(f"{label:<40} {seconds:7.2f} s   {note}")
    print()
    targets = [
        ("warm exec >= 10x faster than import torch", torch_s / warm_s >= 10),
        ("warm check of a changed card < 1 s", check_s < 1.0),
        ("cold exec (service) <= 1.2x import torch", cold_service <= 1.2 * torch_s),
        ("cold exec (--no-service) <= 1.2x import torch", cold_own <= 1.2 * torch_s),
    ]
    for label, met in targets:
        print(f"{'met    ' if met else 'MISSED '} {label}")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
