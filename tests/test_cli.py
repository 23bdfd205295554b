"""The `quiz` command's own surface: version, help for every subcommand, locate, QUIZ_HOME."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from quiz import __version__
from quiz.cli import COMMAND_MODULES, build_parser, main, named_command


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"quiz {__version__}"


def test_every_command_module_is_registered() -> None:
    parser = build_parser()
    choices = next(
        a.choices for a in parser._actions if a.dest == "command" and a.choices is not None
    )
    assert set(COMMAND_MODULES) <= set(choices)


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["exec", "f.py"], "exec"),
        (["--no-service", "--lang", "ko", "check", "decks"], "check"),
        (["--decks", "check", "stats"], "stats"),  # a folder named like a command
        (["--lang", "exec"], None),
        ([], None),
        (["--help", "exec"], None),
        (["nosuch"], None),
        (["--", "exec"], None),
    ],
)
def test_the_named_command_is_found_past_the_root_options(
    argv: list[str], command: str | None
) -> None:
    assert named_command(argv) == command


def test_a_subcommand_imports_no_other_command_module() -> None:
    # A one-shot command pays for its own module only (host's imports asyncio, ~30 ms).
    probe = "import sys\nfrom quiz.cli import main\nmain(['schema'])\n"
    probe += "print([m for m in sys.modules if m.startswith('quiz.commands.')], file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "['quiz.commands.schema']"


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_help_for_every_subcommand(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: quiz {command}")


def test_locate_follows_quiz_home(quiz_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["locate", "--json"]) == 0
    places = json.loads(capsys.readouterr().out)
    for key in ("database", "config", "user_decks", "cache"):
        assert Path(places[key]).is_relative_to(quiz_home), key
    assert Path(places["bundled_decks"]).is_dir()


def test_unknown_command_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "quiz", "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_history_of_an_unknown_card_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "hooks/no-such-card"]) == 2
    assert "no deck has this card" in capsys.readouterr().err
    assert main(["history", "hooks/pre-hook-bare-return-replaces-input"]) == 0
    assert "no reviews yet" in capsys.readouterr().out
