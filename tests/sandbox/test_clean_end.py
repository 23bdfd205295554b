"""SIGTERM, SIGHUP and SIGINT end a command that holds a pool within 2 s (a behaviour bound, not
a benchmark), leaving no worker, scratch folder or cgroup of it behind."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sandbox.helpers import descendants

LONG_RUN = "import time\ntime.sleep(60)\n"


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _pool_root(children: dict[int, str], pid: int) -> str | None:
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--scratch-root" in cmdline:
            return os.path.dirname(cmdline[cmdline.index(b"--scratch-root") + 1].decode())
    return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_ends_quiz_exec_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    script = tmp_path / "long.py"
    script.write_text(LONG_RUN, encoding="utf-8")
    env = {**os.environ, "QUIZ_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "quiz", "exec", "--timeout", "60", str(script)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        workers: dict[int, str] = {}
        while time.monotonic() < deadline:  # until the run is under way in a worker's child
            workers = descendants([proc.pid])
            if "quiz-run" in workers.values():
                break
            time.sleep(0.1)
        assert "quiz-run" in workers.values(), workers
        root = _pool_root(workers, proc.pid)
        started = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
        took = time.monotonic() - started
        errors = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    assert took <= 2.0, f"{sig.name} took {took:.2f} s"
    assert code == 128 + sig, errors
    assert "Traceback" not in errors
    wait_until = time.monotonic() + 2.0
    alive = [pid for pid in workers if _running(pid)]
    while alive and time.monotonic() < wait_until:
        time.sleep(0.05)
        alive = [pid for pid in workers if _running(pid)]
    assert alive == [], f"left running: {alive}"
    assert root is not None and not os.path.exists(root), root
    groups = [g for pid in workers for g in glob.glob(f"/sys/fs/cgroup/**/quiz-sandbox-{pid}")]
    assert groups == []
