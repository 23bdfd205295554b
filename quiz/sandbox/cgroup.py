"""Cgroups per worker: a pids group (the task limit that holds for root, where RLIMIT_NPROC does
not) and a memory group (one cap for everything a run starts, where RLIMIT_AS is per process).

A worker running as root joins its own groups before it enters its namespaces; the host removes
them after the worker ended, and sweeps groups left by workers that were never closed.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

_CONTROLLERS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")  # cgroup v1, then v2


def cgroup_name(worker_pid: int) -> str:
    return f"quiz-sandbox-{worker_pid}"


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def join_pids_cgroup(limit: int) -> tuple[bool, str]:
    """Move this process into a new group of at most `limit` tasks; (active, why)."""
    for controller in _CONTROLLERS:
        if not os.path.exists(os.path.join(controller, "cgroup.procs")):
            continue
        if not (controller.endswith("pids") or _v2_has(controller, "pids")):
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
    memory_parent = os.path.dirname(memory_group_dir(0) or "")
    for controller in (*_CONTROLLERS, *([memory_parent] if memory_parent else [])):
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
    groups = [os.path.join(controller, cgroup_name(worker_pid)) for controller in _CONTROLLERS]
    memory = memory_group_dir(worker_pid)
    if memory is not None:
        groups.append(memory)
    for group in groups:
        deadline = time.monotonic() + wait_seconds
        while os.path.isdir(group):
            try:
                os.rmdir(group)
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)


@dataclass
class MemoryGroup:
    """A worker's memory cgroup, held through descriptors opened before the worker's mounts turn
    read-only: everything its runs start (children, memfds, tmpfs files, shared memory) is charged
    to it, and the kernel's OOM killer ends the run (its score is raised) when the cap is hit."""

    version: int
    limit_fd: int
    swap_fd: int | None
    usage_fd: int
    events_fd: int
    stat_fd: int
    limit: int = 0

    def usage(self) -> int:
        return int(_pread(self.usage_fd).split()[0])

    def resident(self) -> int:
        """What the group holds that reclaim cannot take back: anonymous and shared memory and
        mapped files (the worker's torch). Page cache is left out: counting it would let a run
        use the cache's size on top of its cap once the kernel evicts it."""
        stat: dict[str, int] = {}
        for line in _pread(self.stat_fd, 1 << 16).splitlines():
            key, _, value = line.partition(" ")
            if value.isdigit():
                stat[key] = int(value)
        keys: tuple[str, ...]
        if self.version == 2:
            keys = ("anon", "shmem", "file_mapped", "kernel")
        else:
            keys = ("rss", "shmem", "mapped_file")
        return sum(stat.get(k, 0) for k in keys)

    def oom_kills(self) -> int:
        for line in _pread(self.events_fd).splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def set_limit(self, total: int) -> None:
        if total == self.limit:
            return
        value = str(total).encode()
        if self.version == 2:
            os.pwrite(self.limit_fd, value, 0)
        else:
            # v1 keeps limit <= memsw limit at every step: which goes first depends on where
            # the two stand now, so try one order and then the other.
            fds = [fd for fd in (self.limit_fd, self.swap_fd) if fd is not None]
            try:
                for fd in fds:
                    os.pwrite(fd, value, 0)
            except OSError:
                for fd in reversed(fds):
                    os.pwrite(fd, value, 0)
        self.limit = total


def _pread(fd: int, size: int = 4096) -> str:
    return os.pread(fd, size, 0).decode("ascii", errors="replace")


def _own_memory_path() -> str | None:
    """This process's group in the v1 memory hierarchy ('/' when at its root)."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                if "memory" in controllers.split(","):
                    return path
    except (OSError, ValueError):
        return None
    return None


def memory_group_dir(worker_pid: int) -> str | None:
    """Where a worker's memory group lives: under our own v1 memory group (a container's limit
    still holds over it), or the v2 group that also holds its task limit."""
    own = _own_memory_path()
    if own is not None and os.path.isdir(_V1_MEMORY):
        return os.path.join(_V1_MEMORY + own.rstrip("/"), cgroup_name(worker_pid))
    if _v2_has(_V2_ROOT, "memory"):
        return os.path.join(_V2_ROOT, cgroup_name(worker_pid))
    return None


_V1_MEMORY = "/sys/fs/cgroup/memory"
_V2_ROOT = "/sys/fs/cgroup"


def _v2_has(root: str, controller: str) -> bool:
    try:
        with open(os.path.join(root, "cgroup.subtree_control"), encoding="ascii") as f:
            return controller in f.read().split()
    except OSError:
        return False


def join_memory_cgroup() -> tuple[MemoryGroup | None, bool, str]:
    """Move this process into a memory group of its own; (group, active, why)."""
    group = memory_group_dir(os.getpid())
    if group is None:
        return None, False, "no memory cgroup controller this process may use"
    v2 = not group.startswith(_V1_MEMORY)
    names: tuple[str, ...] = (
        ("memory.max", "memory.swap.max", "memory.current", "memory.events")
        if v2
        else (
            "memory.limit_in_bytes",
            "memory.memsw.limit_in_bytes",
            "memory.usage_in_bytes",
            "memory.oom_control",
        )
    )
    opened: list[int] = []
    try:
        if not os.path.isdir(group):
            os.mkdir(group, 0o755)
        limit_fd = os.open(os.path.join(group, names[0]), os.O_WRONLY | os.O_CLOEXEC)
        opened.append(limit_fd)
        swap_fd: int | None = None
        with contextlib.suppress(OSError):  # no swap accounting on this kernel
            swap_fd = os.open(os.path.join(group, names[1]), os.O_WRONLY | os.O_CLOEXEC)
            opened.append(swap_fd)
        usage_fd = os.open(os.path.join(group, names[2]), os.O_RDONLY | os.O_CLOEXEC)
        opened.append(usage_fd)
        events_fd = os.open(os.path.join(group, names[3]), os.O_RDONLY | os.O_CLOEXEC)
        opened.append(events_fd)
        stat_fd = os.open(os.path.join(group, "memory.stat"), os.O_RDONLY | os.O_CLOEXEC)
        opened.append(stat_fd)
        if v2 and swap_fd is not None:
            os.pwrite(swap_fd, b"0", 0)
            os.close(swap_fd)
            opened.remove(swap_fd)
            swap_fd = None
        _write(os.path.join(group, "cgroup.procs"), "0")
    except OSError as exc:
        for fd in opened:
            os.close(fd)
        if not v2:
            with contextlib.suppress(OSError):
                os.rmdir(group)
        return None, False, f"{group}: {exc.strerror}"
    memory = MemoryGroup(2 if v2 else 1, limit_fd, swap_fd, usage_fd, events_fd, stat_fd)
    return memory, True, "one cap for everything a run starts (memory cgroup, swap off)"
