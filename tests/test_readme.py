"""The README's promises: its example deck passes `quiz check`, its commands are the real ones."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_example_deck_has_every_card_type_and_passes_check(tmp_path: Path) -> None:
    (deck_text,) = _blocks("yaml")
    for card_type in ("flip", "predict", "choice", "code", "cloze"):
        assert f"type: {card_type}\n" in deck_text, card_type
    deck = tmp_path / "readme-example.yaml"
    deck.write_text(deck_text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "quiz", "check", "--no-cache", str(deck)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_setup_commands_install_torch_cpu_first_and_run_the_tools() -> None:
    study, tests = _blocks("sh")[:2]
    assert "pip install torch==2.13.0 && pip install . && quiz" in study
    assert "pip install torch==2.13.0 && pip install -e '.[dev]' && pytest" in tests
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert tests.strip() in ci, "CI must run the README's test command verbatim"
