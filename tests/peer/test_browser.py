"""A real browser takes part: headless Chromium opens `quiz host --web`'s page, joins with a
name, answers a choice question with its keyboard, sees the reveal, comes back into the same seat
after a reload, and downloads its answers as a file that `quiz log import` reads.

The page is textual-serve's terminal: what the browser shows is what its WebSocket receives, so
the test reads the screen from those frames (escape sequences removed). Skipped, saying why, only
where no Chromium (the Debian `chromium` package) or no Playwright is installed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from quiz.peer.hub import Hub, Phase
from quiz.peer.journal import Journal
from quiz.srs.csvlog import import_csv
from quiz.srs.store import Store
from tests.deck.fakes import ExecRunner
from tests.peer.helpers import CODE, demo_questions

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# CSI sequences (cursor moves, colours), OSC strings, and character set selections.
_ESCAPE = re.compile(
    r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]"
)

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright's Python package is not installed"
)
if not Path(CHROMIUM).exists():
    pytest.skip(
        "no Chromium at /usr/bin/chromium (apt-get install chromium)", allow_module_level=True
    )


class Screen:
    """Everything the page's terminal was sent, as text."""

    def __init__(self) -> None:
        self.text = ""

    def received(self, payload: str | bytes) -> None:
        raw = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        self.text += _ESCAPE.sub("", raw)

    async def shows(self, wanted: str, since: int = 0, seconds: float = 30.0) -> int:
        """Wait until `wanted` is drawn after position `since`; where it ends."""
        async with asyncio.timeout(seconds):
            while (found := self.text.find(wanted, since)) < 0:
                await asyncio.sleep(0.1)
        return found + len(wanted)


def seat_processes() -> list[int]:
    """The pids of this test's browser seat processes (children of the web server, here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"quiz.tui.peer.web_join" in command and parent in (os.getpid(), *_children()):
            found.append(int(entry.name))
    return found


def _children() -> list[int]:
    path = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kib = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    return kib / 1024


def loads_torch(pid: int) -> bool:
    return "/torch/" in Path(f"/proc/{pid}/maps").read_text()


async def until(check: Callable[[], bool], seconds: float = 30.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():
            await asyncio.sleep(0.05)


@pytest.fixture
async def choice_hub(tmp_path: Path) -> AsyncIterator[Hub]:
    question = next(q for q in demo_questions() if q.card.id == "pick-even")
    hub = Hub([question], ExecRunner(), Journal(tmp_path / "session.db", fresh=True), code=CODE)
    hub.save_plan()
    await hub.start("127.0.0.1", 0)
    yield hub
    await hub.stop()
    hub.journal.close()


async def test_a_browser_joins_answers_sees_the_reveal_and_takes_its_reviews(
    choice_hub: Hub, tmp_path: Path
) -> None:
    from quiz.peer.web import WebParticipants

    hub = choice_hub
    web = WebParticipants(code=CODE, cap=hub.max_participants, port=0, folder=tmp_path / "seats")
    await web.start(hub.port)
    url = web.urls()[0]
    screens: list[Screen] = []

    def watch(socket: Any) -> None:
        screen = Screen()
        screens.append(screen)
        socket.on("framereceived", screen.received)

    try:
        async with playwright_api.async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = await browser.new_context(accept_downloads=True)
            page = await context.new_page()
            page.on("websocket", watch)
            await page.goto(url)
            await until(lambda: bool(screens))
            await screens[0].shows("your name")
            await page.locator(".xterm-helper-textarea").focus()
            await page.keyboard.type("Ann")
            await page.keyboard.press("Enter")
            await until(lambda: any(s.name == "Ann" and s.conn for s in hub.seats.values()))
            await screens[0].shows("In the lobby")

            await hub.next()
            after = await screens[0].shows("Which numbers are even?")
            await page.keyboard.press("1")
            await page.keyboard.press("3")
            await page.keyboard.press("Enter")
            await until(lambda: hub.phase is Phase.REVEAL)  # everyone answered: it closes
            await screens[0].shows("✓ right", since=after)
            await screens[0].shows("Right answer", since=after)
            assert hub.scoreboard()[0]["correct"] == 1
            # One process per browser session, small, and nothing of torch in it.
            seats = seat_processes()
            assert len(seats) == 1
            rss = peak_rss_mib(seats[0])
            print(f"browser seat process: peak RSS {rss:.1f} MiB")
            assert rss < 60, f"a browser seat takes {rss:.1f} MiB (target: under 60)"
            assert not loads_torch(seats[0])

            # A reload opens a new terminal session: back into the seat, not a second one.
            await page.reload()
            await until(lambda: len(screens) == 2)
            await screens[1].shows("Right answer")
            await until(lambda: any(s.conn for s in hub.seats.values()))
            assert [s.name for s in hub.seats.values()] == ["Ann"]

            async with page.expect_download(timeout=30_000) as waiting:
                await hub.end()
            download = await waiting.value
            saved = tmp_path / download.suggested_filename
            await download.save_as(saved)
            await browser.close()
    finally:
        await web.stop()

    with Store.open(tmp_path / "participant.db") as store:
        result = import_csv(store, saved)
        reviews = store.events("peer-demo/pick-even")
    assert result.added == 1
    assert [(e.rating, e.outcome) for e in reviews] == [(3, "pass")]  # Good, by the host's run
