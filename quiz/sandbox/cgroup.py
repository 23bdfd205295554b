"""A pids cgroup per worker: the task limit that holds for root, where RLIMIT_NPROC does not.

A worker running as root joins its own group before it enters its namespaces; the host removes
the group after the worker ended, and sweeps groups left by workers that were never closed.
"""

from __future__ import annotations

import contextlib
import os
import time

_CONTROLLERS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")  # cgroup v1, then v2


def cgroup_name(worker_pid: int) -> str:
    return f"quiz-sandbox-{worker_pid}"


def _v2_has_pids(root: str) -> bool:
    try:
        with open(os.path.join(root, "cgroup.subtree_control"), encoding="ascii") as f:
            return "pids" in f.read().split()
    except OSError:
        return False


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def join_pids_cgroup(limit: int) -> tuple[bool, str]:
    """Move this process into a new group of at most `limit` tasks; (active, why)."""
    for controller in _CONTROLLERS:
        if not os.path.exists(os.path.join(controller, "cgroup.procs")):
            continue
        if not (controller.endswith("pids") or _v2_has_pids(controller)):
            continue
        group = os.path.join(controller, cgroup_name(os.getpid()))
        try:
            os.mkdir(group, 0o755)
            _write(os.path.join(group, "pids.max"), str(limit))
            _write(os.path.join(group, "cgroup.procs"), "0")
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.rmdir(group)
            return False, f"{group}: {exc.strerror}"
        return True, f"at most {limit} tasks per worker (pids cgroup)"
    return False, "no writable pids cgroup controller"


def remove_stale_cgroups() -> None:
    """Remove the groups of workers that ended without cleaning up (their pid is gone)."""
    for controller in _CONTROLLERS:
        try:
            entries = os.listdir(controller)
        except OSError:
            continue
        for entry in entries:
            prefix, _, pid = entry.rpartition("-")
            if prefix == "quiz-sandbox" and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(controller, entry))


def remove_cgroup(worker_pid: int, wait_seconds: float) -> None:
    """Called by the host after the worker ended: the group's directory would stay otherwise.
    Its last processes may still be dying, so wait (bounded) until it is empty."""
    for controller in _CONTROLLERS:
        group = os.path.join(controller, cgroup_name(worker_pid))
        deadline = time.monotonic() + wait_seconds
        while os.path.isdir(group):
            try:
                os.rmdir(group)
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
