"""The browser server's gates, over real HTTP on 127.0.0.1: the join code in the address, wrong
codes counted per address, the Host header, the WebSocket's Origin, the seat cookie and the cap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from quiz.peer.web import IP_TRIES, WebParticipants
from tests.peer.helpers import CODE


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[WebParticipants]:
    server = WebParticipants(code=CODE, cap=2, port=0, folder=tmp_path / "seats")
    await server.start(hub_port=9)  # no seat process is started by these tests
    yield server
    await server.stop()


def base(web: WebParticipants) -> str:
    return f"http://127.0.0.1:{web.port}"


async def test_the_page_needs_the_code_and_sets_a_private_seat_cookie(web: WebParticipants) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(base(web) + "/") as asked:
            assert asked.status == 200
            assert 'name="code"' in await asked.text()
            assert "Set-Cookie" not in asked.headers
        async with http.get(base(web) + "/?code=QQQQQQ") as wrong:
            assert wrong.status == 403
        async with http.get(web.urls()[0]) as page:
            assert page.status == 200
            assert f"ws://127.0.0.1:{web.port}/ws" in await page.text()
            cookie = page.headers["Set-Cookie"]
            assert f"quiz_seat_{CODE}=" in cookie and "HttpOnly" in cookie
            assert "SameSite=Strict" in cookie
            assert page.headers["Referrer-Policy"] == "no-referrer"


async def test_wrong_codes_from_one_address_are_refused_after_a_while(
    web: WebParticipants,
) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(IP_TRIES):
            async with http.get(base(web) + "/?code=QQQQQQ") as wrong:
                assert wrong.status == 403
        async with http.get(web.urls()[0]) as refused:
            assert refused.status == 429  # even with the right code


async def test_another_host_name_is_refused(web: WebParticipants) -> None:
    async with aiohttp.ClientSession() as http:
        headers = {"Host": f"rebound.example:{web.port}"}
        async with http.get(web.urls()[0], headers=headers) as page:
            assert page.status == 421


async def test_the_websocket_checks_origin_and_seat(web: WebParticipants) -> None:
    ws = base(web) + "/ws"
    # unsafe: the cookie jar keeps cookies of an IP address host (the seat cookie of 127.0.0.1).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as no_seat:
            await http.ws_connect(ws, origin=base(web))
        assert no_seat.value.status == 403
        async with http.get(web.urls()[0]) as page:
            assert page.status == 200  # the seat cookie is in the session now
        with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
            await http.ws_connect(ws, origin="http://evil.example")
        assert foreign.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as missing:
            await http.ws_connect(ws)
        assert missing.value.status == 403
        # With the seat and its own origin, it opens (and starts the seat's process).
        opened = await http.ws_connect(ws, origin=base(web))
        assert web.running
        await opened.close()


async def test_browser_sessions_are_capped_at_the_participant_cap(web: WebParticipants) -> None:
    # Two seats already have a browser session open (the cap is 2): a third browser waits.
    web.running.update({"a" * 32: 1, "b" * 32: 1})
    async with aiohttp.ClientSession() as http, http.get(web.urls()[0]) as page:
        assert page.status == 503
        assert "full (2 participants)" in await page.text()
