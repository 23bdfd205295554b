"""The hub against real WebSocket clients on 127.0.0.1: joining, answering, grading, resilience."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from quiz.outcome import Outcome
from quiz.peer import hub as hub_module
from quiz.peer import protocol as p
from quiz.peer.hub import Hub, Phase, new_join_code
from quiz.peer.scoring import Scoring
from quiz.sandbox.protocol import RunRequest, RunResult, RunStatus
from tests.deck.fakes import ExecRunner
from tests.peer.helpers import CODE, SECRETS, Probe, make_hub

OpenProbe = Callable[[], Awaitable[Probe]]

# The demo deck's questions, in order: 0 predict, 1 choice, 2 code, 3 cloze.
RIGHT: list[dict[str, Any]] = [
    {"text": "6"},
    {"choices": [0, 2]},
    {"text": "def double(x):\n    return 2 * x\n"},
    {"fills": ["join"]},
]
WRONG: list[dict[str, Any]] = [
    {"text": "7"},
    {"choices": [1]},
    {"text": "def double(x):\n    return x\n"},
    {"fills": ["split"]},
]


async def seated(open_probe: OpenProbe, name: str) -> Probe:
    probe = await open_probe()
    await probe.join(name)
    return probe


async def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


def test_join_code_is_six_unambiguous_characters() -> None:
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) > 190
    for code in codes:
        assert len(code) == 6
        assert not set(code) & set("0O1IL5S2Z")
        assert set(code) <= set(p.CODE_ALPHABET)


async def test_join_welcomes_with_a_token_and_the_lobby(hub: Hub, probe: OpenProbe) -> None:
    ann = await probe()
    welcome = await ann.join("Ann")
    assert welcome["v"] == 1
    assert welcome["you"]["name"] == "Ann"
    assert welcome["phase"] == "lobby"
    assert len(welcome["token"]) >= 24
    lobby = await ann.expect("lobby")
    assert "Ann" in lobby["participants"]
    assert [s.name for s in hub.live_seats()] == ["Ann"]
    # The code is matched whatever the case or spacing the participant typed.
    bob = await probe()
    await bob.send("join", code=" abc def ", name="Bob")
    assert (await bob.recv())["type"] == "welcome"


async def test_wrong_code_five_times_closes_and_changes_nothing(hub: Hub, probe: OpenProbe) -> None:
    mallory = await probe()
    for attempt in range(5):
        await mallory.send("join", code="ZZZZZZ", name="M")
        reply = await mallory.recv()
        assert reply["type"] == "error" and reply["code"] == p.WRONG_CODE, attempt
    with pytest.raises(ConnectionClosed):
        await mallory.recv()
    assert hub.seats == {}


async def test_attempts_are_limited_per_address(
    hub: Hub, probe: OpenProbe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "IP_TRIES", 8)
    for tries in (5, 3):
        guesser = await probe()
        for _ in range(tries):
            await guesser.send("join", code="ZZZZZZ", name="M")
            assert (await guesser.recv())["code"] == p.WRONG_CODE
    # The address has used its tries: even the right code is refused now.
    late = await probe()
    await late.send("join", code=CODE, name="M")
    reply = await late.recv()
    assert reply["code"] == p.TOO_MANY_ATTEMPTS
    assert hub.seats == {}


async def test_a_taken_name_is_refused(hub: Hub, probe: OpenProbe) -> None:
    await seated(probe, "Ann")
    other = await probe()
    await other.send("join", code=CODE, name=" ann ")
    reply = await other.recv()
    assert reply["code"] == p.NAME_TAKEN
    assert "taken" in reply["message"]
    assert len(hub.seats) == 1


async def test_resume_by_token_keeps_the_seat_and_score(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    token = ann.frames[0]["token"]
    await hub.next()
    await ann.expect("question")
    await ann.send("answer", question=0, **RIGHT[0])
    await ann.expect("ack")
    await ann.expect("reveal")
    score = hub.seats[1].score
    assert score > 0
    await ann.close()
    await wait_for(lambda: not hub.live_seats())
    back = await probe()
    await back.send("resume", token=token)
    welcome = await back.expect("welcome")
    assert welcome["you"]["name"] == "Ann" and welcome["phase"] == "reveal"
    assert (await back.expect("reveal"))["points"] == score
    assert (await back.expect("scores"))["you"]["score"] == score
    # A token never seen is a wrong try, not a seat.
    stranger = await probe()
    await stranger.send("resume", token="x" * 32)
    assert (await stranger.recv())["code"] == p.BAD_TOKEN
    assert len(hub.seats) == 1


async def test_resume_mid_question_resends_the_question(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    await seated(probe, "Bob")  # keeps the question open after Ann answers
    await hub.next()
    await ann.expect("question")
    await ann.send("answer", question=0, **RIGHT[0])
    await ann.expect("ack")
    await ann.close()
    back = await probe()
    await back.send("resume", token=ann.frames[0]["token"])
    question = await back.expect("question")
    assert question["question"] == 0
    assert (await back.expect("ack"))["again"] is True


async def test_late_joiner_waits_and_is_not_a_timeout(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    await hub.next()
    await ann.expect("question")
    late = await seated(probe, "Late")
    await late.send("answer", question=0, **RIGHT[0])
    assert (await late.expect("error"))["code"] == p.NOT_OPEN
    await ann.send("answer", question=0, **RIGHT[0])
    await ann.expect("reveal")
    assert hub.counts["no-answer"] == 0
    assert not any(f["type"] == "reveal" for f in late.frames)
    await hub.next()
    assert (await late.expect("question"))["question"] == 1


async def test_kick_closes_the_seat_for_good(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    await hub.kick(1)
    assert (await ann.expect("bye"))["reason"] == "kicked"
    again = await probe()
    await again.send("resume", token=ann.frames[0]["token"])
    assert (await again.recv())["code"] == p.BAD_TOKEN
    assert hub.active_seats() == []


async def test_lock_and_cap(tmp_path: Path) -> None:
    hub = make_hub(ExecRunner(), tmp_path / "s.db", max_participants=2)
    await hub.start()
    probes = [await Probe(hub.port).open() for _ in range(4)]
    try:
        await probes[0].join("A")
        await probes[1].join("B")
        await probes[2].send("join", code=CODE, name="C")
        assert (await probes[2].recv())["code"] == p.SESSION_FULL
        await hub.kick(2)
        hub.lock(True)
        await probes[3].send("join", code=CODE, name="D")
        assert (await probes[3].recv())["code"] == p.LOBBY_LOCKED
        assert [s.name for s in hub.active_seats()] == ["A"]
    finally:
        for each in probes:
            await each.close()
        await hub.stop()
        hub.journal.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", p.BAD_FRAME),
        ("[1, 2]", p.BAD_FRAME),
        (b"\x00binary", p.BAD_FRAME),
        ('{"v": 2, "type": "answer", "question": 0, "text": "6"}', p.BAD_VERSION),
        ('{"v": 1, "type": "shout"}', p.UNKNOWN_TYPE),
        ('{"v": 1, "type": "answer", "question": "0", "text": "6"}', p.BAD_MESSAGE),
        ('{"v": 1, "type": "answer", "question": 0, "text": "6", "fills": []}', p.BAD_MESSAGE),
        ('{"v": 1, "type": "answer", "question": 0, "choices": [0]}', p.BAD_MESSAGE),
        ('{"v": 1, "type": "answer", "question": 3, "text": "6"}', p.WRONG_QUESTION),
        ('{"v": 1, "type": "join", "code": "ABCDEF", "name": "Eve"}', p.ALREADY_JOINED),
    ],
)
async def test_garbage_gets_an_error_and_changes_nothing(
    hub: Hub, probe: OpenProbe, frame: str | bytes, code: str
) -> None:
    eve = await seated(probe, "Eve")
    bob = await seated(probe, "Bob")
    await hub.next()
    await eve.expect("question")
    await eve.send_raw(frame)
    reply = await eve.expect("error")
    assert reply["code"] == code
    assert hub.open is not None and hub.open.answers == {}
    assert len(hub.seats) == 2
    # The hub keeps serving everyone, the sender included.
    await bob.send("answer", question=0, **RIGHT[0])
    assert (await bob.expect("ack"))["question"] == 0
    await eve.send("answer", question=0, **RIGHT[0])
    assert (await eve.expect("ack"))["question"] == 0


async def test_a_second_answer_is_refused(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    await seated(probe, "Bob")
    await hub.next()
    await ann.expect("question")
    await ann.send("answer", question=0, **WRONG[0])
    await ann.send("answer", question=0, **RIGHT[0])
    assert (await ann.expect("ack"))["question"] == 0
    assert (await ann.expect("error"))["code"] == p.ALREADY_ANSWERED
    assert hub.open is not None and hub.open.answers[1].text == "7"
    assert [a for _, a, _ in hub.journal.answers(0)] == [{"question": 0, "text": "7"}]


async def test_an_oversized_frame_closes_only_that_connection(hub: Hub, probe: OpenProbe) -> None:
    eve = await seated(probe, "Eve")
    bob = await seated(probe, "Bob")
    await hub.next()
    await eve.expect("question")
    await eve.send_raw(json.dumps({"v": 1, "type": "answer", "question": 0, "text": "x" * 70000}))
    with pytest.raises(ConnectionClosed):
        await eve.expect("ack")
    await bob.send("answer", question=0, **RIGHT[0])
    assert (await bob.expect("ack"))["question"] == 0


async def test_a_flood_is_throttled_then_closed(hub: Hub, probe: OpenProbe) -> None:
    eve = await seated(probe, "Eve")
    bob = await seated(probe, "Bob")
    await hub.next()
    await eve.expect("question")
    for _ in range(60):
        await eve.send("answer", question=7, text="x")
    codes = []
    with pytest.raises(ConnectionClosed):
        while True:
            message = await eve.recv()
            if message["type"] == "error":
                codes.append(message["code"])
    assert p.TOO_FAST in codes
    assert codes.count(p.WRONG_QUESTION) <= hub_module.RATE
    await bob.send("answer", question=0, **RIGHT[0])
    assert (await bob.expect("ack"))["question"] == 0


async def test_the_deadline_closes_the_question(tmp_path: Path) -> None:
    hub = make_hub(ExecRunner(), tmp_path / "s.db", seconds=0.3)
    await hub.start()
    ann, bob = Probe(hub.port), Probe(hub.port)
    try:
        await ann.open()
        await bob.open()
        await ann.join("Ann")
        await bob.join("Bob")
        await hub.next()
        await ann.expect("question")
        await ann.send("answer", question=0, **RIGHT[0])
        reveal = await bob.expect("reveal", timeout=3)
        assert reveal["result"] is None and reveal["points"] == 0
        assert reveal["counts"]["no-answer"] == 1 and reveal["counts"]["pass"] == 1
        await bob.send("answer", question=0, **RIGHT[0])
        assert (await bob.expect("error"))["code"] == p.NOT_OPEN
    finally:
        await ann.close()
        await bob.close()
        await hub.stop()
        hub.journal.close()


async def test_every_type_is_graded_and_scored_by_speed(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    bob = await seated(probe, "Bob")
    for index in range(4):
        await hub.next()
        await ann.expect("question")
        await bob.expect("question")
        await ann.send("answer", question=index, **RIGHT[index])
        await ann.expect("ack")
        await bob.send("answer", question=index, **WRONG[index])
        mine = await ann.expect("reveal")
        theirs = await bob.expect("reveal")
        assert mine["result"]["outcome"] == Outcome.PASS, (index, mine)
        assert theirs["result"]["outcome"] == Outcome.FAIL, (index, theirs)
        assert 500 <= mine["points"] - min(100 * index, 500) <= 1000
        assert mine["streak"] == index + 1 and theirs["points"] == 0
    # At the reveal the truth arrives: the host's run for predict, the right options for choice.
    reveals = [f for f in ann.frames if f["type"] == "reveal"]
    assert reveals[0]["truth"]["text"].strip() == "6"
    assert reveals[1]["truth"]["choices"] == [0, 2]
    assert reveals[2]["result"]["run"]["status"] == RunStatus.OK
    assert reveals[3]["truth"]["fills"] == ["join"]
    assert hub.code_answers() == []  # the cloze is revealed now; code answers are per question
    await hub.end()
    final = await ann.expect("scores")
    while not final["final"]:
        final = await ann.expect("scores")
    assert final["final"] is True and final["board"][0]["name"] == "Ann"
    assert final["you"]["rank"] == 1 and final["board"][1]["score"] == 0
    assert (await ann.expect("bye"))["reason"] == "ended"


async def test_nothing_that_grades_is_sent_before_the_reveal(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    await seated(probe, "Bob")
    for index in range(4):
        start = len(ann.raw)
        await hub.next()
        await ann.expect("question")
        await ann.send("answer", question=index, **WRONG[index])
        await ann.expect("ack")
        for frame in ann.raw[start:]:
            for secret in SECRETS:
                assert secret not in frame, (secret, frame)
        await hub.reveal()
        await ann.expect("reveal")
    cards = [f["card"] for f in ann.frames if f["type"] == "question"]
    for card in cards:
        assert not {"answer", "check", "solution", "truths", "explain", "wrong"} & set(card)
    assert cards[3]["code"].count("{{…::method}}") == 1


async def test_code_answers_are_shown_to_the_host_at_reveal(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    hub.index = 1  # straight to the code card
    await hub.next()
    await ann.expect("question")
    await ann.send("answer", question=2, **RIGHT[2])
    await ann.expect("reveal")
    assert hub.code_answers() == [("Ann", "pass", RIGHT[2]["text"])]


async def test_a_hanging_answer_does_not_hold_up_the_others(
    tmp_path: Path,
) -> None:
    class SlowForOne(ExecRunner):
        async def arun(self, request: RunRequest) -> RunResult:
            if any("hang" in s.source for s in request.segments):
                await asyncio.sleep(0.5)  # stands in for a run killed at the card's timeout
                return RunResult(RunStatus.TIMEOUT)
            return self.run(request)

    hub = make_hub(SlowForOne(), tmp_path / "s.db")
    await hub.start()
    hub.index = 1
    probes = [await Probe(hub.port).open() for _ in range(3)]
    try:
        for n, each in enumerate(probes):
            await each.join(f"P{n}")
        await hub.next()
        await probes[0].send("answer", question=2, text="hang = 1\nwhile hang: pass")
        await probes[0].expect("ack")
        for each in probes[1:]:
            await each.send("answer", question=2, **RIGHT[2])
            await each.expect("ack")
        # The honest answers are graded while the hostile one still runs.
        await wait_for(
            lambda: hub.open is not None and sum(t.done() for t in hub.open.grades.values()) == 2,
            0.4,
        )
        reveal = await probes[0].expect("reveal")
        assert reveal["result"]["outcome"] == Outcome.TIMEOUT
        assert hub.counts["pass"] == 2
    finally:
        for each in probes:
            await each.close()
        await hub.stop()
        hub.journal.close()


async def test_answers_are_durable_before_the_ack_and_a_host_restart_resumes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    hub = make_hub(ExecRunner(), path, scoring=Scoring.ACCURACY)
    await hub.start()
    ann, bob = Probe(hub.port), Probe(hub.port)
    await ann.open()
    await bob.open()
    await ann.join("Ann")
    await bob.join("Bob")
    await hub.next()
    await ann.send("answer", question=0, **RIGHT[0])
    await bob.send("answer", question=0, **RIGHT[0])
    await ann.expect("reveal")
    await hub.next()
    await ann.send("answer", question=1, **RIGHT[1])
    await ann.expect("ack")
    # The ack came: the answer is on disk, as another reader of the file sees it.
    from quiz.peer.journal import Journal

    other = Journal(path, fresh=False)
    assert [a for _, a, _ in other.answers(1)] == [{"question": 1, "choices": [0, 2]}]
    other.close()
    # The host dies mid-question.
    await ann.close()
    await bob.close()
    await hub.stop()
    hub.journal.close()

    again = make_hub(ExecRunner(), path, fresh=False, scoring=Scoring.ACCURACY)
    again.restore()
    assert {s.name: s.score for s in again.seats.values()} == {"Ann": 1, "Bob": 1}
    await again.start()
    await again.reopen()
    try:
        assert again.phase is Phase.QUESTION and again.index == 1
        assert set(again.open.answers) == {1} if again.open else False
        back = Probe(again.port)
        await back.open()
        await back.send("resume", token=ann.frames[0]["token"])
        await back.expect("question")
        await again.reveal()
        reveal = await back.expect("reveal")
        assert reveal["result"]["outcome"] == Outcome.PASS
        board = {row["name"]: row["score"] for row in again.scoreboard()}
        assert board == {"Ann": 2, "Bob": 1}
        await back.close()
    finally:
        await again.stop()
        again.journal.close()


async def test_answers_still_being_written_are_in_the_reveal(
    hub: Hub, probe: OpenProbe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quiz.peer.journal import Journal

    slow_write = Journal._write_group

    def slow(self: Journal, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        time.sleep(0.1)  # a slow disk: answers queue up behind one another's commit
        slow_write(self, statements)

    monkeypatch.setattr(Journal, "_write_group", slow)
    people = [await seated(probe, name) for name in ("A", "B", "C")]
    await hub.next()
    for each in people:
        await each.expect("question")
    for each in people:
        await each.send("answer", question=0, **RIGHT[0])
    reveals = [await each.expect("reveal") for each in people]
    assert [r["result"]["outcome"] for r in reveals] == ["pass"] * 3
    assert hub.counts["pass"] == 3
    assert all(any(f["type"] == "ack" for f in each.frames) for each in people)


async def test_skip_drops_the_question_unscored_and_asks_the_next(
    hub: Hub, probe: OpenProbe
) -> None:
    ann = await seated(probe, "Ann")
    await seated(probe, "Bob")
    await hub.next()
    await ann.send("answer", question=0, **RIGHT[0])
    await ann.expect("ack")
    await hub.skip()
    assert (await ann.expect("question"))["question"] == 1
    assert not any(f["type"] == "reveal" for f in ann.frames)
    assert hub.seats[1].score == 0 and hub.skipped == {0}


async def test_pause_stops_the_clock_and_refuses_answers(hub: Hub, probe: OpenProbe) -> None:
    ann = await seated(probe, "Ann")
    await hub.next()
    await ann.expect("question")
    assert hub.pause() is True
    paused = await ann.expect("pause")
    assert paused["paused"] is True
    left = hub.remaining()
    await asyncio.sleep(0.2)
    assert hub.remaining() == left
    await ann.send("answer", question=0, **RIGHT[0])
    assert (await ann.expect("error"))["code"] == p.NOT_OPEN
    assert hub.pause() is False
    assert (await ann.expect("pause"))["paused"] is False
    await ann.send("answer", question=0, **RIGHT[0])
    assert (await ann.expect("ack"))["elapsed"] < 0.2


async def test_idle_connections_are_capped(tmp_path: Path) -> None:
    hub = make_hub(ExecRunner(), tmp_path / "s.db", max_participants=1)
    await hub.start()
    idle = [await Probe(hub.port).open() for _ in range(4 * 1 + 64)]
    extra = await Probe(hub.port).open()
    try:
        with pytest.raises(ConnectionClosed):
            await extra.recv()
    finally:
        for each in [*idle, extra]:
            await each.close()
        await hub.stop()
        hub.journal.close()
