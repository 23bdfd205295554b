"""`quiz check --watch`: a saved deck file is checked again."""

from __future__ import annotations

import io
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
