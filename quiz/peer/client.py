"""A participant's side of the protocol: connect, join or resume, send answers, read messages.

Used by the participant TUI, the tests and the bench. It imports only `protocol` and websockets:
nothing here can run code.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from quiz.errors import QuizError
from quiz.i18n import _
from quiz.peer import protocol as p
from quiz.textsafe import clean

DEFAULT_PORT = 8765
# An error after which trying again cannot help: reconnecting stops.
FATAL = {p.TOO_MANY_ATTEMPTS, p.SESSION_OVER, p.BAD_TOKEN}


class PeerError(Exception):
    """The hub refused something: `code` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def terminal_safe(value: Any) -> Any:
    """Every string of a hub's message without control characters: a hostile host must not
    reach the participant's terminal through a prompt, a name or a run's output."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [terminal_safe(v) for v in value]
    if isinstance(value, dict):
        return {clean(str(k)): terminal_safe(v) for k, v in value.items()}
    return value


def hub_url(address: str) -> str:
    """`host`, `host:port` or a ws:// URL, as the ws:// URL to connect to."""
    address = address.strip()
    if not address:
        raise QuizError(
            _("give the host's address, e.g. {example}").format(example="192.168.1.20:8765"),
            title=_("Join"),
        )
    if address.startswith(("ws://", "wss://")):
        return address
    if address.count(":") == 1:
        port = address.rsplit(":", 1)[1]
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise QuizError(
                _("{address}: the port must be a number (HOST:PORT)").format(address=address),
                title=_("Join"),
            )
        return f"ws://{address}"
    if address.startswith("[") or ":" not in address:
        return f"ws://{address}:{DEFAULT_PORT}"
    return f"ws://[{address}]:{DEFAULT_PORT}"


class PeerClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: ClientConnection | None = None

    async def connect(self) -> None:
        try:
            self.ws = await connect(
                self.url, max_size=4 * 1024 * 1024, compression=None, open_timeout=10, proxy=None
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            reason = _("cannot reach {url}: {error}").format(url=self.url, error=exc)
            raise PeerError("unreachable", reason) from None

    async def send(self, kind: str, **fields: Any) -> None:
        assert self.ws is not None
        await self.ws.send(p.encode(kind, **fields))

    async def recv(self) -> dict[str, Any]:
        assert self.ws is not None
        data: dict[str, Any] = terminal_safe(json.loads(await self.ws.recv()))
        return data

    async def hello(
        self,
        *,
        code: str | None = None,
        name: str | None = None,
        token: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        """Join (code and name) or resume (token); the `welcome`, or PeerError."""
        if token is not None:
            await self.send("resume", token=token)
        else:
            extra = {"lang": lang} if lang else {}
            await self.send("join", code=code or "", name=name or "", **extra)
        reply = await self.recv()
        if reply["type"] == "error":
            raise PeerError(reply["code"], reply["message"])
        return reply

    async def answer(self, question: int, **parts: Any) -> None:
        await self.send("answer", question=question, **parts)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def backoff(first: float = 0.5, cap: float = 8.0) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


class Participant:
    """A seat kept across lost connections: joins once, then resumes by token with backoff.

    `on_message` gets every message from the hub; `on_status` a line about the connection.
    """

    def __init__(
        self,
        url: str,
        on_message: Callable[[dict[str, Any]], Awaitable[None] | None],
        on_status: Callable[[str], None] = lambda _: None,
        delays: Callable[[], Iterator[float]] = backoff,
    ) -> None:
        self.url = url
        self.on_message = on_message
        self.on_status = on_status
        self.delays = delays
        self.token: str | None = None
        self.client: PeerClient | None = None
        self.finished = False

    async def run(self, code: str, name: str, lang: str | None = None) -> None:
        """Join, then serve messages until the session ends or the seat is lost. A refused join
        raises PeerError (the user picks another name or code); later drops reconnect."""
        delays = self.delays()
        first = True
        while not self.finished:
            client = PeerClient(self.url)
            try:
                await client.connect()
                if self.token is None:
                    welcome = await client.hello(code=code, name=name, lang=lang)
                else:
                    welcome = await client.hello(token=self.token)
            except PeerError as exc:
                if first or exc.code in FATAL or self.token is None:
                    raise
                self.on_status(_("reconnecting: {reason}").format(reason=exc.message))
                await asyncio.sleep(next(delays))
                continue
            except ConnectionClosed:
                if first:
                    raise PeerError("closed", _("the hub closed the connection")) from None
                await asyncio.sleep(next(delays))
                continue
            first = False
            delays = self.delays()
            self.token = welcome["token"]
            self.client = client
            self.on_status(_("connected"))
            await self._deliver(welcome)
            await self._read(client)
            self.client = None
            if not self.finished:
                self.on_status(_("connection lost: reconnecting…"))
                await asyncio.sleep(next(delays))

    async def _read(self, client: PeerClient) -> None:
        try:
            while True:
                message = await client.recv()
                await self._deliver(message)
                if message.get("type") == "bye":
                    self.finished = True
                    await client.close()
                    return
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code in (4000, 4001, 1008):
                self.finished = True
                self.on_status(_("closed by the hub: {reason}").format(reason=exc.rcvd.reason))

    async def _deliver(self, message: dict[str, Any]) -> None:
        result = self.on_message(message)
        if result is not None:
            await result

    async def answer(self, question: int, **parts: Any) -> bool:
        """Send an answer; False when not connected (it is sent again after the resume)."""
        client = self.client
        if client is None:
            return False
        try:
            await client.answer(question, **parts)
        except ConnectionClosed:
            return False
        return True

    async def stop(self) -> None:
        self.finished = True
        if self.client is not None:
            await self.client.close()
