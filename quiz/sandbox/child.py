"""The forked child of a worker: lock itself down before a request arrives, then run it once.

A worker forks a spare child ahead of time; the spare applies every protection that does not
depend on the request (file descriptors, scratch directory, an IPC namespace of its own, user,
capabilities, Landlock with only its own scratch writable, seccomp) and then blocks on its control
pipe. What is the same for every child (the run environment, the empty capability bounding set)
its worker already set on itself before forking. When the request comes it sets the per-run
limits, runs the code, and writes its report as JSON lines to fd 3. It never returns: it ends
with os._exit.

A run with a learner's answer comes in two parts. The first holds everything up to the answer;
once it ran, the child says so and waits, and the worker (having killed whatever else the run
left running) sends the rest: the check, the evaluations and a one-time token that the final
report must carry. So the check is not in memory while the answer runs, a report the answer
writes itself cannot pass, and before each part the child verifies that the answer did not
replace any part of the harness (module globals, function code, builtins): see `_Integrity`.
"""

from __future__ import annotations

import builtins
import contextlib
import enum
import fcntl
import gc
import io
import json
import json.decoder
import json.encoder
import json.scanner
import math
import os
import resource
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import FunctionType, ModuleType
from typing import Any

from quiz.sandbox import execute as execute_module
from quiz.sandbox import landlock, linux, protocol, seccomp
from quiz.sandbox.execute import Execution, Report, flush_standard_streams
from quiz.sandbox.protocol import RunRequest, RunStatus, Segment

RESULT_FD = 3
CONTROL_FD = 4
RULESET_FD = 5  # the child's Landlock ruleset, between its building and `restrict_self`
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
    # Landlock: what a run may read, opened once by the worker; each child builds its own
    # ruleset from these, with only its own scratch folder writable. None: no Landlock here.
    landlock_rules: landlock.OpenedRules | None
    process_limit: int | None  # RLIMIT_NPROC, only meaningful for an unprivileged uid
    file_size_limit: int
    open_files_limit: int
    ipc_namespace: bool = False  # each run gets an IPC namespace of its own
    seccomp: bool = False  # apply quiz.sandbox.seccomp's filter
    oom_first: bool = False  # raise the run's OOM score so a memory cgroup kills it, not us
    integrity_modules: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChildPipes:
    stdout: int
    stderr: int
    result: int
    control: int


# Bound now: code that replaces json.dumps or os.write in its namespace's modules must not
# break how its result is reported (and _Integrity notices if it replaces these bindings).
_dumps = json.dumps
_loads = json.loads
_write = os.write
_read = os.read
_exit = os._exit


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
    """Put the pipes on fds 0-4 (the ruleset on 5) and close every other fd the worker had: host
    pipes, and the descriptors of Landlock's rules."""
    sources = [os.open(os.devnull, os.O_RDONLY), pipes.stdout, pipes.stderr, pipes.result]
    sources += [pipes.control] + ([] if ruleset_fd is None else [ruleset_fd])
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
    ruleset = None
    if plan.landlock_rules is not None:
        # Built while the worker's rule descriptors are still open; applied once unprivileged.
        ruleset = landlock.build_opened(scratch, plan.landlock_rules)
    _install_fds(pipes, None if ruleset is None else ruleset.fd)
    if plan.ipc_namespace:
        # SysV memory, semaphores and message queues, POSIX queues: the run's own, gone with it.
        linux.unshare(linux.CLONE_NEWIPC)
    if plan.oom_first:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)  # no text layer: ~0.1 ms a run
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)
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
    if ruleset is not None:
        landlock.restrict_self(RULESET_FD)
        os.close(RULESET_FD)
    if plan.seccomp:
        seccomp.install()
    _warm_up(sys.modules.get("torch"))
    if _SNAPSHOT:
        # Comparing touches the reference count of every object the harness relies on: done
        # here the copy-on-write faults (~1 ms) happen before the request, not on its clock.
        _changed(_SNAPSHOT[0].sealed, _MISSING)
    sys.addaudithook(_audit)
    return baseline


class _Phase:
    checking = False  # True while the check runs: the answer's code may still be called by it


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """No audit hook but this one (a hook would see the check's source as it is compiled), and
    no tracer while the check runs (one could rewrite the check's variables as it runs)."""
    if event == "sys.addaudithook":
        raise RuntimeError("the sandbox allows no audit hooks")
    if _Phase.checking and event in _TRACING_EVENTS:
        raise RuntimeError("the sandbox allows no tracing while the check runs")


_TRACING_EVENTS = frozenset(
    {
        "sys.settrace",
        "sys.setprofile",
        "sys.monitoring.register_callback",
        "sys._setprofileallthreads",
        "sys._settraceallthreads",
    }
)


def _warm_up(torch_module: Any) -> None:
    """Pay torch's first-op costs (about 1 ms) here, before the request, rather than on its
    clock. The worker itself must never do this, as its forks would inherit torch's initialised
    state; with one intra-op thread no thread pool starts here, so the run may still fork."""
    if torch_module is not None:
        torch_module.ones(1).add_(1)


def _read_message(*, until_eof: bool) -> dict[str, Any]:
    """The next message on the control pipe: one line, or everything up to its end."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = _read(CONTROL_FD, 1 << 16)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise ValueError("request too large")
        chunks.append(chunk)
        if not until_eof and chunk.endswith(b"\n"):
            break
    message = _loads(b"".join(chunks))
    if not isinstance(message, dict):
        raise ValueError("the request is not an object")
    return message


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


class _Integrity:
    """Identities of what the harness relies on, taken before any code of the run ran.

    Comparing by identity (`is`, dict.get) needs nothing the run could have replaced: built-in
    types cannot be patched from Python. What it cannot see (torch itself patched, the check's
    own calls into the answer's code) is documented in docs/internals.md."""

    def __init__(self, module_names: tuple[str, ...]) -> None:
        self.entries: list[tuple[Mapping[str, Any], str, object]] = []
        self.functions: list[tuple[FunctionType, object, object, object]] = []
        modules: list[ModuleType] = [sys.modules[__name__], execute_module, protocol, builtins]
        modules += [json, json.decoder, json.encoder, json.scanner]
        modules += [sys.modules[n] for n in module_names if n in sys.modules]
        for module in modules:
            self._take(vars(module), module.__name__)

    def _take(self, namespace: Mapping[str, Any], owner: str) -> None:
        for key, value in list(namespace.items()):
            self.entries.append((namespace, key, value))
            target = value.__func__ if isinstance(value, classmethod | staticmethod) else value
            if isinstance(target, FunctionType):
                self.functions.append(
                    (target, target.__code__, target.__defaults__, target.__kwdefaults__)
                )
            elif (
                owner != "builtins"  # built-in types cannot be patched from Python
                and isinstance(value, type)
                and getattr(value, "__module__", None) == owner
            ):
                self._take(_class_dict(value), owner)
                if issubclass(value, enum.Enum):
                    for member in value:
                        for name, item in vars(member).items():
                            self.entries.append((vars(member), name, item))

    def seal(self) -> None:
        """Freeze what was taken into tuples for `_changed`. A run can reach this object (and
        empty its lists), but `serve` holds the sealed tuples from before the run."""
        self.sealed: _Sealed = (tuple(self.entries), tuple(self.functions))

    def first_change(self) -> str:
        """What differs, to name it (only once `_changed` found something)."""
        missing = _MISSING
        for namespace, key, value in self.entries:
            if namespace.get(key, missing) is not value:
                return key
        for function, code, defaults, kwdefaults in self.functions:
            if (
                function.__code__ is not code
                or function.__defaults__ is not defaults
                or function.__kwdefaults__ is not kwdefaults
            ):
                return function.__qualname__
        return "the harness"  # its record was emptied: assume the worst


_Sealed = tuple[
    tuple[tuple[Mapping[str, Any], str, object], ...],
    tuple[tuple[FunctionType, object, object, object], ...],
]


def _changed(sealed: _Sealed, missing: object) -> bool:
    """Whether the run replaced anything of the harness since the snapshot. Only syntax and
    methods of built-in types, no name of any module or of builtins (a run can rebind those);
    `missing` is a sentinel `serve` bound before the run."""
    entries, functions = sealed
    for namespace, key, value in entries:
        if namespace.get(key, missing) is not value:
            return True
    for function, code, defaults, kwdefaults in functions:
        if (
            function.__code__ is not code
            or function.__defaults__ is not defaults
            or function.__kwdefaults__ is not kwdefaults
        ):
            return True
    return False


_MISSING = object()
# Taken once by the worker before it forks (`snapshot_harness`): every child shares its objects,
# so a run pays nothing for it. A list, so that filling it changes no module global.
_SNAPSHOT: list[_Integrity] = []


def snapshot_harness(module_names: tuple[str, ...] = ()) -> None:
    integrity = _Integrity(module_names)
    integrity.seal()
    _SNAPSHOT[:] = [integrity]


def _class_dict(cls: type) -> Mapping[str, Any]:
    return cls.__dict__


def _quiet_leftovers() -> None:
    """Drop what the answer may have left to run inside the check: tracers, gc callbacks, and
    timers with signal handlers (a handler that fires mid-check sees, and can rewrite, its
    frame). Done before the check is asked for, so whatever fires meanwhile sees no check."""
    sys.settrace(None)
    sys.setprofile(None)
    threading.settrace(None)
    threading.setprofile(None)
    gc.callbacks.clear()
    for timer in _TIMERS:
        _setitimer(timer, 0)
    for number in _HANDLED_SIGNALS:
        handler = _getsignal(number)
        if handler is not _SIG_DFL and handler is not _SIG_IGN and handler is not None:
            with contextlib.suppress(OSError, ValueError):
                _set_handler(number, _SIG_DFL)
    _set_handler(signal.SIGINT, signal.default_int_handler)  # as every run starts


# Known and bound at import, as _write and _exit are: the answer cannot swap them in `signal`.
_TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)
_HANDLED_SIGNALS = tuple(
    s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)
)
_setitimer, _getsignal, _set_handler = signal.setitimer, signal.getsignal, signal.signal
_SIG_DFL, _SIG_IGN = signal.SIG_DFL, signal.SIG_IGN


def _tampered_report(what: str) -> Report:
    return Report(
        status=RunStatus.ERROR,
        exception="SandboxTampering",
        traceback=f"SandboxTampering: the run replaced part of the sandbox's harness ({what})\n",
        segment=protocol.ANSWER,
        notes=[f"the run replaced part of the sandbox's harness ({what}): graded as failing"],
    )


def serve(baseline: int, plan: ChildPlan, default_memory_mb: int = 2048) -> None:
    """Wait for the request, run it (in two parts when it has an answer), report, and end."""
    if _SNAPSHOT:
        integrity = _SNAPSHOT[0]
    else:
        integrity = _Integrity(plan.integrity_modules)
        integrity.seal()
    # Bound now, before any code of the run: the run cannot swap what these names refer to here.
    sealed, changed, changed_code, missing = integrity.sealed, _changed, _changed.__code__, _MISSING
    name_change = integrity.first_change
    emit, emit_code, exit_now = _emit, _emit.__code__, _exit
    try:
        first = _read_message(until_eof=False)
        request = RunRequest.from_dict(first["request"])
        more = bool(first.get("more"))
        token = first.get("token")
        linux.set_process_name(RUN_NAME)
        memory_mb = request.memory_mb if request.memory_mb is not None else default_memory_mb
        _apply_run_limits(request, baseline, memory_mb)
        sys.stdout = _line_buffered(1)
        sys.stderr = _line_buffered(2)
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
    except BaseException as exc:
        _emit({"setup_error": f"{type(exc).__name__}: {exc}"})
        os._exit(70)
    execution = Execution(
        torch_module=sys.modules.get("torch"),
        on_segment=_emit_segment,
        seed_every_device=False,  # the worker seeded every device before forking
    )
    report = execution.feed(request.segments, () if more else request.evaluate)
    if more and report is None:
        _quiet_leftovers()
        # From here only the harness runs: the worker stops what the answer left running
        # while the harness checks itself below. No module attribute is looked up between
        # here and that check (a run may have replaced one): syntax and bound names only.
        try:  # noqa: SIM105  (contextlib.suppress is a module attribute a run can replace)
            emit({"answered": True})
        except OSError:
            pass
        # Inline, not a helper: a run can replace a function's code, never the running frame's.
        if changed.__code__ is not changed_code:
            what: str | None = "its checker"
        else:
            what = (name_change() or "the harness") if changed(sealed, missing) else None
        if what is not None:
            report = _tampered_report(what)
        else:
            try:
                emit({"await": "check"})
                rest = _read_message(until_eof=True)
                token = rest.get("token")
                segments = tuple(Segment.from_dict(s) for s in rest.get("segments", ()))
                evaluate = tuple(str(e) for e in rest.get("evaluate", ()))
            except BaseException as exc:
                emit({"setup_error": f"{type(exc).__name__}: {exc}"})
                exit_now(70)
            _Phase.checking = True
            report = execution.feed(segments, evaluate)
            _Phase.checking = False
    if report is None:
        report = execution.report
    flush_standard_streams()
    if more:  # only an answer's run is graded against code it must not touch
        if changed.__code__ is not changed_code:
            what = "its checker"
        else:
            what = (name_change() or "the harness") if changed(sealed, missing) else None
        if what is not None or emit.__code__ is not emit_code:
            report = _tampered_report(what or "its reporter")
    try:
        emit({"report": report.to_dict(), "token": token})
    except OSError:
        exit_now(CHANNEL_LOST)  # the code closed fd 3: the worker says so
    exit_now(0)
