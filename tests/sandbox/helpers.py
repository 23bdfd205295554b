"""Shared helpers for the sandbox tests: building requests and finding what a run left behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

from quiz.sandbox.child import SPARE_NAME
from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import CARD, RunRequest, Segment
from quiz.sandbox.worker import WORKER_NAME

STARTUP_SECONDS = 120.0
HOSTILE = Path(__file__).parent / "hostile"


def request(
    source: str,
    *,
    timeout: float = 5.0,
    evaluate: tuple[str, ...] = (),
    memory_mb: int | None = None,
    name: str = CARD,
) -> RunRequest:
    return RunRequest(
        (Segment(name, source),), evaluate=evaluate, timeout=timeout, memory_mb=memory_mb
    )


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, name, state) for every process visible now."""
    found: dict[int, tuple[int, str, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue  # ended while we looked
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry)] = (int(fields[1]), name, fields[0])
    return found


def descendants(roots: list[int]) -> dict[int, str]:
    """pid -> name of every process below the given ones."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out: dict[int, str] = {}
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            out[child] = table[child][1]
            stack.append(child)
    return out


def leftovers(pool: SandboxPool) -> dict[int, str]:
    """Processes under the pool's workers that are neither a worker nor its waiting spare."""
    return {
        pid: name
        for pid, name in descendants(pool.worker_pids()).items()
        if name not in (WORKER_NAME, SPARE_NAME)
    }


def wait_for_no_leftovers(pool: SandboxPool, seconds: float = 5.0) -> dict[int, str]:
    """Poll until the workers have reaped everything their runs started (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        found = leftovers(pool)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def named_processes(name: str) -> list[int]:
    return [pid for pid, (_, comm, _) in _processes().items() if comm == name[:15]]


def wait_for_spares(pool: SandboxPool, seconds: float = 5.0) -> bool:
    """Whether every worker is alive and has forked its next spare child (bounded wait); a
    worker that died after answering never does."""
    deadline = time.monotonic() + seconds
    while True:
        if all(SPARE_NAME in descendants([pid]).values() for pid in pool.worker_pids()):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
