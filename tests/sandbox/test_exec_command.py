"""`quiz exec FILE.py [--json]`: the command-line face of the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quiz.cli import main


def test_a_good_file_prints_its_output_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "good.py"
    script.write_text("import torch\nprint(torch.ones(2).sum().item())\n", encoding="utf-8")
    assert main(["exec", str(script)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "2.0\n"
    assert captured.err.startswith("quiz exec: ok in ")


def test_a_failing_file_gives_its_traceback_under_its_own_name_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "broken.py"
    script.write_text("x = 1\nraise KeyError('k')\n", encoding="utf-8")
    assert main(["exec", str(script), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {"status", "stdout", "stderr", "exception", "traceback", "duration_ms"} <= set(data)
    assert (data["status"], data["exception"], data["segment"]) == (
        "error",
        "KeyError",
        "broken.py",
    )
    assert 'File "broken.py", line 2, in <module>' in data["traceback"]


def test_a_timeout_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "slow.py"
    script.write_text("while True:\n    pass\n", encoding="utf-8")
    assert main(["exec", str(script), "--timeout", "0.5"]) == 1
    assert "quiz exec: timeout" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["missing", "directory", "binary"])
def test_an_unreadable_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    target = tmp_path / "target.py"
    if kind == "directory":
        target.mkdir()
    elif kind == "binary":
        target.write_bytes(b"\xff\xfe\x00 not utf-8")
    assert main(["exec", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"quiz: {target}: ")
