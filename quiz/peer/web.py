"""`quiz host --web`: the participant app served to browsers, for those without quiz installed.

textual-serve renders the unchanged participant TUI in the page: each browser session is one
process on the host (`python -m quiz.tui.peer.web_join`, which never imports torch) that joins
the hub on loopback like any client. This module is the web server around it, run on the host's
event loop:

- The page's address carries the join code (`/?code=K7QX3M`, what the QR code holds); without
  it the page asks for it, and wrong codes are counted per browser address (20 in 5 minutes and
  that address is refused), since the hub itself sees every browser as 127.0.0.1.
- A right code sets the seat cookie `quiz_seat_<CODE>` (random, HttpOnly, SameSite=Strict). The
  seat's process keeps the hub's resume token in a file named by it (in the host's data folder,
  never in the page), so a reload of the page gets back into the same seat.
- The Host header must name an address this server was started for (no DNS rebinding), the
  WebSocket's Origin must be this page's own, and the browser sessions are capped at the
  session's participant cap.

The core's rule holds: this module imports neither textual nor quiz.tui (textual-serve does not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import shlex
import shutil
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from quiz.paths import locations

DEFAULT_WEB_PORT = 8766
IP_TRIES = 20  # wrong codes from one browser address ...
IP_WINDOW = 300.0  # ... within this many seconds, before that address is refused
SEAT_DAYS = 1
_SEAT = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>quiz</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: monospace; background: #0c181f; color: #eee; padding: 2em">
<h1>quiz: join a session</h1><p>{message}</p>{form}</body></html>"""
_FORM = """<form method="get" action="/"><label>Join code
<input name="code" maxlength="16" autofocus autocomplete="off"></label>
<button type="submit">Join</button></form>"""


def seats_folder(code: str) -> Path:
    return locations().database.parent / "peer-web" / code


def loopback_for(bind: str) -> str:
    """The address the seat processes reach the hub at, on this machine."""
    if bind in ("0.0.0.0", "", "localhost"):
        return "127.0.0.1"
    if bind == "::":
        return "[::1]"
    return f"[{bind}]" if ":" in bind else bind


class _SeatProcess(AppService):
    """One browser session's participant process, told its hub, code and seat file."""

    def __init__(self, command: str, extra: dict[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.extra = extra

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment.update(self.extra)
        return environment


class WebParticipants(Server):
    def __init__(
        self,
        *,
        code: str,
        cap: int,
        bind: str = "127.0.0.1",
        port: int = DEFAULT_WEB_PORT,
        hosts: list[str] | None = None,
        lang: str | None = None,
        folder: Path | None = None,
    ) -> None:
        # exec: the seat is the Python process itself, not a shell waiting on it.
        command = f"exec {shlex.quote(sys.executable)} -m quiz.tui.peer.web_join"
        super().__init__(command, host=bind, port=port, title="quiz")
        self.code = code
        self.cap = cap
        self.bind = bind
        self.hosts = list(hosts or [bind])
        self.lang = lang
        self.folder = folder or seats_folder(code)
        self._own_folder = folder is None  # peer-web/ holds only seat folders: others may go
        self.hub_url = ""
        self.running: dict[str, int] = {}  # seat -> open browser sessions
        self._services: set[AppService] = set()
        self._issued: set[str] = set()
        self._failures: dict[str, deque[float]] = {}
        self._runner: web.AppRunner | None = None
        for name in ("textual-serve", "aiohttp"):
            # Their log lines would be drawn over the host's screen.
            quiet = logging.getLogger(name)
            quiet.addHandler(logging.NullHandler())
            quiet.propagate = False

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, hub_port: int) -> int:
        """Serve; returns the port. The seats' processes join the hub at `hub_port`."""
        self.hub_url = f"ws://{loopback_for(self.bind)}:{hub_port}"
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.folder.chmod(0o700)
        if self._own_folder:
            for other in self.folder.parent.iterdir():
                # Seat tokens of earlier sessions are of no use to anyone: not kept.
                if other.is_dir() and other != self.folder:
                    shutil.rmtree(other, ignore_errors=True)
        self._runner = web.AppRunner(await self._make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.bind, self.port)
        await site.start()
        bound = self._runner.addresses[0]
        self.port = int(bound[1])
        return self.port

    async def stop(self) -> None:
        for service in list(self._services):
            await _end(service)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def urls(self) -> list[str]:
        """The addresses to share, each with the join code (what the QR code holds)."""
        return [f"http://{_host(h)}:{self.port}/?code={self.code}" for h in self.hosts]

    async def on_startup(self, app: web.Application) -> None:
        return None  # textual-serve prints a banner here: not over the host's screen

    # -- checks -----------------------------------------------------------------------------

    def _allowed_host(self, request: web.Request) -> bool:
        names = {_host(h) for h in (*self.hosts, "127.0.0.1", "localhost")}
        return request.host in {f"{name}:{self.port}" for name in names}

    def _refused(self, ip: str) -> bool:
        failures = self._failures.get(ip)
        now = time.monotonic()
        while failures and failures[0] <= now - IP_WINDOW:
            failures.popleft()
        return bool(failures) and len(failures or ()) >= IP_TRIES

    def _seat_of(self, request: web.Request) -> str | None:
        seat = request.cookies.get(self.cookie)
        if seat is None or not _SEAT.match(seat):
            return None
        # A seat this server issued, or one a reopened host (`--resume`) still has a file for.
        if seat in self._issued or (self.folder / f"{seat}.token").exists():
            return seat
        return None

    @property
    def cookie(self) -> str:
        return f"quiz_seat_{self.code}"

    def _full(self, seat: str | None) -> bool:
        return (seat is None or seat not in self.running) and len(self.running) >= self.cap

    # -- the page ---------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if not self._allowed_host(request):
            raise web.HTTPMisdirectedRequest(text="unknown host name")
        ip = request.remote or "?"
        if self._refused(ip):
            return _page("Too many wrong codes from your address; try again later.", 429)
        given = "".join(request.query.get("code", "").split()).upper()
        if not given:
            return _page("Enter the join code the host shows.", 200, form=True)
        if not secrets.compare_digest(given.encode(), self.code.encode()):
            self._failures.setdefault(ip, deque()).append(time.monotonic())
            return _page("That is not this session's code.", 403, form=True)
        seat = self._seat_of(request)
        if self._full(seat):
            return _page(f"The session is full ({self.cap} participants).", 503)
        if seat is None:
            seat = secrets.token_urlsafe(24)
            self._issued.add(seat)
        context = {
            "font_size": 16,
            "app_websocket_url": f"ws://{request.host}/ws",
            "config": {"static": {"url": f"http://{request.host}/static/"}},
            "application": {"name": "quiz"},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.set_cookie(
            self.cookie,
            seat,
            max_age=SEAT_DAYS * 86400,
            httponly=True,
            samesite="Strict",
            path="/",
        )
        _private(response)
        return response

    # -- one browser session ----------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self._allowed_host(request):
            raise web.HTTPMisdirectedRequest(text="unknown host name")
        if request.headers.get("Origin") != f"http://{request.host}":
            raise web.HTTPForbidden(text="this page may be used only from its own address")
        seat = self._seat_of(request)
        if seat is None:
            raise web.HTTPForbidden(text="open the page with the join code first")
        if self._full(seat):
            raise web.HTTPServiceUnavailable(text="the session is full")
        width = _size(request.query.get("width"), 80)
        height = _size(request.query.get("height"), 24)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        self.running[seat] = self.running.get(seat, 0) + 1
        extra = {
            "QUIZ_WEB_HUB": self.hub_url,
            "QUIZ_WEB_CODE": self.code,
            "QUIZ_WEB_SEAT_FILE": str(self.folder / f"{seat}.token"),
            "QUIZ_WEB_LANG": self.lang or "",
        }
        service = _SeatProcess(
            self.command,
            extra,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self._services.add(service)
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # one browser's trouble must not end the server
            logging.getLogger("textual-serve").exception("browser session failed")
        finally:
            await _end(service)
            self._services.discard(service)
            left = self.running.get(seat, 1) - 1
            if left:
                self.running[seat] = left
            else:
                self.running.pop(seat, None)
        return websocket


async def _end(service: AppService) -> None:
    """Ask the seat's process to quit; one that does not (it was still starting, or hangs) is
    killed, so no process outlives its browser session or the server."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            await service.stop()
    process = service._process  # textual-serve keeps no other handle on it
    if process is not None and process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address and not address.startswith("[") else address


def _size(raw: str | None, default: int) -> int:
    try:
        value = int(raw or default)
    except ValueError:
        return default
    return min(max(value, 20), 500)


def _private(response: web.StreamResponse) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the address holds the join code
    response.headers["X-Frame-Options"] = "DENY"


def _page(message: str, status: int, *, form: bool = False) -> web.Response:
    response = web.Response(
        text=_PAGE.format(message=message, form=_FORM if form else ""),
        status=status,
        content_type="text/html",
    )
    _private(response)
    return response
