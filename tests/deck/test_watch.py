"""`quiz check --watch`: a saved deck file is checked again."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from quiz.deck.session import CheckSession
from tests.deck.fakes import ExecRunner

DECK = """\
schema_version: 1
id: watched
title: Watched
cards:
  - {id: one, type: predict, code: print(1), answer: '1'}
"""


class Lines(io.StringIO):
    """A stream whose text other threads can poll for."""

    def wait_for(self, text: str, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.getvalue():
                return True
            time.sleep(0.05)
        return False


def test_saving_a_deck_checks_it_again(tmp_path: Path) -> None:
    deck = tmp_path / "watched.yaml"
    deck.write_text(DECK, encoding="utf-8")
    out, err = Lines(), Lines()
    session = CheckSession([tmp_path], make_runner=lambda: (ExecRunner(), 1), out=out, err=err)
    stop = threading.Event()
    statuses: list[int] = []
    watcher = threading.Thread(target=lambda: statuses.append(session.watch(stop)), daemon=True)
    watcher.start()
    try:
        assert err.wait_for("watching"), err.getvalue()
        assert "1 passed" in out.getvalue()
        deck.write_text(DECK.replace("answer: '1'", "answer: '2'"), encoding="utf-8")
        assert out.wait_for("watched/one: FAIL"), out.getvalue() + err.getvalue()
        assert "changed: watched.yaml" in err.getvalue()
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()
    assert statuses == [1]


def _save_by_rename(path: Path, text: str) -> None:
    """What `sed -i` and atomic-save editors do: write a new file, rename it over the old one."""
    fresh = path.with_name(f".{path.name}.tmp")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)


def test_rename_style_saves_of_a_watched_file_keep_being_seen(tmp_path: Path) -> None:
    deck = tmp_path / "watched.yaml"
    deck.write_text(DECK, encoding="utf-8")
    (tmp_path / "other.yaml").write_text("not: [a deck", encoding="utf-8")
    out, err = Lines(), Lines()
    session = CheckSession([deck], make_runner=lambda: (ExecRunner(), 1), out=out, err=err)
    stop = threading.Event()
    watcher = threading.Thread(target=lambda: session.watch(stop), daemon=True)
    watcher.start()
    try:
        assert err.wait_for("watching"), err.getvalue()
        for round_, answer in enumerate(("'2'", "'1'", "'3'"), start=1):
            _save_by_rename(deck, DECK.replace("answer: '1'", f"answer: {answer}"))
            assert err.wait_for("changed: watched.yaml", timeout=20)
            expected = "1 passed" if answer == "'1'" else "1 failed"
            deadline = time.monotonic() + 20
            while out.getvalue().count("checked 1 card") < round_ + 1:
                assert time.monotonic() < deadline, (round_, out.getvalue(), err.getvalue())
                time.sleep(0.05)
            summaries = [s for s in out.getvalue().splitlines() if s.startswith("checked 1 card")]
            assert expected in summaries[-1]
        # A file beside it that was not asked for is not a change to check.
        (tmp_path / "other.yaml").write_text("still: [not a deck", encoding="utf-8")
        time.sleep(1.0)
        assert "other.yaml" not in err.getvalue()
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()


def test_ctrl_c_ends_the_watch_cleanly_with_130(tmp_path: Path) -> None:
    deck = tmp_path / "broken.yaml"
    deck.write_text("schema_version: 1\nid: broken\n", encoding="utf-8")  # no sandbox needed
    child = subprocess.Popen(
        [sys.executable, "-m", "quiz", "check", "--watch", str(deck)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stderr is not None
        seen = ""
        deadline = time.monotonic() + 60
        while "watching" not in seen and time.monotonic() < deadline:
            seen += child.stderr.readline()
        assert "watching" in seen, seen
        time.sleep(0.3)
        child.send_signal(signal.SIGINT)
        _, rest = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130
    shown = seen + rest
    assert "Traceback" not in shown
    assert "KeyboardInterrupt" not in shown
