"""After a session: the participant's own store holds one review per answered question, graded
by the host's verdict; the file a browser participant downloads imports with `quiz log import`;
the host writes the results (CSV and JSON) and its end screen shows the group's misses."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from quiz.cli import main
from quiz.paths import locations
from quiz.peer.hub import Hub, Phase
from quiz.peer.results import ResultsWriter, collect, csv_text
from quiz.peer.review_sink import ReviewSink, StoreRecorder
from quiz.srs.store import Store
from quiz.tui.peer.host_app import HostApp
from quiz.tui.peer.join_app import JoinApp
from quiz.tui.peer.join_hooks import StoreHooks
from tests.deck.fakes import ExecRunner
from tests.peer.helpers import CODE, Probe, make_hub

AGAIN, GOOD = 1, 3


async def until(pilot: Pilot[int], condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen never got there")


def text_of(app: HostApp | JoinApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def test_each_answered_question_is_one_review_in_the_participants_store(
    tmp_path: Path,
) -> None:
    hub = make_hub(ExecRunner(), tmp_path / "session.db")
    writer = ResultsWriter(hub, tmp_path / "results")
    await hub.start()
    recorder = StoreRecorder(folder=tmp_path / "reviews")
    app = JoinApp(f"ws://127.0.0.1:{hub.port}", name="Ann", code=CODE, hooks=StoreHooks(recorder))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            bob = await Probe(hub.port).open()
            await bob.join("Bob")
            await pilot.press("enter")
            await until(pilot, lambda: "In the lobby" in text_of(app, "#peer-status"))
            # 1: predict, Ann right, Bob wrong.
            await hub.next()
            await until(pilot, lambda: app.focused is not None and app.focused.id == "predict-text")
            await bob.send("answer", question=0, text="5")
            await pilot.press("6", "enter")
            await until(pilot, lambda: "✓ right" in text_of(app, "#peer-result"))
            # 2: choice, Ann wrong (only 2 of the even 2 and 4), Bob right.
            await hub.next()
            await until(pilot, lambda: hub.open is not None and hub.open.index == 1)
            await pilot.pause(0.2)
            await bob.send("answer", question=1, choices=[0, 2])
            await pilot.press("1", "enter")
            await until(pilot, lambda: "✗ wrong" in text_of(app, "#peer-result"))
            # 3: Ann does not answer; the host reveals: no review for it.
            await hub.next()
            await until(pilot, lambda: "Question 3" in text_of(app, "#peer-status"))
            await hub.reveal()
            await until(pilot, lambda: "No answer" in text_of(app, "#peer-result"))
            await hub.end()
            await until(pilot, lambda: "Final scores" in text_of(app, "#peer-status"))
            await bob.close()
    finally:
        await hub.stop()

    with Store.open() as store:  # the participant's own store (QUIZ_HOME)
        sum_list = store.events("peer-demo/sum-list")
        pick_even = store.events("peer-demo/pick-even")
        asked_unanswered = store.events("peer-demo/write-double")
        card = store.card("peer-demo/sum-list", "peer-demo")
    assert [(e.rating, e.outcome, e.answer_text) for e in sum_list] == [(GOOD, "pass", "6")]
    assert [(e.rating, e.outcome) for e in pick_even] == [(AGAIN, "fail")]
    assert asked_unanswered == []
    assert card.state != 0 and card.due is not None  # scheduled, though no deck is loaded
    assert recorder.path.exists()

    # The host's results: a row per participant per question, and the summary.
    csv_path, json_path = writer.paths
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 6
    ann = [(r["question"], r["status"], r["correct"]) for r in rows if r["participant"] == "Ann"]
    assert ann == [("1", "pass", "1"), ("2", "fail", "0"), ("3", "no-answer", "0")]
    data = json.loads(json_path.read_text(encoding="utf-8"))
    first = data["questions"][0]
    assert (first["right"], first["asked"], first["wrong_answers"]) == (1, 2, [["5", 1]])
    missed = {p["name"]: p["missed"] for p in data["participants"]}
    assert missed["Ann"] == ["peer-demo/pick-even", "peer-demo/write-double"]
    assert missed["Bob"] == ["peer-demo/sum-list", "peer-demo/write-double"]


def test_the_browser_download_imports_with_quiz_log_import(tmp_path: Path, capsys: object) -> None:
    moment = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    sink = ReviewSink(clock=lambda: moment)
    sink.welcome({"token": "t" * 32})
    for index, card in enumerate(("sum-list", "pick-even", "write-double")):
        sink.question({"question": index, "card": {"deck": "peer-demo", "id": card}})
    sink.reveal({"question": 0, "result": {"outcome": "pass", "given": "=6"}, "elapsed": 2.5})
    sink.reveal({"question": 1, "result": {"outcome": "timeout", "given": ""}, "elapsed": 9})
    sink.reveal({"question": 2, "result": None, "elapsed": 10})
    sink.reveal({"question": 0, "result": {"outcome": "pass", "given": "6"}, "elapsed": 1})
    download = tmp_path / "quiz-session-ABCDEF.csv"
    download.write_text(sink.csv_text(), encoding="utf-8")

    assert main(["log", "import", str(download)]) == 0
    assert main(["log", "import", str(download)]) == 0  # again: nothing is doubled
    with Store.open(locations().database) as store:
        got = [
            (e.key, e.rating, e.outcome, e.duration_ms, e.answer_text, e.time)
            for e in store.iter_events()
        ]
    stamp = int(moment.timestamp() * 1_000_000)
    assert got == [
        ("peer-demo/sum-list", GOOD, "pass", 2500, "=6", stamp),  # a formula-looking answer
        ("peer-demo/pick-even", AGAIN, "timeout", 9000, "", stamp),
    ]


async def test_the_host_end_screen_shows_misses_and_where_the_results_are(
    tmp_path: Path,
) -> None:
    hub = make_hub(ExecRunner(), tmp_path / "session.db")
    writer = ResultsWriter(hub, tmp_path / "results")
    app = HostApp(hub, port=0, results=writer)
    async with app.run_test(size=(120, 36)) as pilot:
        ann = await Probe(hub.port).open()
        await ann.join("Ann")
        await pilot.press("s")
        await until(pilot, lambda: hub.phase is Phase.QUESTION)
        await ann.send("answer", question=0, text="7")
        await ann.expect("reveal")
        await pilot.press("e")
        await until(pilot, lambda: "Results:" in text_of(app, "#host-detail"))
        shown = text_of(app, "#host-detail")
        assert "1. peer-demo/sum-list: 0/1  wrong: 7 ×1" in shown
        assert "Ann: peer-demo/sum-list" in shown
        assert str(writer.paths[0]) in shown.replace("\n", "")
        await ann.close()
    assert "7" in csv_text(collect(hub))
    hub.journal.close()


async def test_a_formula_in_an_answer_stays_text_in_the_results(tmp_path: Path) -> None:
    hub: Hub = make_hub(ExecRunner(), tmp_path / "session.db")
    await hub.start()
    try:
        eve = await Probe(hub.port).open()
        await eve.join("=HYPERLINK(1)")
        await hub.next()
        await eve.send("answer", question=0, text="=1+1")
        await eve.expect("reveal")
    finally:
        await hub.stop()
    text = csv_text(collect(hub))
    assert "'=HYPERLINK(1)" in text and "'=1+1" in text
    hub.journal.close()
