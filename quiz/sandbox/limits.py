"""The per-run limits and environment a worker hands its children, and how they are reported.

Also what both sides of the pool agree on for the environment: `THREAD_VARIABLES` must be in a
worker's environment before it imports torch, or a forked child can deadlock in a thread pool.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat

from quiz.sandbox import landlock, linux
from quiz.sandbox import protections as names
from quiz.sandbox.child import ChildPlan
from quiz.sandbox.isolation import Isolation
from quiz.sandbox.protections import Protection

FILE_SIZE_LIMIT = 64 * 1024 * 1024
OPEN_FILES_LIMIT = 256
PROCESS_LIMIT = 128  # processes and threads together; 64 spinning threads still fit

THREAD_VARIABLES = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
    )
}

# The whole environment of a run: nothing of the host's (tokens, paths, names) gets in.
# HOME and TMPDIR are added per run, pointing at its scratch directory.
RUN_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    **THREAD_VARIABLES,
}


def _runs_unprivileged(iso: Isolation) -> bool:
    """True when a run's processes belong to a host user other than root."""
    if iso.run_uid is not None:
        return True
    return os.getuid() != 0 if not iso.user_namespace else _mapped_to_non_root()


def _mapped_to_non_root() -> bool:
    try:
        with open("/proc/self/uid_map", encoding="ascii") as f:
            first = f.read().split()
        return len(first) >= 2 and first[1] != "0"
    except OSError:
        return False


def build_plan(
    iso: Isolation,
    ruleset: landlock.Ruleset | None,
    read_rules: landlock.OpenedRules | None = None,
    use_seccomp: bool = False,
) -> ChildPlan:
    # RLIMIT_NPROC counts per user (per user namespace since Linux 5.14) and is ignored for
    # root; without a namespace it would also count the developer's own other processes.
    limit_processes = _runs_unprivileged(iso) and (iso.user_namespace or iso.run_uid is not None)
    return ChildPlan(
        env=dict(RUN_ENVIRONMENT),
        uid=iso.run_uid,
        gid=iso.run_gid,
        may_setgroups=iso.may_setgroups,
        drop_capabilities=iso.user_namespace or os.getuid() == 0,
        last_capability=linux.last_capability(),
        landlock_rules=read_rules if ruleset is not None else None,
        process_limit=PROCESS_LIMIT if limit_processes else None,
        file_size_limit=FILE_SIZE_LIMIT,
        open_files_limit=OPEN_FILES_LIMIT,
        # A run's own IPC namespace needs CAP_SYS_ADMIN over the worker's user namespace (or
        # root), which the child still holds before it drops its capabilities.
        ipc_namespace=iso.ipc_namespace,
        seccomp=use_seccomp,
        oom_first=iso.memory is not None,
    )


def describe_protections(
    iso: Isolation,
    ruleset: landlock.Ruleset | None,
    landlock_why: str,
    seccomp_why: str | None = None,
) -> list[Protection]:
    """Every protection, active or not, in words for `quiz doctor`; `seccomp_why` is None when
    the system-call filter is on."""
    found = list(iso.protections)
    if not any(p.name == names.IPC_NAMESPACE for p in found):
        found.append(Protection(names.IPC_NAMESPACE, False, "needs a user namespace or root"))
    found.append(
        Protection(
            names.SYSCALL_FILTER,
            seccomp_why is None,
            "no UNIX socket (pathname or abstract), keyring, io_uring, ptrace or new namespace"
            if seccomp_why is None
            else seccomp_why,
        )
    )
    if not any(p.name == names.MEMORY_CGROUP for p in found):
        found.append(
            Protection(
                names.MEMORY_CGROUP,
                False,
                "needs root or a delegated cgroup: the cap is per process (RLIMIT_AS), so a run's "
                "children and memfds are not counted together",
            )
        )
    plan = build_plan(iso, ruleset)
    unprivileged = plan.uid is not None
    if unprivileged:
        why = "runs switch to user nobody"
    elif os.getuid() == 0:
        why = "other users cannot read Python here (e.g. under /root): runs keep uid 0, no caps"
    else:
        why = "runs keep your user id, without capabilities"
    found.append(Protection(names.RUN_AS_UNPRIVILEGED, unprivileged, why))
    if not any(p.name == names.PROCESS_CGROUP for p in found):
        found.append(Protection(names.PROCESS_CGROUP, False, "only when the worker runs as root"))
    found.append(
        Protection(
            names.PROCESS_LIMIT,
            plan.process_limit is not None,
            f"at most {PROCESS_LIMIT} processes and threads per run"
            if plan.process_limit is not None
            else "RLIMIT_NPROC is ignored for root; the timeout and PID namespace bound it",
        )
    )
    found.append(
        Protection(
            names.CAPABILITIES,
            plan.drop_capabilities or unprivileged,
            "bounding and effective sets emptied, no_new_privs set"
            if plan.drop_capabilities or unprivileged
            else "the worker has none to drop",
        )
    )
    if ruleset is None:
        why = f"Landlock unavailable ({landlock_why})"
        found.append(Protection(names.FILESYSTEM_LANDLOCK, False, why))
        found.append(Protection(names.NETWORK_LANDLOCK, False, why))
        found.append(Protection(names.SCOPE_LANDLOCK, False, why))
    else:
        found.append(
            Protection(
                names.FILESYSTEM_LANDLOCK,
                True,
                f"ABI {ruleset.abi}: writes only in scratch; reads only Python, torch, system libs",
            )
        )
        found.append(
            Protection(
                names.NETWORK_LANDLOCK,
                ruleset.network,
                "TCP bind and connect denied" if ruleset.network else "needs Landlock ABI 4",
            )
        )
        found.append(
            Protection(
                names.SCOPE_LANDLOCK,
                ruleset.scoped,
                "no signals or abstract sockets outside the run"
                if ruleset.scoped
                else "needs Landlock ABI 6",
            )
        )
    found += [
        Protection(names.MEMORY_LIMIT, True, "RLIMIT_AS above the size after import torch"),
        Protection(names.CPU_LIMIT, True, "RLIMIT_CPU just past the timeout"),
        Protection(names.FILE_SIZE_LIMIT, True, f"RLIMIT_FSIZE {FILE_SIZE_LIMIT >> 20} MiB"),
        Protection(names.WALL_TIMEOUT, True, "the worker kills the run at its timeout"),
        Protection(names.OUTPUT_CAP, True, "per stream; a stdout flood stops the run"),
        Protection(names.CLEAN_ENVIRONMENT, True, "no host variable reaches a run"),
        Protection(
            names.SCRATCH_DIRECTORY,
            True,
            "a new working directory per run, the only one it may write, removed after"
            if ruleset is not None
            else "a new working directory per run, removed after (without Landlock a run may "
            "write elsewhere in its worker's scratch, which is swept after every run)",
        ),
        Protection(names.ONE_THREAD, True, "OMP/MKL thread counts set to 1 before torch loads"),
        Protection(
            names.ANSWER_KEY,
            ruleset is not None,
            "deck files and quiz's data are unreadable; the check arrives after the answer ran"
            if ruleset is not None
            else "without Landlock a run can read deck files; the check still arrives after "
            "the answer ran",
        ),
        Protection(
            names.FORGERY,
            False,
            "reports the answer writes, fake segment markers and a replaced harness fail; code "
            "aimed at the harness (patching torch, impersonating the harness's messages) can "
            "still fake a pass in-process: peer sessions show every participant's code",
        ),
    ]
    return names.ordered(found)


def remove_tree(path: str) -> None:
    """Remove a run's scratch directory even if the run took the permissions away."""
    with contextlib.suppress(OSError):
        os.rmdir(path)  # most runs leave it empty: one call, not rmtree's walk
        return
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path):
        return
    for root, dirs, _ in os.walk(path):
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, name), stat.S_IRWXU, follow_symlinks=False)
    shutil.rmtree(path, ignore_errors=True)
