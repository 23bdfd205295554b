"""A real hub on an ephemeral 127.0.0.1 port, and probes that record every frame they receive."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from quiz.deck.loader import load_deck
from quiz.deck.model import Deck
from quiz.peer.client import PeerClient
from quiz.peer.hub import Hub
from quiz.peer.journal import Journal
from quiz.peer.plan import Question
from quiz.peer.scoring import Scoring
from quiz.sandbox.protocol import Runner

DECK_FILE = Path(__file__).with_name("peer-deck.yaml")
CODE = "ABCDEF"
# Text that grades an answer to the demo deck: none may reach a participant before the reveal.
SECRETS = ("return 2 * x", "assert double", "% 2 == 0", '"-".join', "sum adds", "assert joined")


def demo_deck() -> Deck:
    loaded = load_deck(DECK_FILE)
    assert loaded.deck is not None
    return loaded.deck


def demo_questions() -> list[Question]:
    deck = demo_deck()
    return [Question(deck, card) for card in deck.cards]


def make_hub(
    runner: Runner,
    path: Path,
    *,
    fresh: bool = True,
    scoring: Scoring = Scoring.SPEED,
    seconds: float = 10.0,
    max_participants: int = 64,
    lang: str = "en",
) -> Hub:
    hub = Hub(
        demo_questions(),
        runner,
        Journal(path, fresh=fresh),
        code=CODE,
        scoring=scoring,
        seconds=seconds,
        max_participants=max_participants,
        lang=lang,
    )
    if fresh:
        hub.save_plan()
    return hub


class Probe:
    """A participant driven by the test; `frames` holds every message it received, in order."""

    def __init__(self, port: int) -> None:
        self.client = PeerClient(f"ws://127.0.0.1:{port}")
        self.frames: list[dict[str, Any]] = []
        self.raw: list[str] = []

    async def open(self) -> Probe:
        await self.client.connect()
        return self

    async def send_raw(self, frame: str | bytes) -> None:
        assert self.client.ws is not None
        await self.client.ws.send(frame)

    async def send(self, kind: str, **fields: Any) -> None:
        await self.client.send(kind, **fields)

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        assert self.client.ws is not None
        frame = await asyncio.wait_for(self.client.ws.recv(), timeout)
        assert isinstance(frame, str)
        self.raw.append(frame)
        message: dict[str, Any] = json.loads(frame)
        self.frames.append(message)
        return message

    async def expect(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next message of this type (others received meanwhile are recorded)."""
        while True:
            message = await self.recv(timeout)
            if message["type"] == kind:
                return message

    async def join(self, name: str, code: str = CODE) -> dict[str, Any]:
        await self.send("join", code=code, name=name)
        return await self.expect("welcome")

    async def close(self) -> None:
        await self.client.close()
