"""Namespaces for a whole worker: user, network, mount (private scratch tmpfs) and PID.

Called once by a freshly started worker process, single-threaded and before torch is imported.
Each step the kernel refuses is recorded and the rest still apply. With a PID namespace the
worker forks once more so that the serving process is the namespace's init: every process a run
leaves behind (setsid daemons, fork bombs) can then be killed with kill(-1), and all of them die
with the worker. The process that called `isolate` then only waits and never returns.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from quiz.sandbox import linux
from quiz.sandbox import protections as names
from quiz.sandbox.cgroup import MemoryGroup, join_memory_cgroup, join_pids_cgroup
from quiz.sandbox.protections import Protection

NOBODY = 65534  # the host user a run becomes when the worker may choose one (running as root)
INNER_UID = 1  # that user's id inside the worker's user namespace


@dataclass
class Isolation:
    protections: list[Protection] = field(default_factory=list)
    user_namespace: bool = False
    pid_namespace: bool = False  # this process is init of its own PID namespace
    run_uid: int | None = None  # the (namespace-relative) user a run switches to
    run_gid: int | None = None
    may_setgroups: bool = False
    scratch_tmpfs: bool = False
    lifeline: int | None = None  # readable (EOF) once the outer process is gone
    private_proc: bool = False  # /proc shows only this PID namespace
    ipc_namespace: bool = False  # SysV and POSIX IPC of the host are out of reach
    memory: MemoryGroup | None = None  # one memory cap for everything a run starts

    def add(self, name: str, active: bool, why: str) -> None:
        self.protections.append(Protection(name, active, why))


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def _map_from_outside(target_pid: int, go_read: int, done_write: int) -> None:
    """In a helper forked before unshare: as root outside, map root and nobody into the target."""
    code = 1
    try:
        os.read(go_read, 1)
        mapping = f"0 0 1\n{INNER_UID} {NOBODY} 1\n"
        _write(f"/proc/{target_pid}/uid_map", mapping)
        _write(f"/proc/{target_pid}/gid_map", mapping)
        code = 0
    finally:
        os.write(done_write, bytes([code]))
        os._exit(code)


def _reachable_by_others(paths: list[str]) -> bool:
    """Whether another user can read every Python directory (it cannot if Python lives under a
    private home such as /root): only then may runs switch to user nobody."""
    for path in paths:
        if not os.path.isdir(path):
            continue
        current = "/"
        for part in os.path.abspath(path).strip("/").split("/"):
            current = os.path.join(current, part)
            try:
                mode = os.stat(current).st_mode
            except OSError:
                return False
            if not mode & stat.S_IXOTH:
                return False
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
    return True


def _enter_user_namespace(iso: Isolation, map_nobody: bool) -> None:
    uid, gid = os.getuid(), os.getgid()
    helper = None
    if uid == 0 and map_nobody:
        go_read, go_write = os.pipe()
        done_read, done_write = os.pipe()
        me = os.getpid()
        helper = os.fork()
        if helper == 0:
            _map_from_outside(me, go_read, done_write)
        os.close(go_read)
        os.close(done_write)
    try:
        linux.unshare(linux.CLONE_NEWUSER)
    except OSError as exc:
        if helper is not None:
            os.close(go_write)  # the helper reads EOF, fails, and exits
            os.close(done_read)
            os.waitpid(helper, 0)
        iso.add(names.USER_NAMESPACE, False, f"the kernel refused it ({exc.strerror})")
        return
    iso.user_namespace = True
    mapped_two = False
    if helper is not None:
        os.write(go_write, b"g")
        os.close(go_write)
        mapped_two = os.read(done_read, 1) == b"\x00"
        os.close(done_read)
        os.waitpid(helper, 0)
    if not mapped_two:
        # Only our own ids can be mapped from inside; runs stay "root" here with no capabilities.
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1\n")
        _write("/proc/self/gid_map", f"0 {gid} 1\n")
    else:
        iso.run_uid = iso.run_gid = INNER_UID
        iso.may_setgroups = True
    iso.add(names.USER_NAMESPACE, True, "runs hold no capabilities outside the worker's namespace")


OFF = "turned off for this pool"


def _unshare_net(iso: Isolation) -> None:
    linux.unshare(linux.CLONE_NEWNET)
    iso.add(names.NETWORK_NAMESPACE, True, "no interfaces but a loopback that is down")


SCRATCH_INODES = 16384  # a card needs a handful; torch.compile's caches a few hundred


def _private_scratch(iso: Isolation, scratch_root: str, scratch_mb: int) -> None:
    linux.unshare(linux.CLONE_NEWNS)
    linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE, None)
    # Inodes bounded too: what a run can leave to remove (quiz.sandbox.trash) stays bounded.
    options = f"size={scratch_mb}m,nr_inodes={SCRATCH_INODES},mode=0711"
    linux.mount("tmpfs", scratch_root, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, options)
    iso.scratch_tmpfs = True
    iso.add(names.SCRATCH_TMPFS, True, f"at most {scratch_mb} MiB, invisible to the host")


def _unshare_ipc(iso: Isolation) -> None:
    linux.unshare(linux.CLONE_NEWIPC)
    iso.ipc_namespace = True
    iso.add(names.IPC_NAMESPACE, True, "no host shared memory, semaphores or message queues")


def _unshare_pid(iso: Isolation) -> None:
    linux.unshare(linux.CLONE_NEWPID)
    iso.pid_namespace = True


def _enter_other_namespaces(
    iso: Isolation, scratch_root: str, scratch_mb: int, disable: frozenset[str]
) -> None:
    may = iso.user_namespace or os.getuid() == 0
    steps: tuple[tuple[str, str, Callable[[], None]], ...] = (
        ("net", names.NETWORK_NAMESPACE, lambda: _unshare_net(iso)),
        ("ipc", names.IPC_NAMESPACE, lambda: _unshare_ipc(iso)),
        ("mount", names.SCRATCH_TMPFS, lambda: _private_scratch(iso, scratch_root, scratch_mb)),
        ("pid", names.PID_NAMESPACE, lambda: _unshare_pid(iso)),
    )
    for key, name, step in steps:
        if key in disable:
            iso.add(name, False, OFF)
        elif not may:
            iso.add(name, False, "needs a user namespace or root")
        else:
            try:
                step()
            except OSError as exc:
                iso.add(name, False, f"the kernel refused it ({exc.strerror})")


def _become_init() -> int:
    """Fork the namespace's init; this (outer) process waits for it and exits with it.

    Returns, in the init, the read end of a lifeline pipe: it reaches EOF when the outer process
    dies. Init must watch it, because the kernel spares a namespace's init from PDEATHSIG."""
    lifeline, outer_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(outer_end)
        return lifeline
    os.close(lifeline)
    # The outer process must not hold the host's pipes, or the host would miss the worker's end.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 1
    try:
        while True:
            try:
                _, status = os.waitpid(child, 0)
            except InterruptedError:
                continue
            code = os.waitstatus_to_exitcode(status)
            break
    finally:
        os._exit(code if code >= 0 else 128 - code)


# Per-mount flags a user namespace may not clear: a read-only remount must repeat them.
_KEPT_FLAGS = {
    "nosuid": linux.MS_NOSUID,
    "nodev": linux.MS_NODEV,
    "noexec": linux.MS_NOEXEC,
    "noatime": linux.MS_NOATIME,
    "nodiratime": linux.MS_NODIRATIME,
    "relatime": linux.MS_RELATIME,
}


def _read_only_mounts(iso: Isolation, scratch_root: str) -> None:
    """Make every mount read-only in the worker's mount namespace except scratch and /proc."""
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        mounts = [line.split() for line in f]
    failed = []
    for fields in mounts:
        point, options = fields[4].replace("\\040", " "), fields[5].split(",")
        if point == scratch_root or point == "/proc" or point.startswith("/proc/"):
            continue
        flags = linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY
        for option in options:
            flags |= _KEPT_FLAGS.get(option, 0)
        try:
            linux.mount("none", point, None, flags, None)
        except OSError as exc:
            failed.append(f"{point} ({exc.strerror})")
    if failed:
        iso.add(names.READ_ONLY_MOUNTS, False, "could not remount " + ", ".join(failed[:3]))
    else:
        iso.add(names.READ_ONLY_MOUNTS, True, "every mount but scratch is read-only for runs")


def _private_proc(iso: Isolation) -> None:
    """A /proc of the worker's own PID namespace: no host process is even visible."""
    flags = linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC
    try:
        linux.mount("proc", "/proc", "proc", flags, None)
    except OSError as exc:
        iso.add(names.PRIVATE_PROC, False, f"the kernel refused it ({exc.strerror})")
        return
    iso.private_proc = True
    iso.add(names.PRIVATE_PROC, True, "shows only the worker's own processes")


def isolate(
    scratch_root: str,
    scratch_mb: int,
    task_limit: int,
    python_paths: list[str],
    disable: frozenset[str] = frozenset(),
) -> Isolation:
    """Enter what the kernel allows, except the steps named in `disable` (user, net, mount,
    pid, cgroup, nobody), which tests use to check that the rest still holds."""
    iso = Isolation()
    if not sys.platform.startswith("linux"):
        iso.add(names.USER_NAMESPACE, False, "namespaces need Linux")
        return iso
    if "cgroup" in disable:
        iso.add(names.PROCESS_CGROUP, False, OFF)
    elif os.getuid() == 0:
        iso.add(names.PROCESS_CGROUP, *join_pids_cgroup(task_limit))
        iso.memory, active, why = join_memory_cgroup()
        iso.add(names.MEMORY_CGROUP, active, why)
    map_nobody = "nobody" not in disable and _reachable_by_others(python_paths)
    if "user" in disable:
        iso.add(names.USER_NAMESPACE, False, OFF)
    else:
        _enter_user_namespace(iso, map_nobody)
    _enter_other_namespaces(iso, scratch_root, scratch_mb, disable)
    if iso.pid_namespace:
        iso.lifeline = _become_init()
        iso.add(names.PID_NAMESPACE, True, "the worker is init: nothing a run starts outlives it")
    if iso.scratch_tmpfs and iso.pid_namespace:
        _private_proc(iso)
    else:
        iso.add(names.PRIVATE_PROC, False, "needs mount and PID namespaces")
    if iso.scratch_tmpfs:
        _read_only_mounts(iso, scratch_root)
    else:
        iso.add(names.READ_ONLY_MOUNTS, False, "needs a mount namespace")
    if not iso.user_namespace and os.getuid() == 0 and map_nobody:
        iso.run_uid, iso.run_gid, iso.may_setgroups = NOBODY, NOBODY, True
    return iso
