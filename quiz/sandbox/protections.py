"""The protections a sandbox run gets, each reported as active or not and why (`quiz doctor`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Stable names, in the order `quiz doctor` prints them.
USER_NAMESPACE = "user namespace"
RUN_AS_UNPRIVILEGED = "unprivileged user"
NETWORK_NAMESPACE = "network namespace"
NETWORK_LANDLOCK = "tcp denied (landlock)"
PID_NAMESPACE = "pid namespace"
IPC_NAMESPACE = "ipc namespace"
SYSCALL_FILTER = "unix sockets, keyrings and io_uring denied (seccomp)"
MEMORY_CGROUP = "memory cap per run (memory cgroup)"
ANSWER_KEY = "answer key hidden"
FORGERY = "forged results"
PROCESS_LIMIT = "process limit"
PROCESS_CGROUP = "task limit (pids cgroup)"
FILESYSTEM_LANDLOCK = "filesystem (landlock)"
SCOPE_LANDLOCK = "signals and sockets scoped (landlock)"
SCRATCH_TMPFS = "scratch on private tmpfs"
READ_ONLY_MOUNTS = "read-only filesystem (mount namespace)"
PRIVATE_PROC = "private /proc"
CAPABILITIES = "capabilities dropped"
MEMORY_LIMIT = "memory limit"
CPU_LIMIT = "cpu time limit"
FILE_SIZE_LIMIT = "file size limit"
WALL_TIMEOUT = "wall-clock timeout"
OUTPUT_CAP = "output cap"
CLEAN_ENVIRONMENT = "scrubbed environment"
SCRATCH_DIRECTORY = "fresh scratch directory"
ONE_THREAD = "one intra-op thread"

ORDER = (
    USER_NAMESPACE,
    RUN_AS_UNPRIVILEGED,
    NETWORK_NAMESPACE,
    NETWORK_LANDLOCK,
    PID_NAMESPACE,
    IPC_NAMESPACE,
    SYSCALL_FILTER,
    PROCESS_LIMIT,
    PROCESS_CGROUP,
    FILESYSTEM_LANDLOCK,
    SCOPE_LANDLOCK,
    SCRATCH_TMPFS,
    READ_ONLY_MOUNTS,
    PRIVATE_PROC,
    CAPABILITIES,
    MEMORY_CGROUP,
    MEMORY_LIMIT,
    CPU_LIMIT,
    FILE_SIZE_LIMIT,
    WALL_TIMEOUT,
    OUTPUT_CAP,
    CLEAN_ENVIRONMENT,
    SCRATCH_DIRECTORY,
    ONE_THREAD,
    ANSWER_KEY,
    FORGERY,
)


@dataclass(frozen=True)
class Protection:
    name: str
    active: bool
    why: str  # how it is enforced, or why the kernel refused it

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "active": self.active, "why": self.why}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Protection:
        return cls(name=str(data["name"]), active=bool(data["active"]), why=str(data["why"]))


def ordered(protections: list[Protection]) -> list[Protection]:
    """Sort into the documented order; names this module does not know go last."""
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(protections, key=lambda p: rank.get(p.name, len(ORDER)))
