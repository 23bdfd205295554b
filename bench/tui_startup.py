"""How long `quiz` takes from launch to an interactive home screen, beside `import torch`.

Runs the real `quiz` command in a pseudo-terminal (as a learner's shell would), watches what it
draws, and records two moments: the first frame (the header) and the deck table filled in (the
home screen is usable). Then it quits with ctrl+q. `python -c "import torch"` is timed the same
way, for scale: the study app must never wait for torch.

    python bench/tui_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

FIRST_FRAME = b"quiz"
DECKS_SHOWN = b"All decks"
LIMIT_S = 60.0


def _set_size(fd: int, columns: int = 120, rows: int = 36) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def launch_quiz(home: Path) -> tuple[float, float]:
    """Seconds from spawning `quiz` to its first frame, and to the deck table being drawn."""
    master, slave = pty.openpty()
    _set_size(slave)
    env = {**os.environ, "QUIZ_HOME": str(home), "TERM": "xterm-256color"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "quiz"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    first = shown = 0.0
    try:
        while not shown and time.perf_counter() - start < LIMIT_S:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    raise RuntimeError(f"quiz exited early: {seen[-500:]!r}")
                continue
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            now = time.perf_counter() - start
            if not first and FIRST_FRAME in seen:
                first = now
            if DECKS_SHOWN in seen:
                shown = now
        if not shown:
            raise RuntimeError(f"no deck table within {LIMIT_S:.0f} s: {seen[-500:]!r}")
    finally:
        _quit(proc, master)
    return first, shown


def _quit(proc: subprocess.Popen[bytes], master: int) -> None:
    """ctrl+q, as a learner quits; anything still running after 10 s is ended."""
    try:
        os.write(master, b"\x11")
        deadline = time.perf_counter() + 10
        while proc.poll() is None and time.perf_counter() < deadline:
            select.select([master], [], [], 0.05)
            try:
                os.read(master, 65536)  # keep draining so the app never blocks on output
            except OSError:
                break
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    finally:
        os.close(master)


def import_torch() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, timeout=LIMIT_S)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="launches of each (default 7)")
    args = parser.parse_args()
    firsts: list[float] = []
    showns: list[float] = []
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as home:
        launch_quiz(Path(home))  # warm the OS file cache and create the store once
        for _ in range(args.runs):
            first, shown = launch_quiz(Path(home))
            firsts.append(first)
            showns.append(shown)
    torch_times = [import_torch() for _ in range(max(3, args.runs // 2))]

    def ms(values: list[float]) -> str:
        return (
            f"median {statistics.median(values) * 1000:6.0f} ms   max {max(values) * 1000:6.0f} ms"
        )

    torch_median = statistics.median(torch_times)
    home_median = statistics.median(showns)
    print(f"quiz: first frame          {ms(firsts)}")
    print(f"quiz: home interactive     {ms(showns)}   (target: under 400 ms)")
    print(f'python -c "import torch"   {ms(torch_times)}')
    print(f"ratio import-torch / home-interactive: {torch_median / home_median:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
