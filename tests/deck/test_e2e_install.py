"""End to end: build the wheel, install it (not editable) into a fresh virtualenv, and run
`quiz check` there: it must find and prove the bundled decks shipped inside the package.

The fresh venv gets the package with --no-deps; its dependencies (torch, textual, ...) resolve
from the current environment through a .pth file, so no multi-GB download happens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from quiz.deck.library import deck_files, load_library
from quiz.paths import bundled_decks_dir

REPO = Path(__file__).resolve().parents[2]


def _run(
    args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)


@pytest.mark.slow
def test_installed_wheel_checks_its_bundled_decks(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)]
    )
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = wheels.glob("quiz-*.whl")

    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ]
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    venv_site = Path(site.stdout.strip())
    # Dependencies come from this environment, after the fresh venv's own site-packages.
    (venv_site / "_deps_from_test_env.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )

    home, work = tmp_path / "home", tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "QUIZ_HOME": str(home)}
    env.pop("PYTHONPATH", None)
    quiz = str(venv / "bin" / "quiz")
    where = _run([quiz, "locate", "--json"], cwd=work, env=env)
    assert where.returncode == 0, where.stderr
    bundled = Path(json.loads(where.stdout)["bundled_decks"])
    assert bundled.is_relative_to(venv_site), bundled

    proc = _run([quiz, "check", "--json"], cwd=work, env=env)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    failed = [f"{r['deck']}/{r['card']}: {r['message']}" for r in rows if r["status"] != "pass"]
    assert not failed, "\n".join(failed)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    expected = sum(len(d.cards) for d in load_library(deck_files(bundled_decks_dir())).decks)
    assert len(rows) == expected > 0
    assert all(Path(row["file"]).is_relative_to(bundled) for row in rows)
    assert {row["status"] for row in rows} == {"pass"}
