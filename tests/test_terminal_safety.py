"""Text from a deck, a run, a hub or an imported log never reaches a terminal as control
sequences (issue 9: an OSC 52 clipboard write, a screen clear, a C1 CSI, a bell). Textual draws a
widget's text as it is, so the text is made safe where it enters: the deck loader refuses it, the
sandbox strips it from what a run says, the participant client strips a hub's messages, the hub
refuses it in answers, and the TUI's history view strips imported answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.deck.loader import load_deck
from quiz.peer.client import terminal_safe
from quiz.peer.protocol import ProtocolError, parse_client
from quiz.sandbox.watch import Watch

HOSTILE = "\x1b]52;c;aGk=\x07\x1b[2J\x1b[H\x9b31m\x07"


def controls(text: str) -> list[str]:
    return sorted(
        {repr(c) for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0}
    )


def test_a_deck_holding_an_escape_is_refused_with_its_position(tmp_path: Path) -> None:
    deck = tmp_path / "deck.yaml"
    deck.write_text(
        'schema_version: 1\nid: bad\ntitle: "T\\e[2J"\ndescription: d\ncards:\n'
        '  - id: a\n    type: flip\n    prompt: "P\\x9b31m"\n    answer: "fine\\ttab"\n',
        encoding="utf-8",
    )
    load = load_deck(deck)
    assert load.deck is None
    found = [str(p) for p in load.problems]
    assert any(":3:8:" in p and "U+001B" in p for p in found), found
    assert any(":8:13:" in p and "U+009B" in p for p in found), found
    assert not any("answer" in p for p in found), found


def test_what_a_run_says_leaves_the_sandbox_without_controls() -> None:
    watch = Watch(1024)
    watch.stdout.take(f"out{HOSTILE}\tkept\n".encode())
    watch.stderr.take(f"err{HOSTILE}".encode())
    watch.report = {
        "status": "error",
        "exception": f"ValueError{HOSTILE}",
        "traceback": f"Traceback{HOSTILE}",
        "segment": "<card>",
        "values": [f"v{HOSTILE}"],
        "notes": [f"n{HOSTILE}"],
    }
    result = watch.result(None)
    every = [result.stdout, result.stderr, result.exception or "", result.traceback or ""]
    every += [*result.values, *result.notes]
    assert controls("".join(every)) == []
    assert result.stdout == "out]52;c;aGk=[2J[H31m\tkept\n"


def test_a_hosts_escapes_never_reach_the_participant() -> None:
    message = {"type": "question", "card": {"prompt": f"P{HOSTILE}", "options": [f"o{HOSTILE}"]}}
    safe = terminal_safe(message)
    assert controls(repr(safe).encode().decode("unicode_escape")) == []
    assert safe["card"]["prompt"].startswith("P]52")


@pytest.mark.parametrize("field", ['"text": "x\\u001b[2J"', '"fills": ["a\\u009b"]'])
def test_the_hub_refuses_an_answer_holding_an_escape(field: str) -> None:
    with pytest.raises(ProtocolError):
        parse_client('{"v": 1, "type": "answer", "question": 0, ' + field + "}")
