"""The per-user sandbox service: life cycle, identity, peers, fairness and the in-process fallback.

CPU is scarce, so one service with one worker serves most tests of this module (same QUIZ_HOME,
so the same hidden paths: its worker is never replaced between tests). Tests that need a service
of their own (idle exit, an old version, a killed service) use their own runtime folder, and
every service started here is stopped, and its process awaited, before the module ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz.errors import QuizError
from quiz.sandbox import client, hidden
from quiz.sandbox.pool import SandboxPool, shared_pool
from quiz.sandbox.rendezvous import LOCK_NAME, RUNTIME_ENV, SOCKET_NAME, Settings
from tests.sandbox.helpers import STARTUP_SECONDS, request

SETTINGS = Settings(workers=1, memory_mb=1024, output_limit=65536)
CONFIG = "sandbox_workers = 1\nsandbox_memory_mb = 1024\n"
TEST_USER = "quiztest"


def _service_pid(folder: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int((folder / LOCK_NAME).read_text().strip())
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False  # our own child, now reaped
    return True


def _status_or_none() -> dict[str, object] | None:
    try:
        return client.query("status")
    except (client.NoService, client.ServiceGone):
        return None


def _stop_everything(folder: Path, pids: set[int]) -> None:
    """Stop the service politely, then make sure no process it was is left."""
    with contextlib.suppress(QuizError, client.ServiceGone):
        reply = client.query("stop")
        pids.add(int(reply["pid"]))
    found = _service_pid(folder)
    if found:
        pids.add(found)
    for pid in pids:
        if not client.wait_gone(pid, 15.0):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            client.wait_gone(pid, 5.0)


@pytest.fixture(scope="module")
def shared_home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="quiz-service-") as name:
        home = Path(name)
        (home / "config.toml").write_text(CONFIG)
        (home / "print1.py").write_text("print(1)\n")
        yield home


@pytest.fixture
def env(shared_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The module's home and runtime folder with the service on; stopped at the module's end."""
    monkeypatch.setenv("QUIZ_HOME", str(shared_home))
    monkeypatch.setenv("QUIZ_SANDBOX_SERVICE", "on")
    monkeypatch.setenv(RUNTIME_ENV, str(shared_home / "run"))
    # `quiz exec print1.py` hides the file it names: hidden from the start, the shared service's
    # worker is never replaced for it (a longer hidden list renews every worker).
    hidden.hide([shared_home / "print1.py"])
    yield shared_home


@pytest.fixture(scope="module", autouse=True)
def stop_module_service(shared_home: Path) -> Iterator[None]:
    yield
    saved = {k: os.environ.get(k) for k in ("QUIZ_HOME", RUNTIME_ENV)}
    os.environ["QUIZ_HOME"] = str(shared_home)
    os.environ[RUNTIME_ENV] = str(shared_home / "run")
    try:
        _stop_everything(shared_home / "run", set())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def own_runtime(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A runtime folder of this test's own: a service of its own, stopped at the end."""
    folder = tmp_path / "run"
    monkeypatch.setenv(RUNTIME_ENV, str(folder))
    pids: set[int] = set()
    yield folder
    _stop_everything(folder, pids)


def _quiz(
    *args: str, home: Path, timeout: float = STARTUP_SECONDS
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quiz", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
        cwd=home,
    )


def _warm_client() -> client.ServiceClient:
    runner = client.ServiceClient(SETTINGS)
    assert runner.wait_ready(STARTUP_SECONDS), runner.protections()
    return runner


# -- start, stop, status --------------------------------------------------------------------


def test_start_status_stop(env: Path) -> None:
    started = _quiz("sandbox", "start", home=env)
    assert started.returncode == 0, started.stderr
    assert "workers  1 (warm)" in started.stdout
    folder = env / "run"
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert ((folder / SOCKET_NAME).stat().st_mode & 0o777) == 0o600
    pid = _service_pid(folder)
    assert pid is not None and _alive(pid)
    status = _quiz("sandbox", "status", "--json", home=env)
    assert status.returncode == 0 and f'"pid": {pid}' in status.stdout
    stopped = _quiz("sandbox", "stop", home=env)
    assert stopped.returncode == 0 and f"pid {pid}" in stopped.stdout
    assert not _alive(pid)
    assert not (folder / SOCKET_NAME).exists()
    none = _quiz("sandbox", "status", home=env)
    assert none.returncode == 1 and "no sandbox service is running" in none.stdout


def test_exec_uses_the_warm_service_and_results_match(env: Path) -> None:
    runner = _warm_client()
    pid = runner.service_pid
    try:
        result = runner.run(request("import torch\nprint(torch.ones(2).sum().item())"))
        assert result.ok and result.stdout == "2.0\n", result
        assert {p.name for p in runner.protections() if p.active} >= {"wall-clock timeout"}
        assert runner.size == 1 and runner.ready and runner.torch_version
        # Messages far beyond a default 64 KiB line, both ways.
        big = runner.run(request(f"x = {'a' * 300_000!r}\nprint(len(x))\nprint('b' * 60000)"))
        assert big.ok and big.stdout.startswith("300000\n") and len(big.stdout) > 60000
    finally:
        runner.close()
    done = _quiz("exec", "print1.py", home=env)
    assert done.returncode == 0 and done.stdout == "1\n", done.stderr
    assert _service_pid(env / "run") == pid  # the same service served the command


def test_two_commands_at_once_share_one_service(env: Path) -> None:
    _warm_client().close()
    pid = _service_pid(env / "run")
    commands = [
        subprocess.Popen(
            [sys.executable, "-m", "quiz", "exec", "print1.py"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=env,
        )
        for _ in range(2)
    ]
    outputs = [c.communicate(timeout=STARTUP_SECONDS) for c in commands]
    assert [c.returncode for c in commands] == [0, 0], outputs
    assert [out for out, _ in outputs] == ["1\n", "1\n"]
    assert _service_pid(env / "run") == pid


# -- fairness and cancellation --------------------------------------------------------------


async def test_a_busy_client_does_not_starve_another(env: Path) -> None:
    busy, other = _warm_client(), _warm_client()
    try:
        finished: list[str] = []

        async def one(runner: client.ServiceClient, name: str) -> None:
            result = await runner.arun(request("import time\ntime.sleep(0.4)", timeout=10))
            assert result.ok, result
            finished.append(name)

        flood = [asyncio.create_task(one(busy, f"busy-{i}")) for i in range(5)]
        await asyncio.sleep(0.2)  # the flood is queued first
        await one(other, "other")
        await asyncio.gather(*flood)
        # One worker, served in turn: the late single run comes second or third, not last.
        assert finished.index("other") <= 2, finished
    finally:
        busy.close()
        other.close()


async def test_cancelling_a_run_kills_it_in_the_service(env: Path) -> None:
    runner = _warm_client()
    try:
        task = asyncio.create_task(runner.arun(request("while True: pass", timeout=60)))
        await asyncio.sleep(1.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        started = time.monotonic()
        result = await runner.arun(request("print('next')"))
        assert result.ok and result.stdout == "next\n"
        assert time.monotonic() - started < 20  # the spinning run was killed, not waited out
    finally:
        runner.close()


def test_a_closed_connection_cancels_its_runs(env: Path) -> None:
    leaving = _warm_client()
    future = leaving.connection().request(
        999, {"op": "run", "request": request("while True: pass", timeout=60).to_dict()}
    )
    time.sleep(1.0)
    leaving.close()
    with pytest.raises(client.ServiceGone):
        future.result(5)
    deadline = time.monotonic() + 20
    while client.query("status")["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.query("status")["running"] == 0


# -- hidden paths ---------------------------------------------------------------------------


def test_a_clients_hidden_decks_are_hidden_in_the_service(env: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root: the secret is put where runs can read (/usr/local/lib)")
    folder = Path(tempfile.mkdtemp(prefix="quiz-service-test-", dir="/usr/local/lib"))
    try:
        folder.chmod(0o755)
        secret = folder / "deck.yaml"
        secret.write_text("answer: s3cret\n")
        secret.chmod(0o644)
        read = request(f"print(open({str(secret)!r}).read(), end='')")
        runner = _warm_client()
        try:
            assert runner.run(read).stdout == "answer: s3cret\n"  # readable unless hidden
            workers = client.query("status")["worker_pids"]
            hidden.hide([env / "elsewhere.py"])  # outside what runs can read: nothing to renew
            assert runner.run(request("print(2)")).stdout == "2\n"
            assert client.query("status")["worker_pids"] == workers
            hidden.hide([secret])  # the client passes the longer list with its next run
            result = runner.run(read)
            assert result.exception == "PermissionError", result
            assert client.query("status")["worker_pids"] != workers
        finally:
            runner.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- peers ----------------------------------------------------------------------------------


_PEER = textwrap.dedent(
    """
    import socket, sys
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sys.argv[1])
    except PermissionError:
        print("denied"); sys.exit(0)
    # The service speaks first to a stranger (and only to say no); a same-uid peer would wait.
    s.settimeout(20)
    data = b""
    while not data.endswith(b"\\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    print(data.decode().strip() or "closed")
    """
)


def _test_user() -> pwd.struct_passwd:
    if os.getuid() != 0:
        pytest.skip("needs root: a second uid is made with useradd and entered with setuid")
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        made = subprocess.run(["useradd", "-M", TEST_USER], capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"cannot create the test user {TEST_USER}: {made.stderr.strip()}")
        return pwd.getpwnam(TEST_USER)


def test_another_uid_is_refused(env: Path) -> None:
    user = _test_user()
    _warm_client().close()
    folder, sock = env / "run", env / "run" / SOCKET_NAME

    def peer() -> str:
        done = subprocess.run(
            ["/usr/bin/python3", "-c", _PEER, str(sock)],
            capture_output=True,
            text=True,
            timeout=60,
            user=user.pw_uid,
            group=user.pw_gid,
            extra_groups=[],
            cwd="/",
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    # The folder is 0700 and the socket 0600: another user cannot even connect ...
    modes = [(p, p.stat().st_mode & 0o777) for p in (env, folder, sock)]
    env.chmod(0o755)
    try:
        assert peer() == "denied"
        # ... and if the permissions were opened, SO_PEERCRED still turns it away.
        folder.chmod(0o711)
        sock.chmod(0o666)
        answer = peer()
        assert '"op": "refused"' in answer and '"pid"' not in answer, answer
    finally:
        for path, mode in modes:
            path.chmod(mode)
    assert client.query("status")["pid"] == _service_pid(folder)  # still serving its own user


# -- its own end, and its replacement -------------------------------------------------------


def test_idle_service_exits_by_itself(own_runtime: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_SANDBOX_IDLE_SECONDS", "1.5")
    runner = client.ServiceClient(SETTINGS)
    runner.connection()
    pid = runner.service_pid
    assert pid is not None
    time.sleep(2.5)
    assert _alive(pid)  # a connected command keeps it, however quiet
    runner.close()
    assert client.wait_gone(pid, 20.0), "the idle service did not exit"
    assert not (own_runtime / SOCKET_NAME).exists()


def test_an_older_service_is_replaced(own_runtime: Path) -> None:
    own_runtime.mkdir(mode=0o700)
    # A service as an older quiz would run it: same code, another version in its handshake.
    old = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, quiz; quiz.__version__ = '0.0.1'; "
            "from quiz.sandbox.service import main; sys.exit(main(sys.argv[1:]))",
            f"--workers={SETTINGS.workers}",
            f"--memory-mb={SETTINGS.memory_mb}",
            f"--output-limit={SETTINGS.output_limit}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _status_or_none() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.query("status")["identity"]["quiz"] == "0.0.1"
        runner = client.ServiceClient(SETTINGS)
        try:
            result = runner.run(request("print('new')"))
            assert result.ok and result.stdout == "new\n"
            assert runner.service_pid != old.pid
        finally:
            runner.close()
        assert old.wait(20) == 0
        assert client.query("status")["identity"]["quiz"] != "0.0.1"
    finally:
        if old.poll() is None:
            old.kill()
            old.wait()


def test_a_service_whose_workers_cannot_start_ends_itself(own_runtime: Path) -> None:
    own_runtime.mkdir(mode=0o700)
    # Workers that exit at once (as with a broken torch): the pool gives up after three tries.
    broken = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, types, quiz.sandbox.process as p; "
            "p.sys = types.SimpleNamespace(executable='/bin/false'); "
            "from quiz.sandbox.service import main; sys.exit(main(sys.argv[1:]))",
            f"--workers={SETTINGS.workers}",
            f"--memory-mb={SETTINGS.memory_mb}",
            f"--output-limit={SETTINGS.output_limit}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = broken.communicate(timeout=60)
        assert broken.returncode == 1
        assert "the sandbox did not start: the worker exited" in err and "stopping" in err, err
        assert not (own_runtime / SOCKET_NAME).exists()  # nobody is served by it
    finally:
        if broken.poll() is None:
            broken.kill()
            broken.wait()


def test_a_killed_service_is_replaced_by_the_next_command(own_runtime: Path) -> None:
    runner = _warm_client()
    pid = runner.service_pid
    assert pid is not None
    runner.close()
    os.kill(pid, signal.SIGKILL)
    assert client.wait_gone(pid, 10.0)
    assert (own_runtime / SOCKET_NAME).exists()  # left behind by the dead service
    done = _quiz("exec", "print1.py", home=Path(os.environ["QUIZ_HOME"]))
    assert done.returncode == 0 and done.stdout == "1\n", done.stderr
    new = _service_pid(own_runtime)
    assert new is not None and new != pid and _alive(new)


# -- the in-process fallback ----------------------------------------------------------------


def test_no_service_runs_an_own_pool(env: Path, own_runtime: Path) -> None:
    done = _quiz("--no-service", "exec", "print1.py", home=env)
    assert done.returncode == 0 and done.stdout == "1\n", done.stderr
    assert not (own_runtime / SOCKET_NAME).exists()  # nothing was started


def test_the_choice_is_made_in_one_place(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUIZ_SANDBOX_SERVICE")
    assert client.use_service("on") and not client.use_service("off")
    (env / "config.toml").write_text(CONFIG + 'sandbox_service = "off"\n')
    try:
        assert not client.use_service()
        monkeypatch.setenv("QUIZ_SANDBOX_SERVICE", "on")
        assert client.use_service()
        monkeypatch.setenv("QUIZ_SANDBOX_SERVICE", "maybe")
        with pytest.raises(QuizError, match="on or off"):
            client.use_service()
    finally:
        (env / "config.toml").write_text(CONFIG)


def test_shared_pool_follows_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    import quiz.sandbox.pool as pool_module

    monkeypatch.setattr(pool_module, "_shared", None)
    monkeypatch.setattr(SandboxPool, "start", lambda self: self)  # no worker is needed here
    monkeypatch.setattr(client.ServiceClient, "start", lambda self: self)
    monkeypatch.setenv("QUIZ_SANDBOX_SERVICE", "off")
    assert isinstance(shared_pool(), SandboxPool)
    monkeypatch.setattr(pool_module, "_shared", None)
    monkeypatch.setenv("QUIZ_SANDBOX_SERVICE", "on")
    assert isinstance(shared_pool(), client.ServiceClient)
    monkeypatch.setattr(pool_module, "_shared", None)


# -- one worker first -----------------------------------------------------------------------


def test_a_pool_starts_one_worker_first() -> None:
    with SandboxPool(workers=2, memory_mb=1024) as pool:
        assert len(pool.worker_pids()) == 1  # the first result waits for one import only
        result = pool.run(request("print(1)"))
        assert result.ok and result.stdout == "1\n"
        assert pool.wait_ready(STARTUP_SECONDS)  # the second follows the first
        assert len(pool.worker_pids()) == 2
