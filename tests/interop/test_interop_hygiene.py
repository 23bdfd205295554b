"""The interop modules are core: they import neither textual nor torch, and `anki` (an optional
extra) only when a package is read."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

MODULES = [
    "quiz.interop.export",
    "quiz.interop.anki_import",
    "quiz.interop.anki_read",
    "quiz.interop.history",
    "quiz.commands.anki",
]


@pytest.mark.parametrize("module", MODULES)
def test_interop_imports_neither_textual_nor_torch_nor_anki(module: str) -> None:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(out.stdout))
    assert not loaded & {"textual", "torch", "anki"}, module
