"""The forked child of a worker: lock itself down before a request arrives, then run it once.

A worker forks a spare child ahead of time; the spare applies every protection that does not
depend on the request (file descriptors, scratch directory, user, capabilities, Landlock) and then
blocks on its control pipe. What is the same for every child (the run environment, the empty
capability bounding set) its worker already set on itself before forking. When the request
comes it sets the per-run limits, runs the code, and writes its report as JSON lines to fd 3.
It never returns: it ends with os._exit.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import math
import os
import resource
import signal
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

from quiz.sandbox import landlock, linux
from quiz.sandbox.execute import execute, flush_standard_streams
from quiz.sandbox.protocol import RunRequest

RESULT_FD = 3
CONTROL_FD = 4
RULESET_FD = 5
MAX_REQUEST_BYTES = 16 * 1024 * 1024
SPARE_NAME = "quiz-spare"
RUN_NAME = "quiz-run"
RUN_NICENESS = 10
CHANNEL_LOST = 75  # exit code: the run closed its result channel, so its outcome is unknown


@dataclass(frozen=True)
class ChildPlan:
    """What a worker decided, once, about how its children lock themselves down."""

    env: dict[
        str, str
    ]  # every run's environment but HOME and TMPDIR (the worker sets it on itself)
    uid: int | None  # switch to this user (and group `gid`) when set
    gid: int | None
    may_setgroups: bool
    drop_capabilities: bool
    last_capability: int
    ruleset_fd: int | None  # a Landlock ruleset to apply, when the kernel has Landlock
    process_limit: int | None  # RLIMIT_NPROC, only meaningful for an unprivileged uid
    file_size_limit: int
    open_files_limit: int


@dataclass(frozen=True)
class ChildPipes:
    stdout: int
    stderr: int
    result: int
    control: int


# Bound now: code that replaces json.dumps or os.write in its namespace's modules must not
# break how its result is reported.
_dumps = json.dumps
_write = os.write


def _emit(payload: dict[str, Any]) -> None:
    data = (_dumps(payload) + "\n").encode("ascii")
    while data:
        written = _write(RESULT_FD, data)
        data = data[written:]


def _emit_segment(name: str) -> None:
    # Progress only: if the code closed the channel, the missing report tells the worker.
    with contextlib.suppress(OSError):
        _emit({"segment": name})


def _install_fds(pipes: ChildPipes, ruleset_fd: int | None) -> None:
    """Put the pipes on fds 0-5 and close every other fd the worker had (host pipes included)."""
    sources = [os.open(os.devnull, os.O_RDONLY), pipes.stdout, pipes.stderr, pipes.result]
    sources += [pipes.control]
    if ruleset_fd is not None:
        sources.append(ruleset_fd)
    # Move everything above the targets first, so no dup2 overwrites a source still needed.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in sources]
    for target, fd in enumerate(high):
        os.dup2(fd, target, inheritable=True)
    os.closerange(len(high), max(os.sysconf("SC_OPEN_MAX"), 1024))


def _address_space_in_use() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _drop_privileges(plan: ChildPlan) -> None:
    # The bounding set is already empty (the worker emptied its own before forking); the user
    # next, which needs CAP_SETUID; then whatever capabilities are left if the user stayed.
    if plan.uid is not None and plan.gid is not None:
        if plan.may_setgroups:
            os.setgroups([])
        os.setresgid(plan.gid, plan.gid, plan.gid)
        os.setresuid(plan.uid, plan.uid, plan.uid)
    if plan.drop_capabilities:
        linux.clear_capabilities()


def _set_limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def prepare(plan: ChildPlan, pipes: ChildPipes, scratch: str) -> int:
    """Lock down a fresh spare child; returns its address-space size before any user code."""
    os.setsid()  # its own process group, so a worker without a PID namespace can kill it whole
    # Below its worker: a run that saturates the CPUs (fork bomb, 64 threads) must not delay
    # the worker's timeout and clean-up. Code cannot raise its priority back without privilege.
    os.nice(RUN_NICENESS)
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    linux.set_process_name(SPARE_NAME)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _install_fds(pipes, plan.ruleset_fd)
    os.chdir(scratch)
    # The rest of the environment is the worker's, which it set to plan.env before forking.
    os.environ["HOME"] = os.environ["TMPDIR"] = scratch
    tempfile.tempdir = None
    baseline = _address_space_in_use()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _set_limit(resource.RLIMIT_FSIZE, plan.file_size_limit)
    _set_limit(resource.RLIMIT_NOFILE, plan.open_files_limit)
    if plan.process_limit is not None:
        _set_limit(resource.RLIMIT_NPROC, plan.process_limit)
    _drop_privileges(plan)
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    if plan.ruleset_fd is not None:
        landlock.restrict_self(RULESET_FD)
        os.close(RULESET_FD)
    _warm_up(sys.modules.get("torch"))
    return baseline


def _warm_up(torch_module: Any) -> None:
    """Pay torch's first-op costs (about 1 ms) here, before the request, rather than on its
    clock. The worker itself must never do this, as its forks would inherit torch's initialised
    state; with one intra-op thread no thread pool starts here, so the run may still fork."""
    if torch_module is not None:
        torch_module.ones(1).add_(1)


def _read_request() -> RunRequest:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = os.read(CONTROL_FD, 1 << 16)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise ValueError("request too large")
        chunks.append(chunk)
    os.close(CONTROL_FD)
    return RunRequest.from_dict(json.loads(b"".join(chunks)))


def _apply_run_limits(request: RunRequest, baseline: int, memory_mb: int) -> None:
    _set_limit(resource.RLIMIT_AS, baseline + memory_mb * 1024 * 1024)
    # CPU time a little past the wall clock, so the wall-clock timeout normally decides; the CPU
    # limit still stops threads that spin on every core at once.
    seconds = math.ceil(request.timeout) + 1
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or hard > seconds + 1:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _line_buffered(fd: int) -> io.TextIOWrapper:
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(
        io.BufferedWriter(raw), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )


def serve(baseline: int, default_memory_mb: int = 2048) -> None:
    """Wait for the one request, run it, report, and end the process."""
    try:
        request = _read_request()
        linux.set_process_name(RUN_NAME)
        memory_mb = request.memory_mb if request.memory_mb is not None else default_memory_mb
        _apply_run_limits(request, baseline, memory_mb)
        sys.stdout = _line_buffered(1)
        sys.stderr = _line_buffered(2)
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
    except BaseException as exc:
        _emit({"setup_error": f"{type(exc).__name__}: {exc}"})
        os._exit(70)
    report = execute(
        request,
        torch_module=sys.modules.get("torch"),
        on_segment=_emit_segment,
        seed_every_device=False,  # the worker seeded every device before forking
    )
    flush_standard_streams()
    try:
        _emit({"report": report.to_dict()})
    except OSError:
        os._exit(CHANNEL_LOST)  # the code closed fd 3: the worker says so
    os._exit(0)
