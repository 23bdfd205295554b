"""Pilot tests: the host app driving a real hub, and the participant app talking to one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static

from quiz.peer.hub import Hub, Phase
from quiz.tui.peer.host_app import HostApp, KickScreen
from quiz.tui.peer.join_app import JoinApp
from quiz.tui.widgets.choice_answer import ChoiceAnswer, ChoiceList
from tests.deck.fakes import ExecRunner
from tests.peer.helpers import CODE, Probe, make_hub

SIZES = [(80, 24), (120, 36)]


def text_of(app: HostApp | JoinApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def until(pilot: Pilot[int], condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen never got there")


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return make_hub(ExecRunner(), tmp_path / "session.db", lang="ko")


@pytest.mark.parametrize("size", SIZES)
async def test_host_runs_a_question_from_lobby_to_reveal(hub: Hub, size: tuple[int, int]) -> None:
    app = HostApp(hub, port=0)
    async with app.run_test(size=size) as pilot:
        assert CODE in text_of(app, "#host-bar")
        assert f"127.0.0.1:{hub.port}" in text_of(app, "#host-bar")
        ann = await Probe(hub.port).open()
        await ann.join("민수")
        await until(pilot, lambda: "민수" in text_of(app, "#host-detail"))
        await pilot.press("s")
        await until(pilot, lambda: "Question 1/4" in text_of(app, "#host-status"))
        assert "0/1 answered" in text_of(app, "#host-status")
        prompt = app.query_one("#host-prompt", Markdown)
        assert "무엇이 출력될까요" in prompt.source
        await ann.send("answer", question=0, text="6")
        await ann.expect("reveal")
        await until(pilot, lambda: "Right answer: 6" in text_of(app, "#host-detail"))
        assert "민수" in text_of(app, "#host-detail")  # the scoreboard
        await pilot.press("n")
        await until(pilot, lambda: "Question 2/4" in text_of(app, "#host-status"))
        assert "1. 이" in text_of(app, "#host-detail")  # the options, in Korean
        await pilot.press("r")
        await until(pilot, lambda: hub.phase is Phase.REVEAL)
        await pilot.press("question_mark")
        await pilot.pause()
        shown = [str(w.render()) for w in app.screen.query("#host-help Static").results(Static)]
        assert any("kick a participant" in line for line in shown)
        await pilot.press("escape")
        await ann.close()


async def test_host_shows_each_participants_code_and_kicks(hub: Hub) -> None:
    app = HostApp(hub, port=0)
    async with app.run_test(size=(80, 24)) as pilot:
        ann = await Probe(hub.port).open()
        await ann.join("Ann")
        bob = await Probe(hub.port).open()
        await bob.join("Bob")
        hub.index = 1
        await pilot.press("n")
        await until(pilot, lambda: "Question 3/4" in text_of(app, "#host-status"))
        await ann.send("answer", question=2, text="def double(x):\n    return 2 * x\n")
        await bob.send("answer", question=2, text="def double(x):\n    return x\n")
        await until(pilot, lambda: "Press c" in text_of(app, "#host-detail"))
        await pilot.press("c")
        await until(pilot, lambda: "Ann's code (pass)" in text_of(app, "#host-detail"))
        assert "return 2 * x" in text_of(app, "#host-code")
        await pilot.press("c")
        await until(pilot, lambda: "Bob's code (fail)" in text_of(app, "#host-detail"))
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, KickScreen))
        await pilot.press("down", "enter")
        await until(pilot, lambda: [s.name for s in hub.active_seats()] == ["Ann"])
        assert (await bob.expect("bye"))["reason"] == "kicked"
        await pilot.press("e")
        await until(pilot, lambda: "Final scores" in text_of(app, "#host-status"))
        await ann.close()


@pytest.mark.parametrize("size", SIZES)
async def test_participant_joins_answers_and_sees_the_result(
    hub: Hub, size: tuple[int, int]
) -> None:
    await hub.start()
    app = JoinApp(f"ws://127.0.0.1:{hub.port}", name="지민", lang="ko")
    try:
        async with app.run_test(size=size) as pilot:
            app.query_one("#join-code", Input).value = "abcdef"
            app.query_one("#join-name", Input).focus()
            await pilot.press("enter")
            await until(pilot, lambda: "In the lobby" in text_of(app, "#peer-status"))
            assert "지민" in text_of(app, "#peer-bar")
            await hub.next()
            await until(pilot, lambda: "Question 1" in text_of(app, "#peer-status"))
            assert "무엇이 출력될까요" in app.query_one("#peer-prompt", Markdown).source
            assert "sum([1, 2, 3])" in text_of(app, "#peer-code")
            await until(pilot, lambda: app.focused is not None and app.focused.id == "predict-text")
            await pilot.press("6", "enter")
            await until(pilot, lambda: hub.phase is Phase.REVEAL)
            await until(pilot, lambda: "✓ right" in text_of(app, "#peer-result"))
            assert "sum은 항목을 더합니다" in app.query_one("#peer-explain", Markdown).source
            await until(pilot, lambda: "#1" in text_of(app, "#peer-bar"))
            # A choice question: the study widget, in the deck's Korean, marked at the reveal.
            await hub.next()
            await until(pilot, lambda: isinstance(app.focused, ChoiceList))
            await pilot.press("1", "3", "enter")
            await until(pilot, lambda: "✓ right" in text_of(app, "#peer-result"))
            assert app.query_one(ChoiceAnswer).choices.correct == frozenset({0, 2})
            # A code question: the editor, sent with ctrl+s.
            await hub.next()
            await until(pilot, lambda: app.focused is not None and app.focused.id == "code-editor")
            editor = app.query_one("#code-editor")
            editor.text = "def double(x):\n    return 2 * x\n"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "✓ right" in text_of(app, "#peer-result"))
            await hub.end()
            await until(pilot, lambda: "Final scores" in text_of(app, "#peer-status"))
    finally:
        await hub.stop()


async def test_participant_sees_why_a_join_is_refused(hub: Hub) -> None:
    await hub.start()
    app = JoinApp(f"ws://127.0.0.1:{hub.port}", name="Ann", code="WRONG1")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            await until(pilot, lambda: "not this session's code" in text_of(app, "#join-error"))
            app.query_one("#join-code", Input).value = CODE
            await pilot.press("enter")
            await until(pilot, lambda: "In the lobby" in text_of(app, "#peer-status"))
    finally:
        await hub.stop()


async def test_participant_reconnects_by_itself_and_keeps_its_seat(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    hub = make_hub(ExecRunner(), path)
    await hub.start()
    port = hub.port
    app = JoinApp(f"ws://127.0.0.1:{port}", name="Ann", code=CODE)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            await until(pilot, lambda: "In the lobby" in text_of(app, "#peer-status"))
            # The host goes away and comes back on the same port with the same session.
            await hub.stop()
            hub.journal.close()
            await until(pilot, lambda: "reconnecting" in text_of(app, "#peer-bar"))
            hub = make_hub(ExecRunner(), path, fresh=False)
            hub.restore()
            await hub.start("127.0.0.1", port)
            await until(pilot, lambda: text_of(app, "#peer-bar").split(" · ")[1] == "connected", 10)
            assert [s.name for s in hub.live_seats()] == ["Ann"]
            await hub.next()
            await until(pilot, lambda: "Question 1" in text_of(app, "#peer-status"))
    finally:
        await hub.stop()
        hub.journal.close()
        await asyncio.sleep(0)


async def test_names_are_shown_as_text_never_as_markup(hub: Hub) -> None:
    await hub.start()
    app = JoinApp(f"ws://127.0.0.1:{hub.port}", name="Ann", code=CODE)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            eve = await Probe(hub.port).open()
            await eve.join("[@click=app.quit]x[/]")
            await pilot.press("enter")
            await until(pilot, lambda: "[@click=app.quit]x[/]" in text_of(app, "#peer-result"))
            await eve.close()
    finally:
        await hub.stop()
