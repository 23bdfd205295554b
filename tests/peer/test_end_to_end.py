"""A real `quiz host --headless` (the real sandbox pool) and three participants as processes:
one question of each type, a dropped connection resumed by token, the final scores checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import pytest

from tests.peer.helpers import DECK_FILE

pytestmark = pytest.mark.slow


def read_event(stream: IO[str], wanted: str, seconds: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            raise AssertionError(f"the host exited before {wanted!r}")
        event: dict[str, Any] = json.loads(line)
        if event["event"] == wanted:
            return event
    raise AssertionError(f"no {wanted!r} event")


def test_a_session_with_three_participants(quiz_home: Path) -> None:
    env = {**os.environ, "QUIZ_HOME": str(quiz_home)}
    root = Path(__file__).resolve().parents[2]
    host = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quiz",
            "host",
            "--headless",
            str(DECK_FILE),
            "--cards",
            "4",
            "--port",
            "0",
            "--time",
            "60",
            "--scoring",
            "accuracy",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
    )
    assert host.stdin is not None and host.stdout is not None
    people: list[subprocess.Popen[str]] = []
    try:
        ready = read_event(host.stdout, "ready")
        url = f"ws://127.0.0.1:{ready['port']}"
        for name, mode in (("Ann", "right"), ("Bob", "wrong"), ("Cho", "drop")):
            people.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.peer.participant",
                        url,
                        ready["code"],
                        name,
                        mode,
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                    env=env,
                    cwd=root,
                )
            )
            read_event(host.stdout, "joined")

        def command(line: str) -> None:
            assert host.stdin is not None
            host.stdin.write(line + "\n")
            host.stdin.flush()

        for index in range(4):
            command("next")
            if index == 0:
                # Cho drops after its first ack and gets back in by its token.
                read_event(host.stdout, "left")
                read_event(host.stdout, "resumed")
            reveal = read_event(host.stdout, "reveal")
            assert reveal["index"] == index
        command("scores")
        board = {row["name"]: row for row in read_event(host.stdout, "scores")["board"]}
        assert {n: r["score"] for n, r in board.items()} == {"Ann": 4, "Cho": 4, "Bob": 0}
        command("end")
        finals = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in people]
        for final, name in zip(finals, ("Ann", "Bob", "Cho"), strict=True):
            assert final["final"] is True and final["you"]["name"] == name
        assert finals[1]["you"]["rank"] == 3 and finals[1]["you"]["correct"] == 0
        command("quit")
        assert host.wait(timeout=60) == 0
    finally:
        for process in [host, *people]:
            if process.poll() is None:
                process.kill()
                process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
