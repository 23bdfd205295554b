"""The pool through its public API, against real workers: results, seeds, isolation between runs,
concurrency, cancellation, and workers that die."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from quiz.errors import QuizError
from quiz.sandbox import protections as names
from quiz.sandbox.limits import RUN_ENVIRONMENT
from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import ANSWER, CARD, CHECK, RunRequest, RunStatus, Segment
from quiz.sandbox.worker import WARM_UP_AFTER_IDLE_SECONDS
from tests.sandbox.helpers import (
    STARTUP_SECONDS,
    request,
    wait_for_no_leftovers,
    wait_for_spares,
)

TYPICAL_CARD = """
import torch
from torch import nn

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(2))
        self.register_buffer("b", torch.zeros(2))
        self.t = torch.ones(2)

print(sorted(M().state_dict()))
"""


def test_a_typical_card_runs(pool: SandboxPool) -> None:
    result = pool.run(request(TYPICAL_CARD))
    assert result.status is RunStatus.OK, result
    assert result.stdout == "['b', 'w']\n"
    assert result.duration_ms > 0


OPTIMIZER_CARD = """
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
for optimizer in (torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                  torch.optim.Adam(model.parameters(), lr=0.01)):
    loss = model(torch.ones(4, 3)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(type(optimizer).__name__, sorted(optimizer.state_dict()["state"]))
"""


def test_an_optimizer_step_runs(pool: SandboxPool) -> None:
    # The first .step() imports modules lazily (torch._dynamo, and cProfile through it): they
    # must be importable under Landlock's read rules, and preloaded so that it stays fast.
    result = pool.run(request(OPTIMIZER_CARD, timeout=30.0))
    assert result.status is RunStatus.OK, result
    assert result.stdout == "SGD [0, 1]\nAdam [0, 1]\n"


def test_an_idle_worker_preloads_the_optimizers_for_later_runs(pool: SandboxPool) -> None:
    # "ready" comes before torch._dynamo is imported (a cold one-shot command would wait ~1 s
    # for it); a worker left idle imports it then, and the runs after inherit it.
    probe = request("import sys\nprint('torch._dynamo' in sys.modules)\n")
    deadline = time.monotonic() + 60
    while (result := pool.run(probe)).stdout != "True\n":
        assert result.status is RunStatus.OK, result
        assert time.monotonic() < deadline, "no worker preloaded torch._dynamo while idle"
        time.sleep(WARM_UP_AFTER_IDLE_SECONDS * 3)


def test_runs_after_the_first_inherit_the_optimizers_even_back_to_back() -> None:
    # A busy worker is never idle: it imports them right after its first run, or every later
    # child would import torch._dynamo itself (~1 s each: `quiz check` of a deck with optimizers).
    probe = request("import sys\nprint('torch._dynamo' in sys.modules)\n")
    with SandboxPool(workers=1) as one:
        assert one.wait_ready(STARTUP_SECONDS)
        first, second = one.run(probe), one.run(probe)
    assert first.status is RunStatus.OK, first
    assert second.stdout == "True\n", second


def test_a_worker_is_ready_without_importing_the_optimizers() -> None:
    probe = "import sys\nfrom quiz.sandbox import worker\nworker._import_torch()\n"
    probe += "print('torch._dynamo' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_segments_values_and_traceback_through_a_worker(pool: SandboxPool) -> None:
    segments = (
        Segment(CARD, "import torch\nx = torch.ones(2)\n"),
        Segment(ANSWER, "y = x * 3\n"),
        Segment(CHECK, "z = 1\nassert y.sum() == 7, 'wrong sum'\n"),
    )
    result = pool.run(RunRequest(segments, evaluate=("z",)))
    assert (result.status, result.exception, result.segment) == (
        RunStatus.ERROR,
        "AssertionError",
        CHECK,
    )
    assert result.traceback is not None
    lines = result.traceback.splitlines()
    assert lines[:3] == [
        "Traceback (most recent call last):",
        '  File "<check>", line 2, in <module>',
        "    assert y.sum() == 7, 'wrong sum'",
    ]
    assert lines[-1] == "AssertionError: wrong sum"
    assert len([line for line in lines if line.startswith("  File")]) == 1
    ok = pool.run(RunRequest(segments[:2], evaluate=("y.tolist()", "x.shape")))
    assert ok.values == ("[3.0, 3.0]", "torch.Size([2])")


def test_torch_frames_are_not_in_the_traceback(pool: SandboxPool) -> None:
    result = pool.run(request("import torch\n\ntorch.ones(2) @ torch.ones(3)\n"))
    assert result.exception == "RuntimeError"
    assert result.traceback is not None
    assert 'File "<card>", line 3, in <module>' in result.traceback
    assert "site-packages" not in result.traceback


def test_seeds_make_runs_repeat(pool: SandboxPool) -> None:
    source = "import random, torch\nprint(torch.rand(3).tolist(), random.random())\n"
    first = pool.run(request(source))
    second = pool.run(request(source))
    assert first.status is RunStatus.OK
    assert first.stdout == second.stdout
    assert first.stdout.split("] ")[1].strip() == str(random.Random(0).random())


def test_a_run_starts_as_if_torch_manual_seed_0_had_just_been_called(pool: SandboxPool) -> None:
    source = (
        "import torch\nfirst = torch.rand(3)\ntorch.manual_seed(0)\n"
        "print(torch.equal(first, torch.rand(3)), torch.initial_seed())\n"
    )
    result = pool.run(request(source))
    assert result.stdout == "True 0\n", result


def test_a_run_sees_exactly_the_run_environment(pool: SandboxPool) -> None:
    source = "import json, os\nprint(json.dumps(dict(os.environ)))\n"
    result = pool.run(request(source))
    assert result.status is RunStatus.OK, result
    seen = json.loads(result.stdout)
    assert seen.pop("HOME") == seen.pop("TMPDIR")
    assert seen == RUN_ENVIRONMENT


def test_sys_exit_through_a_worker(pool: SandboxPool) -> None:
    clean = pool.run(request("import sys\nprint('a')\nsys.exit()\nprint('b')\n"))
    assert (clean.status, clean.stdout, clean.segment) == (RunStatus.OK, "a\n", CARD)
    failed = pool.run(request("import sys\nsys.exit(4)\n"))
    assert (failed.status, failed.exception) == (RunStatus.ERROR, "SystemExit")


def test_each_run_has_a_fresh_empty_scratch_directory(pool: SandboxPool) -> None:
    source = "import os\nprint(sorted(os.listdir('.')))\nopen('left.txt', 'w').write('x')\n"
    results = [pool.run(request(source)) for _ in range(3)]
    assert [r.stdout for r in results] == ["[]\n"] * 3
    where = pool.run(
        request(
            "import os, tempfile\nprint(os.getcwd() == os.environ['HOME'] == tempfile.gettempdir())"
        )
    )
    assert where.stdout == "True\n"


def test_code_that_breaks_json_and_os_write_still_gets_its_result(pool: SandboxPool) -> None:
    source = "import json, os\njson.dumps = None\nos.write = None\nraise ValueError('x')\n"
    result = pool.run(request(source))
    assert (result.status, result.exception) == (RunStatus.ERROR, "ValueError")


def test_stdin_is_empty(pool: SandboxPool) -> None:
    result = pool.run(request("input()"))
    assert result.exception == "EOFError"


def test_output_cap_per_request(pool: SandboxPool) -> None:
    result = pool.run(RunRequest((Segment(CARD, "print('x' * 5000)"),), output_limit=1024))
    assert result.status is RunStatus.OUTPUT_LIMIT
    assert result.stdout.startswith("x" * 1024 + "\n[... output truncated at 1 KiB")


def test_concurrent_runs_from_many_threads(pool: SandboxPool) -> None:
    results: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        result = pool.run(request(f"import time\ntime.sleep(0.05)\nprint({n})"))
        with lock:
            results.append(result.stdout)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == sorted(f"{n}\n" for n in range(8))


async def test_arun_returns_the_result(pool: SandboxPool) -> None:
    result = await pool.arun(request("print(6 * 7)"))
    assert result.stdout == "42\n"


async def test_cancelling_arun_kills_the_run_and_frees_its_worker(pool: SandboxPool) -> None:
    slow = [
        asyncio.create_task(pool.arun(request("import time\ntime.sleep(60)", timeout=30)))
        for _ in range(pool.size)
    ]
    await asyncio.sleep(0.5)  # both runs are now in their workers
    for task in slow:
        task.cancel()
    for task in slow:
        with pytest.raises(asyncio.CancelledError):
            await task
    started = time.monotonic()
    quick = await asyncio.gather(*(pool.arun(request("print('free')")) for _ in range(pool.size)))
    assert [r.stdout for r in quick] == ["free\n"] * pool.size
    # Far below the 30 s the cancelled runs would have held their workers.
    assert time.monotonic() - started < 10
    assert wait_for_no_leftovers(pool) == {}
    assert wait_for_spares(pool)


def test_bad_requests_are_clear_errors(pool: SandboxPool) -> None:
    with pytest.raises(QuizError, match="timeout must be a positive number"):
        pool.run(request("pass", timeout=0))
    with pytest.raises(QuizError, match="workers must be"):
        SandboxPool(workers=0)
    with pytest.raises(QuizError, match="cannot disable"):
        SandboxPool(disable=["everything"])


def test_protections_are_described(pool: SandboxPool) -> None:
    found = {p.name: p for p in pool.protections()}
    for name in (names.MEMORY_LIMIT, names.WALL_TIMEOUT, names.OUTPUT_CAP, names.CLEAN_ENVIRONMENT):
        assert found[name].active
    for name in (names.USER_NAMESPACE, names.PID_NAMESPACE, names.FILESYSTEM_LANDLOCK):
        assert name in found and found[name].why
    assert pool.torch_version


CAPABILITIES_CARD = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
# PR_CAPBSET_READ: 1 while the capability is still in the bounding set (-1: unknown to the kernel)
bounding = [cap for cap in range(64) if libc.prctl(23, cap, 0, 0, 0) == 1]
header = (ctypes.c_uint32 * 2)(0x20080522, 0)
data = (ctypes.c_uint32 * 6)()
assert libc.capget(header, data) == 0
print(bounding, list(data), libc.prctl(39, 0, 0, 0, 0))  # PR_GET_NO_NEW_PRIVS
"""


def test_a_run_holds_no_capability_and_cannot_gain_one(pool: SandboxPool) -> None:
    found = {p.name: p for p in pool.protections()}
    if not found[names.CAPABILITIES].active:
        pytest.skip(found[names.CAPABILITIES].why)
    result = pool.run(request(CAPABILITIES_CARD))
    assert result.status is RunStatus.OK, result
    assert result.stdout == "[] [0, 0, 0, 0, 0, 0] 1\n"


def test_a_run_after_close_is_an_error() -> None:
    closed = SandboxPool(workers=1)
    closed.close()
    with pytest.raises(QuizError, match="closed"):
        closed.run(request("pass"))


@pytest.fixture(scope="module")
def lone_pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=1, memory_mb=512) as one:
        assert one.wait_ready(STARTUP_SECONDS)
        yield one


def _wait_until_dead(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except OSError:
            return
        time.sleep(0.01)


def test_a_worker_killed_while_idle_is_replaced_transparently(lone_pool: SandboxPool) -> None:
    assert lone_pool.wait_ready(STARTUP_SECONDS)
    (victim,) = lone_pool.worker_pids()
    os.kill(victim, signal.SIGKILL)
    _wait_until_dead(victim)
    result = lone_pool.run(request("print('fine')"))
    assert (result.status, result.stdout) == (RunStatus.OK, "fine\n")
    assert lone_pool.worker_pids() != [victim]


def test_a_worker_killed_during_a_run_gives_killed_then_recovers(lone_pool: SandboxPool) -> None:
    assert lone_pool.wait_ready(STARTUP_SECONDS)
    (victim,) = lone_pool.worker_pids()
    threading.Timer(0.5, os.kill, args=(victim, signal.SIGKILL)).start()
    result = lone_pool.run(request("import time\ntime.sleep(20)", timeout=15))
    assert result.status is RunStatus.KILLED
    assert "replaced" in " ".join(result.notes)
    assert lone_pool.run(request("print('again')")).stdout == "again\n"
    assert lone_pool.wait_ready(STARTUP_SECONDS)
