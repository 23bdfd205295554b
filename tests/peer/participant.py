"""A headless participant for the end-to-end test: `python -m tests.peer.participant URL CODE
NAME MODE`. It answers every question through the protocol client (right or wrong by MODE; `drop`
answers right and loses its connection once, after its first ack, then resumes by token), and
prints the final `scores` message as one JSON line before it exits."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from quiz.peer.client import Participant

ANSWERS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "sum-list": ({"text": "6"}, {"text": "5"}),
    "pick-even": ({"choices": [0, 2]}, {"choices": [1]}),
    "write-double": (
        {"text": "def double(x):\n    return 2 * x\n"},
        {"text": "import os\ndef double(x):\n    return x\n"},
    ),
    "fill-join": ({"fills": ["join"]}, {"fills": ["split"]}),
}


async def main(url: str, code: str, name: str, mode: str) -> None:
    dropped = False

    async def on_message(message: dict[str, Any]) -> None:
        nonlocal dropped
        kind = message["type"]
        if kind == "question" and not message.get("again"):
            right, wrong = ANSWERS[message["card"]["id"]]
            await participant.answer(message["question"], **(wrong if mode == "wrong" else right))
        elif kind == "ack" and mode == "drop" and not dropped:
            dropped = True
            assert participant.client is not None and participant.client.ws is not None
            participant.client.ws.transport.abort()  # the network goes away, no close frame
        elif kind == "scores" and message.get("final"):
            print(json.dumps(message), flush=True)

    participant = Participant(url, on_message)
    await participant.run(code, name)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
