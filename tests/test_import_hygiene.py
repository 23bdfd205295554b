"""The core never imports textual, and nothing in the host process imports torch.

Imports run in a fresh interpreter so that other tests' imports cannot hide a leak.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CORE_MODULES = [
    "quiz.cli",
    "quiz.config",
    "quiz.paths",
    "quiz.deck.model",
    "quiz.deck.loader",
    "quiz.deck.library",
    "quiz.deck.judge",
    "quiz.deck.verify",
    "quiz.sandbox.protocol",
    "quiz.sandbox.pool",
    "quiz.srs.store",
    "quiz.srs.collection",
    "quiz.peer.protocol",
    "quiz.peer.client",
    "quiz.peer.hub",
]


def _loaded_after_import(module: str) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(out.stdout))


def _top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_imports_neither_textual_nor_torch(module: str) -> None:
    top = _top_level(_loaded_after_import(module))
    assert "textual" not in top, f"{module} pulls in textual"
    assert "torch" not in top, f"{module} pulls in torch"


def test_tui_app_does_not_import_torch() -> None:
    top = _top_level(_loaded_after_import("quiz.tui.app"))
    assert "torch" not in top


@pytest.mark.parametrize("module", ["quiz.tui.peer.join_app", "quiz.commands.join"])
def test_participant_imports_neither_torch_nor_the_sandbox(module: str) -> None:
    """`quiz join` runs nothing: every answer is executed on the host."""
    loaded = _loaded_after_import(module)
    assert "torch" not in _top_level(loaded)
    assert not {m for m in loaded if m == "quiz.sandbox" or m.startswith("quiz.sandbox.")}
    assert "quiz.deck.judge" not in loaded


def test_a_command_served_by_the_service_skips_the_worker_machinery() -> None:
    """A warm one-shot `quiz exec` is mostly imports: the client path leaves out asyncio, the
    service, the worker machinery and importlib.metadata (~90 ms together)."""
    loaded = _loaded_after_import("quiz.sandbox.client") | _loaded_after_import("quiz.sandbox.pool")
    heavy = {
        "asyncio",
        "importlib.metadata",
        "quiz.sandbox.service",
        "quiz.sandbox.process",
        "quiz.sandbox.limits",
        "quiz.sandbox.child",
        "quiz.sandbox.cgroup",
    }
    assert not heavy & loaded, sorted(heavy & loaded)
