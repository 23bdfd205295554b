"""torch_version() reads the installed version without importing torch, and a pool whose workers
cannot import torch fails with a clear error instead of hanging."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from quiz.sandbox import process
from quiz.sandbox.pool import SandboxPool, SandboxUnavailable
from tests.sandbox.helpers import request


def test_torch_version_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from quiz.sandbox.diagnostics import torch_version\n"
        "print(torch_version())\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out[1] == "False"
    assert out[0][0].isdigit()


def test_torch_version_matches_what_the_workers_imported(pool: SandboxPool) -> None:
    from quiz.sandbox.diagnostics import torch_version

    assert pool.wait_ready(120)
    assert pool.torch_version == torch_version()


def test_workers_that_cannot_import_torch_make_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "fake" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('torch is broken here')\n")
    real = process.worker_environment

    def broken_environment() -> dict[str, str]:
        env = real()
        env["PYTHONPATH"] = f"{fake.parent}:{env['PYTHONPATH']}"
        return env

    monkeypatch.setattr(process, "worker_environment", broken_environment)
    with SandboxPool(workers=1) as broken:
        assert not broken.wait_ready(60)
        with pytest.raises(SandboxUnavailable, match="torch is broken here"):
            broken.run(request("pass"))
        (protection,) = broken.protections()
        assert not protection.active and "torch is broken here" in protection.why
