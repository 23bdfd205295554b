"""The holes a hostile participant found (issue 9), each closed: host IPC, memory counted per run,
runs that touch each other, the answer key, forged passes. Each case's expectation follows the
protections this machine grants, so the unprivileged path (CI's test user) is checked too."""

from __future__ import annotations

import ctypes
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz.deck.judge import passed
from quiz.paths import bundled_decks_dir
from quiz.sandbox import protections as names
from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import ANSWER, CARD, CHECK, RunRequest, RunResult, RunStatus, Segment
from tests.sandbox.corpus import COVERED_BY_HARDENING
from tests.sandbox.helpers import HOSTILE, STARTUP_SECONDS, request, wait_for_spares

MEMORY_MB = 512


@pytest.fixture(scope="module")
def hard_pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2, memory_mb=MEMORY_MB) as warm:
        assert warm.wait_ready(STARTUP_SECONDS), warm.protections()
        yield warm


@pytest.fixture(scope="module")
def active(hard_pool: SandboxPool) -> set[str]:
    return {p.name for p in hard_pool.protections() if p.active}


def hostile(name: str, **values: str) -> str:
    assert name in COVERED_BY_HARDENING
    text = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def answer_run(
    pool: SandboxPool, answer: str, check: str = "assert result == 42", timeout: float = 5.0
) -> RunResult:
    segments = (Segment(CARD, "result = 0\n"), Segment(ANSWER, answer), Segment(CHECK, check))
    return pool.run(RunRequest(segments, timeout=timeout))


def still_serving(pool: SandboxPool) -> None:
    assert wait_for_spares(pool), "a worker died after the run"
    for _ in range(pool.size + 1):
        after = pool.run(request("print('still serving')"))
        assert (after.status, after.stdout) == (RunStatus.OK, "still serving\n"), after


# -- 1. no host IPC ------------------------------------------------------------------------------
def test_a_host_unix_socket_is_out_of_reach(hard_pool: SandboxPool, active: set[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "agent.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        os.chmod(folder, 0o755)
        server.listen(1)
        server.setblocking(False)
        try:
            result = hard_pool.run(request(hostile("unix_socket_host", UNIX_SOCKET=path)))
            if names.SYSCALL_FILTER in active:
                assert (result.status, result.exception) == (RunStatus.ERROR, "PermissionError")
            assert result.status is RunStatus.ERROR, result
            with pytest.raises(BlockingIOError):
                server.accept()
        finally:
            server.close()
    still_serving(hard_pool)


@pytest.fixture
def host_segment() -> Iterator[int]:
    libc = ctypes.CDLL(None, use_errno=True)
    key = int(uuid.uuid4().int % 0x7FFF0000) + 1
    segment = libc.shmget(key, 4096, 0o1600)
    if segment < 0:
        pytest.skip("this host refuses System V shared memory")
    yield key
    libc.shmctl(segment, 0, None)  # IPC_RMID


def test_host_shared_memory_is_out_of_reach(
    hard_pool: SandboxPool, active: set[str], host_segment: int
) -> None:
    result = hard_pool.run(request(hostile("sysv_shared_memory", SHM_KEY=str(host_segment))))
    if names.IPC_NAMESPACE in active:
        assert (result.status, result.stdout) == (RunStatus.OK, "no host segment\n"), result
    still_serving(hard_pool)


def test_ipc_left_by_a_run_is_gone_for_the_next(hard_pool: SandboxPool, active: set[str]) -> None:
    if names.IPC_NAMESPACE not in active:
        pytest.skip("no IPC namespace on this machine: " + str(hard_pool.protections()))
    key = str(uuid.uuid4().int % 0x7FFF0000 + 1)
    first = hard_pool.run(request(hostile("sysv_leftover_queue", SHM_KEY=key)))
    assert (first.status, first.stdout) == (RunStatus.OK, "created\n"), first
    probe = "import ctypes\nq = ctypes.CDLL(None).msgget(int(@KEY@), 0)\nprint(q >= 0)\n"
    for _ in range(hard_pool.size + 1):
        again = hard_pool.run(request(probe.replace("@KEY@", key)))
        assert (again.status, again.stdout) == (RunStatus.OK, "False\n"), again


def test_the_session_keyring_is_out_of_reach(hard_pool: SandboxPool, active: set[str]) -> None:
    result = hard_pool.run(request(hostile("keyring")))
    if names.SYSCALL_FILTER in active:
        assert (result.status, result.exception) == (RunStatus.ERROR, "PermissionError"), result
    still_serving(hard_pool)


# -- 2. memory caps per run ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["memory_children", "memfd_bomb"])
def test_everything_a_run_starts_counts_against_one_cap(
    hard_pool: SandboxPool, active: set[str], name: str
) -> None:
    result = hard_pool.run(request(hostile(name), timeout=10.0, memory_mb=256))
    if names.MEMORY_CGROUP in active:
        assert result.status is RunStatus.MEMORY, result
    else:
        # Without a memory cgroup the per-process cap cannot add these up; doctor says so.
        assert result.status in (RunStatus.OK, RunStatus.MEMORY, RunStatus.ERROR), result
    still_serving(hard_pool)


# -- 3. runs cannot touch each other -----------------------------------------------------------
def test_squatting_the_next_runs_names_breaks_nothing(hard_pool: SandboxPool) -> None:
    marker = "quiz-squat-" + uuid.uuid4().hex[:8]
    hard_pool.run(request(hostile("scratch_squatter", MARKER=marker)))
    still_serving(hard_pool)
    look = f"import os\nprint(os.path.exists(os.path.join('..', {marker!r})))\n"
    for _ in range(hard_pool.size + 1):
        seen = hard_pool.run(request(look))
        assert (seen.status, seen.stdout) == (RunStatus.OK, "False\n"), seen


def test_a_run_that_floods_its_folder_leaves_room_for_the_next(hard_pool: SandboxPool) -> None:
    flood = hard_pool.run(request(hostile("file_flood"), timeout=5.0))
    assert flood.status in (RunStatus.OK, RunStatus.TIMEOUT), flood
    # Each worker in turn: its next run finds an empty folder with room to write in it, and
    # the flood's files (set aside, removed between requests) are out of its reach.
    write = "import os\nos.makedirs('a/b')\nopen('a/b/x', 'w').write('y' * 4096)\n"
    write += "try:\n    beside = os.listdir('..')\nexcept OSError:\n    beside = []\n"
    write += "print(sorted(os.listdir('.')), beside)\n"
    for _ in range(2 * hard_pool.size):
        after = hard_pool.run(request(write))
        assert after.status is RunStatus.OK, after
        assert after.stdout.startswith("['a']"), after.stdout
        assert ".trash-" not in after.stdout and "d0" not in after.stdout, after.stdout
    still_serving(hard_pool)


def test_a_run_writes_only_its_own_folder(hard_pool: SandboxPool, active: set[str]) -> None:
    attempt = "open('../beside.txt', 'w').write('x')\n"
    result = hard_pool.run(request(attempt))
    if names.FILESYSTEM_LANDLOCK in active:
        assert (result.status, result.exception) == (RunStatus.ERROR, "PermissionError"), result
    look = hard_pool.run(request("import os\nprint(os.path.exists('../beside.txt'))\n"))
    assert look.stdout == "False\n"


def test_a_run_holds_no_descriptor_but_its_own_pipes(hard_pool: SandboxPool) -> None:
    # The worker keeps Landlock's rule paths open (O_PATH) for its children to build their
    # rulesets from; no child may keep one (openat() beneath it), nor the ruleset, nor a host pipe.
    look = (
        "import os\nopen_fds = []\nfor fd in range(4096):\n    try:\n        os.fstat(fd)\n"
        "    except OSError:\n        continue\n    open_fds.append(fd)\nprint(open_fds)\n"
    )
    result = hard_pool.run(request(look))
    assert result.status is RunStatus.OK, result
    # stdin, stdout, stderr, the result pipe and the control pipe (closed once the run started).
    assert set(eval(result.stdout)) <= {0, 1, 2, 3, 4}, result.stdout


def test_a_run_that_kills_the_next_spare_does_not_fail_the_next_run(
    hard_pool: SandboxPool,
) -> None:
    killer = (
        "import os, signal\n"
        "for e in os.listdir('/proc'):\n"
        "    if e.isdigit() and int(e) not in (1, os.getpid()):\n"
        "        try:\n"
        "            os.kill(int(e), signal.SIGKILL)\n"
        "        except OSError:\n"
        "            pass\n"
    )
    hard_pool.run(request(killer))
    still_serving(hard_pool)


# -- 4. the answer key stays hidden --------------------------------------------------------------
def test_deck_files_are_unreadable(hard_pool: SandboxPool, active: set[str]) -> None:
    if names.FILESYSTEM_LANDLOCK not in active:
        pytest.skip("no Landlock on this machine")
    deck = sorted(Path(bundled_decks_dir()).glob("*.yaml"))[0]
    result = hard_pool.run(request(hostile("read_decks", DECK_FILE=str(deck))))
    assert (result.status, result.exception) == (RunStatus.ERROR, "PermissionError"), result
    assert "cards:" not in result.stdout


def test_the_check_is_not_in_memory_while_the_answer_runs(hard_pool: SandboxPool) -> None:
    token = uuid.uuid4().hex
    answer = hostile("read_check_source", TOKEN=token)
    result = answer_run(hard_pool, answer, check=f"secret = 'zq{token}'\nassert result == 42\n")
    assert "check source not in memory" in result.stdout, result
    assert not passed(result)


# -- 5. harder to forge -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "forged_report",
        "fake_check_segment",
        "patched_harness",
        "timer_handler",
        "blinded_integrity",
        "early_answered",
    ],
)
def test_known_forgeries_are_graded_as_failing(hard_pool: SandboxPool, name: str) -> None:
    # A check that runs long enough for a leftover timer to fire inside it many times.
    check = "for _ in range(20000):\n    pass\nassert result == 42\n"
    result = answer_run(hard_pool, hostile(name), check=check)
    assert not passed(result), result
    still_serving(hard_pool)


def test_an_honest_answer_still_passes_and_a_wrong_one_fails(hard_pool: SandboxPool) -> None:
    assert passed(answer_run(hard_pool, "result = 42\n"))
    assert not passed(answer_run(hard_pool, "result = 41\n"))


def test_an_answer_that_leaves_a_thread_cannot_watch_its_check(hard_pool: SandboxPool) -> None:
    answer = "import threading, time\nthreading.Thread(target=time.sleep, args=(2,)).start()\n"
    result = answer_run(hard_pool, answer + "result = 42\n")
    assert not passed(result)
    assert any("thread" in note for note in result.notes), result


def test_leftovers_of_the_answer_never_see_the_check(hard_pool: SandboxPool) -> None:
    token = uuid.uuid4().hex
    check = f"secret = 'zq{token}'\nassert result == 42\n"
    result = answer_run(hard_pool, hostile("leftover_reader"), check=check)
    assert f"zq{token}" not in result.stdout + result.stderr, result
    assert not passed(result)
    # Without the thread, the process alone is killed before the check is sent.
    only_fork = hostile("leftover_reader").replace(
        "threading.Thread(target=steal, daemon=True).start()", "result = 42"
    )
    result = answer_run(hard_pool, only_fork, check=check)
    assert f"zq{token}" not in result.stdout + result.stderr, result
    still_serving(hard_pool)
