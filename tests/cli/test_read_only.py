"""A read-only home: the CLI reads the reviews and says the folder is read-only when asked to
save, never "not a readable quiz database" and never a traceback.

Run for real: as root (where permissions do not stop writes) the commands run as `nobody` in a
folder root owns; as any other user the folder is made read-only with chmod.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import DECK
from tests.srs.damage import reviewed_store

NOBODY = 65534
ROOT = os.geteuid() == 0
SETPRIV = shutil.which("setpriv") or "setpriv"


@pytest.fixture
def read_only_home() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="quiz-ro-home-"))
    try:
        reviewed_store(home / "quiz.db", DECK, 3)
        home.chmod(0o755 if ROOT else 0o555)
        (home / "quiz.db").chmod(0o644 if ROOT else 0o444)
        yield home
    finally:
        home.chmod(0o755)
        shutil.rmtree(home, ignore_errors=True)


def _quiz(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
    env["QUIZ_HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    as_nobody = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return subprocess.run(
        [*(as_nobody if ROOT else []), sys.executable, "-m", "quiz", *argv],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(autouse=True)
def _unprivileged_python_works() -> None:
    try:
        probe = _quiz(Path("/nonexistent"), "--version")
    except OSError as exc:
        pytest.skip(f"cannot run a command as an unprivileged user: {exc}")
    if probe.returncode != 0:
        pytest.skip(f"this python cannot run as an unprivileged user: {probe.stderr[-200:]}")


def test_reading_works_in_a_read_only_home(read_only_home: Path) -> None:
    for argv in (["config"], ["history", "d/c00001"], ["stats"]):
        done = _quiz(read_only_home, *argv)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        assert "not a readable quiz database" not in done.stderr
    history = _quiz(read_only_home, "history", "d/c00001")
    assert "d/c00001: review" in history.stdout or "1 review" in history.stdout


def test_saving_in_a_read_only_home_says_the_folder_is_read_only(read_only_home: Path) -> None:
    before = (read_only_home / "quiz.db").read_bytes()
    for argv in (["config", "new-per-day", "5"], ["doctor", "--rebuild", "--json"]):
        done = _quiz(read_only_home, *argv)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"the folder {read_only_home} is read-only" in done.stderr
        assert "Traceback" not in done.stderr
        assert "not a readable quiz database" not in done.stderr
    assert (read_only_home / "quiz.db").read_bytes() == before
    assert sorted(p.name for p in read_only_home.iterdir()) == ["quiz.db"]


def test_a_home_that_cannot_be_created_is_read_only_too(read_only_home: Path) -> None:
    done = _quiz(read_only_home / "sub", "config")
    assert done.returncode == 0, done.stderr
    done = _quiz(read_only_home / "sub", "config", "new-per-day", "5")
    assert done.returncode == 2
    assert "is read-only" in done.stderr and "Traceback" not in done.stderr


def test_a_home_behind_a_folder_this_user_may_not_enter(tmp_path: Path) -> None:
    closed = Path(tempfile.mkdtemp(prefix="quiz-closed-"))
    try:
        closed.chmod(0o700 if ROOT else 0o000)
        done = _quiz(closed / "home", "config")
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"cannot reach {closed / 'home' / 'quiz.db'}: Permission denied" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        closed.chmod(0o755)
        shutil.rmtree(closed, ignore_errors=True)
