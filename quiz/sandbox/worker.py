"""A warm sandbox worker: imports torch once, then serves runs by forking a child per run.

Started by the host (quiz.sandbox.pool) as `python -m quiz.sandbox.worker`, it talks to the host
in newline-delimited JSON over stdin/stdout. It isolates itself first (quiz.sandbox.isolation),
keeps one spare child forked and locked down ahead of the next request, and after each run kills
everything the run started and removes its scratch directory. No card code runs in this process.

A run's CPU cost is mostly the fork, the child's copy-on-write faults and its exit, so whatever
every child would do identically is done here once, before the first fork: the run environment,
the empty capability bounding set, torch's device seeds and CPU detection; and the memory that
every fork duplicates is backed by huge pages (quiz.sandbox.hugepages).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import linecache
import os
import secrets
import select
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from quiz.sandbox import child, execute, framing, hugepages, landlock, linux, seccomp
from quiz.sandbox.isolation import OFF, Isolation, isolate
from quiz.sandbox.limits import PROCESS_LIMIT, build_plan, describe_protections, remove_tree
from quiz.sandbox.protocol import ANSWER, RunResult, RunStatus
from quiz.sandbox.trash import Trash, room_is_short
from quiz.sandbox.watch import RunPipes, Watch

WORKER_NAME = "quiz-worker"
_REAP_SECONDS = 2.0
# How long a worker that just said "ready" waits for its first request before it imports the
# optimizers (`_import_optimizers`): a command that sent one at once is served first, and the
# import follows that first run.
WARM_UP_AFTER_IDLE_SECONDS = 0.3


@dataclass
class Spare:
    pid: int
    pipes: RunPipes
    control: int  # write end of the child's control pipe
    scratch: str


class Server:
    def __init__(
        self,
        iso: Isolation,
        plan: child.ChildPlan,
        scratch_root: str,
        memory_mb: int = 2048,
        memory_baseline: int = 0,
    ) -> None:
        self.iso = iso
        self.plan = plan
        self.scratch_root = scratch_root
        self.memory_mb = memory_mb
        self.memory_baseline = memory_baseline
        self.host = framing.LineBuffer()
        self.spare: Spare | None = None
        self.serial = 0
        self.orphaned = False
        self.warmed_up = False
        self.trash = Trash(scratch_root)
        # Forking the next spare before reaping needs a way to kill leftovers one by one that
        # spares it: a private /proc as init, or a process group without a PID namespace.
        self.early_spare = iso.private_proc or not iso.pid_namespace

    # -- the spare child -------------------------------------------------------------------
    def fork_spare(self) -> Spare:
        scratch = self._new_scratch()
        if self.iso.run_uid is not None and self.iso.run_gid is not None:
            os.chown(scratch, self.iso.run_uid, self.iso.run_gid)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        res_r, res_w = os.pipe()
        ctl_r, ctl_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            # EAGAIN while a fork bomb's processes still count against the task limit.
            for fd in (out_r, out_w, err_r, err_w, res_r, res_w, ctl_r, ctl_w):
                os.close(fd)
            remove_tree(scratch)
            raise
        if pid == 0:
            code = 71
            try:
                baseline = child.prepare(
                    self.plan, child.ChildPipes(out_w, err_w, res_w, ctl_r), scratch
                )
                child.serve(baseline, self.plan)
            finally:
                os._exit(code)
        for fd in (out_w, err_w, res_w, ctl_r):
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        return Spare(pid, RunPipes(out_r, err_r, res_r, pidfd), ctl_w, scratch)

    def _new_scratch(self) -> str:
        """A fresh folder for the next run, under a name no run can guess ahead (a run that
        pre-creates names must not make this fail)."""
        for _ in range(16):
            self.serial += 1
            scratch = os.path.join(self.scratch_root, f"run-{self.serial}-{secrets.token_hex(6)}")
            try:
                os.mkdir(scratch, 0o700)
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT) or not self.trash.pending:
                    raise
                self.trash.work(None)  # the scratch is full of what earlier runs left: now
                os.mkdir(scratch, 0o700)
            return scratch
        raise OSError("no fresh scratch folder name could be made")

    def _sweep_scratch(self) -> None:
        """Remove everything in the scratch root but the next spare's folder: whatever a run
        managed to leave beside its own folder must not reach the next run."""
        keep = {self.spare.scratch} if self.spare else set()
        try:
            entries = os.listdir(self.scratch_root)
        except OSError:
            return
        for entry in entries:
            path = os.path.join(self.scratch_root, entry)
            if path not in keep and not self.trash.holds(path):
                self.trash.discard(path)

    def _dispose(self, finished: Spare) -> None:
        """Reap all the finished run left behind (never the next spare), then remove its files."""
        self._reap_everything(finished.pid)
        for fd in _pipe_fds(finished.pipes):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.close(finished.control)
        self.trash.discard(finished.scratch)  # at once if empty, else between requests
        self._sweep_scratch()
        if self.trash.pending and room_is_short(self.scratch_root):
            self.trash.work(None)  # the next run must find the room it was promised

    def _spare_alive(self, spare: Spare) -> bool:
        """A spare that a run killed (or that failed to lock down) is replaced, not used."""
        ready, _, _ = select.select([spare.pipes.pidfd], [], [], 0)
        return not ready

    def _take_spare(self) -> Spare | None:
        spare, self.spare = self.spare, None
        if spare is not None and not self._spare_alive(spare):
            self._dispose(spare)
            spare = None
        if spare is None:
            try:
                spare = self.fork_spare()
            except OSError:
                return None
        return spare

    def _kill_all(self, pid: int) -> None:
        """Kill the run and everything it started (the next spare does not exist yet)."""
        if self.iso.pid_namespace:
            # As init of our own namespace: -1 reaches every process but ourselves.
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
            return
        for target in (-pid, pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(target, signal.SIGKILL)

    def _others(self) -> set[int]:
        """With a private /proc: every process of our namespace but us and the next spare."""
        keep = {1, self.spare.pid if self.spare else 1}
        return {int(e) for e in os.listdir("/proc") if e.isdigit()} - keep

    @staticmethod
    def _exit_status(spare: Spare) -> int | None:
        """The run's own wait status, once it is dead (it has been sent SIGKILL already)."""
        select.select([spare.pipes.pidfd], [], [], _REAP_SECONDS)
        try:
            got, status = os.waitpid(spare.pid, os.WNOHANG)
        except ChildProcessError:
            return None
        return status if got == spare.pid else None

    def _reap_everything(self, pid: int) -> None:
        """Collect every dead process the run left; kill any that still live (bounded)."""
        deadline = time.monotonic() + _REAP_SECONDS
        listed = self.iso.pid_namespace and self.iso.private_proc
        target = -1 if self.iso.pid_namespace else pid
        while time.monotonic() < deadline:
            try:
                got, _ = os.waitpid(target, os.WNOHANG)
            except ChildProcessError:
                return
            if got == pid and not self.iso.pid_namespace:
                return
            if got != 0:
                continue
            if listed:
                others = self._others()
                if not others:
                    return
                for other in others:  # alive or a zombie not yet reaped: kill is harmless
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(other, signal.SIGKILL)
            elif self.spare is None:
                self._kill_all(pid)
            time.sleep(0.001)

    # -- one run -----------------------------------------------------------------------------
    def run(self, run_id: object, request: dict[str, Any]) -> tuple[dict[str, Any], Spare | None]:
        spare = self._take_spare()
        if spare is None:
            result = RunResult(RunStatus.KILLED, notes=("the sandbox could not start a run",))
            return {"op": "result", "id": run_id, "result": result.to_dict()}, None
        output_limit = int(request.get("output_limit") or 65536)
        timeout = float(request.get("timeout") or 5.0)
        first, rest = split_request(request)
        token = secrets.token_hex(16)
        names = [str(s.get("name")) for s in request.get("segments", ())]
        cut = len(first["segments"])
        watch = Watch(
            output_limit,
            first_names=frozenset(names[:cut] + ([] if rest else [execute.EVALUATE])),
            rest_names=frozenset([*names[cut:], execute.EVALUATE]),
            two_part=rest is not None,
            token=token,
        )
        self._set_memory(request)
        kills_before = self._oom_kills()
        # If the spare died, writing fails; its exit status then explains the run below.
        opening = {"request": first, "more": rest is not None}
        if rest is None:
            opening["token"] = token
        with contextlib.suppress(OSError):
            framing.write_all(spare.control, framing.encode(opening))
        if rest is None:
            self._close_control(spare)

        def on_host(chunk: bytes) -> bool:
            if not chunk:
                self.orphaned = True  # the host is gone: stop the run, then exit
                return True
            self.host.feed(chunk)
            return any(_is_cancel(line, run_id) for line in self.host.lines())

        controls: dict[int, Callable[[bytes], bool]] = {sys.stdin.fileno(): on_host}
        if self.iso.lifeline is not None:
            controls[self.iso.lifeline] = self._on_lifeline
        watch.follow(spare.pipes, timeout, controls)
        while rest is not None and not watch.rest_sent and watch.refused is None:
            if watch.answered > watch.gated:
                # The answer ended and the child dropped its leftovers: stop whatever else the
                # run left running now, while the child checks its harness (in parallel).
                watch.gated = watch.answered
                watch.refused = self._gate(spare)
            elif watch.awaiting:
                if watch.gated == 0:  # asked for its check without saying its answer ended
                    watch.gated = 1
                    watch.refused = self._gate(spare)
                    continue
                watch.send_rest()
                with contextlib.suppress(OSError):
                    framing.write_all(spare.control, framing.encode({**rest, "token": token}))
                self._close_control(spare)
                watch.follow(spare.pipes, timeout, controls)
            elif watch.stopped:
                break
            else:
                watch.follow(spare.pipes, timeout, controls)
        self._close_control(spare)
        self._kill_all(spare.pid)
        watch.drain(spare.pipes)
        watch.oom_killed = self._oom_kills() > kills_before
        # Only a run that ended by itself needs its exit status; after a timeout, flood or cancel
        # the answer is known, and waiting for a fork bomb to finish dying would only delay it.
        wait_status = self._exit_status(spare) if watch.exited and watch.report is None else None
        reply = {"op": "result", "id": run_id, "result": watch.result(wait_status).to_dict()}
        return reply, spare

    @staticmethod
    def _close_control(spare: Spare) -> None:
        if spare.control >= 0:
            with contextlib.suppress(OSError):
                os.close(spare.control)
            spare.control = -1

    def _set_memory(self, request: dict[str, Any]) -> None:
        memory = self.iso.memory
        if memory is None:
            return
        megabytes = int(request.get("memory_mb") or self.memory_mb)
        try:
            memory.set_limit(self.memory_baseline + megabytes * 1024 * 1024)
        except (OSError, ValueError) as exc:
            print(f"quiz-worker: cannot set the memory cap: {exc}", file=sys.stderr, flush=True)

    def _oom_kills(self) -> int:
        if self.iso.memory is None:
            return 0
        try:
            return self.iso.memory.oom_kills()
        except (OSError, ValueError):
            return 0

    def _gate(self, spare: Spare) -> str | None:
        """Before a check is sent: nothing of the run may be left to read it but the harness.
        Every other process of the run is killed; a run still holding threads is refused."""
        if self.iso.pid_namespace and self.iso.private_proc:
            others = self._others() - {spare.pid}
            for pid in others:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + _REAP_SECONDS
            while others and time.monotonic() < deadline:
                others = {pid for pid in others if _alive(pid)}
                if others:
                    time.sleep(0.001)
            if others:
                return "processes the answer started could not be stopped before its check"
        threads = _thread_count(spare.pid)
        if threads is None:
            return None if not _alive(spare.pid) else "the run's threads could not be counted"
        if threads > 1:
            return (
                f"the answer left {threads - 1} thread(s) running; its check cannot run beside "
                "them (join every thread you start)"
            )
        return None

    def warm_up(self) -> None:
        """Once, right after the first run or while idle before it: import what a first
        optimizer step needs, then replace the spare (forked before) with one that inherits
        it. A run served before this imports it itself, just slower."""
        self.warmed_up = True
        try:
            # torch._dynamo asks tempfile for a folder at import (the worker's /tmp is
            # read-only) and sets variables of its own: each run must see the run environment.
            saved, tempfile.tempdir = tempfile.tempdir, self.scratch_root
            environment = dict(os.environ)
            try:
                _import_optimizers()
            finally:
                tempfile.tempdir = saved
                os.environ.clear()
                os.environ.update(environment)
        except Exception as exc:  # children import it themselves; nothing is lost
            print(f"quiz-worker: cannot preload the optimizers: {exc}", file=sys.stderr, flush=True)
            return
        gc.freeze()
        hugepages.back_with_huge_pages()
        if self.iso.memory is not None:
            # The cap of a run is counted above the worker's own memory, which just grew.
            with contextlib.suppress(OSError, ValueError):
                self.memory_baseline = self.iso.memory.resident()
        stale, self.spare = self.spare, None
        if stale is not None:
            self._kill_all(stale.pid)
            self._dispose(stale)

    def stop_runs(self) -> None:
        """Kill the spare and whatever the last run left (the worker is about to exit)."""
        spare, self.spare = self.spare, None
        if spare is not None:
            self._kill_all(spare.pid)
            with contextlib.suppress(OSError):
                remove_tree(spare.scratch)

    def _on_lifeline(self, chunk: bytes) -> bool:
        self.orphaned = True  # the outer process died: stop this run, then exit
        return True

    def serve_forever(self) -> None:
        stdin = sys.stdin.fileno()
        watched = [stdin] if self.iso.lifeline is None else [stdin, self.iso.lifeline]
        while not self.orphaned:
            if self.spare is None:
                # A failed fork (a run's processes still dying) is retried at the next request.
                with contextlib.suppress(OSError):
                    self.spare = self.fork_spare()
            if self.trash.pending:
                # What the last runs left is removed in slices, a request never waits for it.
                ready, _, _ = select.select(watched, [], [], 0)
                if not ready:
                    self.trash.work()
                    continue
            elif self.warmed_up:
                ready, _, _ = select.select(watched, [], [])
            else:
                ready, _, _ = select.select(watched, [], [], WARM_UP_AFTER_IDLE_SECONDS)
                if not ready:
                    self.warm_up()
                    continue
            if self.iso.lifeline in ready:
                return
            chunk = os.read(stdin, 1 << 16)
            if not chunk:
                return
            self.host.feed(chunk)
            for line in self.host.lines():
                message = framing.decode(line)
                if message.get("op") != "run":
                    continue  # a late cancel for a run that already ended
                reply, finished = self.run(message.get("id"), message["request"])
                if self.orphaned:
                    return  # nobody to answer; exiting ends everything the run left
                _send(reply)
                if self.early_spare:
                    # The next request may come at once: its child forks while this one dies.
                    with contextlib.suppress(OSError):
                        self.spare = self.fork_spare()
                if finished is not None:
                    self._dispose(finished)
                if not self.warmed_up:
                    # The first run was served as soon as torch was in; the next ones may need
                    # an optimizer, which without this each child would import (~1 s a run).
                    self.warm_up()
                if self.spare is None:
                    with contextlib.suppress(OSError):
                        self.spare = self.fork_spare()


def split_request(request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A request with a learner's answer, cut after its last answer segment: what the child gets
    first, and the rest (check, evaluations) it gets only once the answer ran; None when the
    request has no answer (nothing in it needs hiding from the code that runs)."""
    segments = list(request.get("segments", ()))
    answers = [i for i, s in enumerate(segments) if s.get("name") == ANSWER]
    if not answers:
        return request, None
    cut = answers[-1] + 1
    first = {**request, "segments": segments[:cut], "evaluate": []}
    rest = {"segments": segments[cut:], "evaluate": list(request.get("evaluate", ()))}
    return first, rest


def _alive(pid: int) -> bool:
    """Running, or at least not yet a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _thread_count(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _pipe_fds(pipes: RunPipes) -> tuple[int, ...]:
    return (pipes.stdout, pipes.stderr, pipes.result, pipes.pidfd)


def _is_cancel(line: bytes, run_id: object) -> bool:
    try:
        message = framing.decode(line)
    except framing.FrameError:
        return False
    return message.get("op") == "cancel" and message.get("id") == run_id


def _send(message: dict[str, Any]) -> None:
    framing.write_all(sys.stdout.fileno(), framing.encode(message))


def _import_torch() -> Any:
    import torch

    return torch


def _import_optimizers() -> None:
    """The first optimizer step imports torch._dynamo (sympy, mpmath: ~800 modules, ~1 s).
    Imported in the worker, every later child inherits them; it runs no tensor op, so the
    worker stays single-threaded and safe to fork. It is not on the way to "ready": a cold
    one-shot command would wait that second for a run that never needs it."""
    import torch._dynamo
    import torch.optim  # noqa: F401  (torch imports it today; kept should that change)


def _seed_and_read_sources(torch: Any) -> None:
    """Seed every torch device and detect the CPU once, before any fork; read the child's sources.

    With CUDA not initialised, torch.manual_seed queues each device's seed with a formatted
    stack, which reads the source of every frame through linecache: about 1 ms in a fresh
    child. Done here, each child inherits the queued seeds and only reseeds the CPU generator
    (execute.set_seeds). It runs no tensor op and starts no thread, so the worker stays safe to
    fork. The child's modules are read for the tracebacks a run may still format."""
    torch.manual_seed(0)
    # Detecting the CPU's features (cpuinfo: /proc/cpuinfo, /sys) happens once per process, at
    # its first tensor op otherwise: about 0.25 ms in every child. It starts no thread either.
    torch.backends.cpu.get_cpu_capability()
    for module in (child, execute):
        if module.__file__:
            linecache.getlines(module.__file__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quiz.sandbox.worker")
    parser.add_argument("--scratch-root", required=True)
    parser.add_argument("--scratch-mb", type=int, default=256)
    parser.add_argument("--disable", default="", help="comma-separated protections to skip")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument(
        "--hide", action="append", default=[], help="a path no run may read (repeatable)"
    )
    args = parser.parse_args(argv)
    disable = frozenset(filter(None, args.disable.split(",")))
    iso = isolate(
        args.scratch_root,
        args.scratch_mb,
        PROCESS_LIMIT + 8,
        landlock.python_read_paths(),
        disable,
    )
    # From here on this process is the worker proper (init of its PID namespace when it has one).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        linux.set_process_name(WORKER_NAME)
        linux.prctl(linux.PR_SET_DUMPABLE, 0)
        started = time.monotonic()
        torch = _import_torch()
        import_ms = (time.monotonic() - started) * 1000
        _seed_and_read_sources(torch)
        child.snapshot_harness()
        # Objects that exist now are never collected: children then do not copy their pages.
        gc.freeze()
        # Huge pages make each fork and each run's exit copy and drop a few hundred page-table
        # entries instead of ~50000: about half of what a run costs in CPU.
        hugepages.back_with_huge_pages()
        ruleset, why = (None, OFF) if "landlock" in disable else _landlock(args.scratch_root)
        rules = None
        if ruleset is not None:
            # Opened here once and kept: each child adds them by descriptor.
            rules = landlock.open_rules(landlock.read_rules(landlock.default_readable(), args.hide))
        seccomp_why = OFF if "seccomp" in disable else _seccomp_unavailable()
        if seccomp_why is None:
            seccomp.compile_filter()  # once here: every child only installs it
        plan = build_plan(iso, ruleset, rules, use_seccomp=seccomp_why is None)
        if ruleset is not None:
            os.close(ruleset.fd)  # a probe only: each child builds its own, with its own scratch
        # The environment every run starts from, set once here rather than in every child
        # (each adds only its own HOME and TMPDIR); the worker has no further use for its own.
        os.environ.clear()
        os.environ.update(plan.env)
        if plan.drop_capabilities:
            # Once here rather than in every child: children inherit the empty bounding set, and
            # the worker never execs, so it loses nothing it uses (its effective set stays).
            linux.drop_bounding_set(plan.last_capability)
    except Exception as exc:
        _send({"op": "fatal", "error": f"{type(exc).__name__}: {exc}"})
        return 1
    baseline = 0
    if iso.memory is not None:
        with contextlib.suppress(OSError, ValueError):
            baseline = iso.memory.resident()
    server = Server(iso, plan, args.scratch_root, args.memory_mb, baseline)
    described = describe_protections(iso, ruleset, why, seccomp_why)
    _send(
        {
            "op": "ready",
            "torch": str(torch.__version__),
            "import_ms": round(import_ms, 1),
            "protections": [p.to_dict() for p in described],
        }
    )
    server.serve_forever()
    # The host is gone or closed our stdin. Everything a run started dies with us (as init of
    # our PID namespace, or killed here by process group). No interpreter shutdown: finalising
    # torch's modules takes ~0.3 s, which a one-shot command would wait for (its cgroups can go
    # only once we are dead); nothing of ours is left to flush.
    server.stop_runs()
    os._exit(0)


def _seccomp_unavailable() -> str | None:
    """None when the filter can be applied here; else why not (tried in a throwaway fork)."""
    if not seccomp.supported():
        return f"no filter for this machine ({seccomp.machine()})"
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
            seccomp.install()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return None if os.waitstatus_to_exitcode(status) == 0 else "the kernel refused the filter"


def _landlock(scratch_root: str) -> tuple[landlock.Ruleset | None, str]:
    try:
        return landlock.build(scratch_root, landlock.default_readable()), ""
    except OSError as exc:
        return None, exc.strerror or str(exc)


if __name__ == "__main__":
    sys.exit(main())
