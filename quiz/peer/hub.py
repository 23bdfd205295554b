"""The hub: the session's websockets server and state machine (lobby → question → reveal → end).

The host screen drives it in-process (start, next, reveal, skip, pause, kick, lock, end) and
listens for changes. Everything a participant sends is parsed by `protocol` first; a bad frame is
an `error` reply and changes nothing. Timing is the hub's own clock. Nothing that grades an
answer leaves the hub before the reveal: a question carries only `protocol.card_view`.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from quiz.deck.model import CardType
from quiz.peer import protocol as p
from quiz.peer.grading import Graded, SharedRuns, answer_from_dict, answer_to_dict, grade, prime
from quiz.peer.grading import truth as question_truth
from quiz.peer.journal import Journal, ResultRow, SeatRow
from quiz.peer.plan import Question
from quiz.peer.scoring import Scoring, Standing, board, ranking, score
from quiz.sandbox.protocol import Runner

WRONG_TRIES = 5  # wrong codes or tokens on one connection before it is closed
IP_TRIES = 20  # wrong codes or tokens from one address ...
IP_WINDOW = 300.0  # ... within this many seconds, before the address is refused
RATE = 10  # messages a second one connection may send; more get `too-fast`
RATE_CLOSE = 40  # and this many in a second closes it
HELLO_SECONDS = 15.0  # a connection must join or resume this soon
BOARD_ROWS = 10  # rows of the scoreboard sent to participants (each also gets its own row)
PRIME_DELAY = 0.25  # seconds after a question goes out before its shared runs start


class Phase(StrEnum):
    LOBBY = "lobby"
    QUESTION = "question"
    REVEAL = "reveal"
    END = "end"


@dataclass
class Seat:
    id: int
    name: str
    token: str
    first_question: int  # the first question this seat is asked (late joiners wait)
    kicked: bool = False
    lang: str | None = None  # the participant's language for deck text; None: the host's
    conn: ServerConnection | None = None
    score: int = 0
    correct: int = 0
    time: float = 0.0
    streak: int = 0

    def standing(self) -> Standing:
        return Standing(self.id, self.name, self.score, self.correct, self.time)


@dataclass
class _Peer:
    """One connection, before and after it holds a seat."""

    ip: str
    seat: Seat | None = None
    wrong: int = 0
    recent: deque[float] = field(default_factory=deque)


@dataclass
class _Open:
    """The question being answered."""

    index: int
    opened: float  # monotonic
    limit: float
    paused_at: float | None = None
    paused_total: float = 0.0
    closed: bool = False
    answers: dict[int, p.AnswerMessage] = field(default_factory=dict)
    elapsed: dict[int, float] = field(default_factory=dict)
    grades: dict[int, asyncio.Task[Graded]] = field(default_factory=dict)
    writes: list[asyncio.Future[None]] = field(default_factory=list)

    def used(self, now: float) -> float:
        paused = self.paused_total + (now - self.paused_at if self.paused_at is not None else 0.0)
        return now - self.opened - paused

    def remaining(self, now: float) -> float:
        return max(self.limit - self.used(now), 0.0)


async def drop(conn: ServerConnection, code: int, reason: str) -> None:
    """Close a connection that misbehaves. A flooder's unread frames stop the hub from reading
    its close reply, so after a second the socket is cut instead of waiting."""
    try:
        async with asyncio.timeout(1.0):
            await conn.close(code, reason)
    except TimeoutError:
        conn.transport.abort()


def new_join_code() -> str:
    return "".join(secrets.choice(p.CODE_ALPHABET) for _ in range(p.CODE_LENGTH))


class Hub:
    def __init__(
        self,
        questions: list[Question],
        runner: Runner,
        journal: Journal,
        *,
        code: str | None = None,
        scoring: Scoring = Scoring.SPEED,
        seconds: float = 30.0,
        max_participants: int = 64,
        lang: str = "en",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.questions = questions
        self.runner = runner
        self.journal = journal
        self.code = code or new_join_code()
        self.scoring = scoring
        self.seconds = seconds
        self.max_participants = max_participants
        self.lang = lang
        self.clock = clock
        self.phase = Phase.LOBBY
        self.index = -1  # the question asked last
        self.locked = False
        self.skipped: set[int] = set()
        self.seats: dict[int, Seat] = {}
        self.by_token: dict[str, Seat] = {}
        self.open: _Open | None = None
        self.last_reveal: dict[int, dict[str, Any]] = {}  # seat -> its reveal message
        self.reveal_truth: dict[str, Any] | None = None
        self.counts: dict[str, int] = {}
        self.listeners: list[Callable[[str], None]] = []
        self._peers: dict[ServerConnection, _Peer] = {}
        self._ip_failures: dict[str, deque[float]] = {}
        self._server: Server | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task[None] | None = None
        self._lobby_pending = False
        self._runs = SharedRuns(runner)
        self._pending_reopen = False
        self._priming: asyncio.Task[None] | None = None
        self.port = 0

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Serve on host:port (0: any free port); returns the port."""
        self._server = await serve(
            self._serve,
            host,
            port,
            max_size=p.MAX_FRAME,
            compression=None,
            ping_interval=20,
            ping_timeout=20,
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self.open is not None:
            for task in self.open.grades.values():
                task.cancel()

    def save_plan(self) -> None:
        self.journal.set_meta(
            questions=[q.as_dict() for q in self.questions],
            code=self.code,
            scoring=str(self.scoring),
            seconds=self.seconds,
            max=self.max_participants,
            lang=self.lang,
            phase=str(self.phase),
            index=self.index,
            locked=self.locked,
            skipped=sorted(self.skipped),
        )

    def restore(self) -> None:
        """Seats, scores and phase from the journal (after `quiz host --resume`). A question
        that was open reopens with its full time; the answers it already had are kept."""
        meta = self.journal.meta()
        self.locked = bool(meta.get("locked", False))
        self.skipped = set(meta.get("skipped", []))
        for row in self.journal.seats():
            seat = Seat(row.id, row.name, row.token, row.first_question, row.kicked, row.lang)
            self.seats[seat.id] = seat
            if not seat.kicked:
                self.by_token[seat.token] = seat
        for result in self.journal.results():
            scored = self.seats.get(result.seat)
            if scored is not None:
                self._add_result(scored, result.correct, result.points, result.elapsed)
        self.index = int(meta.get("index", -1))
        phase = Phase(meta.get("phase", Phase.LOBBY))
        self.phase = Phase.REVEAL if phase is Phase.QUESTION else phase
        self._pending_reopen = phase is Phase.QUESTION

    async def reopen(self) -> None:
        """After `restore`: a question open at the crash is asked again."""
        if self._pending_reopen:
            self._pending_reopen = False
            await self._ask(self.index, keep=True)

    def _changed(self, what: str) -> None:
        for listener in self.listeners:
            listener(what)

    # -- the host's controls ----------------------------------------------------------------

    @property
    def has_next(self) -> bool:
        return self.index + 1 < len(self.questions)

    async def next(self) -> None:
        """Lobby or reveal → the next question (or the end after the last one)."""
        if self.phase is Phase.QUESTION:
            return
        if not self.has_next:
            await self.end()
            return
        await self._ask(self.index + 1)

    async def reveal(self) -> None:
        """Close the open question now (before its deadline) and reveal it."""
        if self.phase is Phase.QUESTION and self.open is not None:
            await self._close_question()

    async def skip(self) -> None:
        """Drop the open question unscored and ask the next one."""
        if self.phase is not Phase.QUESTION or self.open is None or self.open.closed:
            return
        self._cancel_timer()
        for task in self.open.grades.values():
            task.cancel()
        self.skipped.add(self.open.index)
        self.open = None
        self.phase = Phase.REVEAL
        self.journal.set_meta(skipped=sorted(self.skipped), phase=str(self.phase))
        await self.next()

    def pause(self) -> bool:
        """Stop (or restart) the countdown; no answers are taken while paused. True: paused."""
        current = self.open
        if self.phase is not Phase.QUESTION or current is None or current.closed:
            return False
        now = self.clock()
        if current.paused_at is None:
            current.paused_at = now
            self._cancel_timer()
        else:
            current.paused_total += now - current.paused_at
            current.paused_at = None
            self._arm_timer(current.remaining(now))
        paused = current.paused_at is not None
        self._fanout(p.encode("pause", paused=paused, remaining=round(current.remaining(now), 3)))
        self._changed("pause")
        return paused

    async def kick(self, seat_id: int) -> None:
        seat = self.seats.get(seat_id)
        if seat is None or seat.kicked:
            return
        seat.kicked = True
        self.by_token.pop(seat.token, None)
        self.journal.kick(seat_id)
        if seat.conn is not None:
            conn, seat.conn = seat.conn, None
            await self._send(conn, p.encode("bye", reason="kicked"))
            await conn.close(4001, "removed by the host")
        self._lobby_changed()
        self._changed("kick")

    def lock(self, locked: bool | None = None) -> bool:
        self.locked = (not self.locked) if locked is None else locked
        self.journal.set_meta(locked=self.locked)
        self._lobby_changed()
        self._changed("lock")
        return self.locked

    async def end(self) -> None:
        if self.phase is Phase.QUESTION:
            await self._close_question()
        self._cancel_timer()
        self.phase = Phase.END
        self.journal.set_meta(phase=str(self.phase))
        for seat in self.live_seats():
            await self._send_scores(seat, final=True)
        self._fanout(p.encode("bye", reason="ended"))
        self._changed("end")

    # -- what the host screen reads ---------------------------------------------------------

    def live_seats(self) -> list[Seat]:
        return [s for s in self.seats.values() if s.conn is not None and not s.kicked]

    def active_seats(self) -> list[Seat]:
        return [s for s in self.seats.values() if not s.kicked]

    def eligible(self, index: int) -> list[Seat]:
        return [s for s in self.active_seats() if s.first_question <= index]

    def standings(self) -> list[Standing]:
        return [s.standing() for s in self.active_seats()]

    def scoreboard(self) -> list[dict[str, object]]:
        return board(self.standings())

    def remaining(self) -> float:
        return self.open.remaining(self.clock()) if self.open is not None else 0.0

    def answered(self) -> int:
        return len(self.open.answers) if self.open is not None else 0

    def code_answers(self) -> list[tuple[str, str, str]]:
        """(name, outcome, code) of every answer to the revealed question, for the host."""
        rows: list[tuple[str, str, str]] = []
        if not self.last_reveal or self.questions[self.index].card.type is not CardType.CODE:
            return rows
        for seat_id, message in self.last_reveal.items():
            result = message.get("result") or {}
            seat = self.seats.get(seat_id)
            if seat is not None and result.get("given") is not None:
                rows.append((seat.name, str(result.get("outcome")), str(result.get("given"))))
        return sorted(rows)

    # -- asking and revealing ---------------------------------------------------------------

    async def _ask(self, index: int, keep: bool = False) -> None:
        question = self.questions[index]
        self.index = index
        self.phase = Phase.QUESTION
        self._runs = SharedRuns(self.runner)
        self.open = _Open(index, self.clock(), self.seconds)
        self.last_reveal = {}
        self.reveal_truth = None
        if keep:
            for seat_id, data, elapsed in self.journal.answers(index):
                self._accept(seat_id, answer_from_dict(data), min(elapsed, self.seconds))
        self.journal.set_meta(phase=str(self.phase), index=index)
        self._arm_timer(self.seconds)
        by_lang: dict[str | None, list[Seat]] = {}
        for seat in self.eligible(index):
            by_lang.setdefault(seat.lang, []).append(seat)
        for lang, seats in by_lang.items():
            self._fanout(self._question_frame(lang), seats)
        # The runs every answer shares start a moment after the question is out, so that the
        # fan-out does not compete with them; an earlier answer starts them itself.
        runs = self._runs
        asyncio.get_running_loop().call_later(PRIME_DELAY, lambda: self._prime(question, runs))
        self._changed("question")

    def _prime(self, question: Question, runs: SharedRuns) -> None:
        if runs is self._runs:
            self._priming = asyncio.create_task(prime(question.deck, question.card, runs))

    def _question_frame(self, lang: str | None = None) -> str:
        current = self.open
        assert current is not None
        question = self.questions[current.index]
        expected = (question.card.expected_output or "").strip("\n")
        now = self.clock()
        remaining = current.remaining(now)
        return p.encode(
            "question",
            question=current.index,
            count=len(self.questions),
            card=p.card_view(question.card, lang or self.lang, multiline="\n" in expected),
            time=self.seconds,
            remaining=round(remaining, 3),
            deadline=round(time.time() + remaining, 3),
            paused=current.paused_at is not None,
            sent=time.time(),
        )

    def _arm_timer(self, seconds: float) -> None:
        self._cancel_timer()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(seconds, self._deadline_passed)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _deadline_passed(self) -> None:
        self._timer = None
        self._start_closing()

    def _start_closing(self) -> None:
        if self._closing is None or self._closing.done():
            self._closing = asyncio.create_task(self._close_question())

    async def _close_question(self) -> None:
        current = self.open
        if current is None or current.closed:
            return
        current.closed = True
        self._cancel_timer()
        self._changed("grading")
        question = self.questions[current.index]
        # Answers still being written belong to this question; a failed write drops its answer.
        await asyncio.gather(*current.writes, return_exceptions=True)
        await asyncio.sleep(0)  # their acks go out before the reveal
        seat_ids = list(current.grades)
        finished = await asyncio.gather(*current.grades.values(), return_exceptions=True)
        grades = {
            seat_id: graded
            for seat_id, graded in zip(seat_ids, finished, strict=True)
            if isinstance(graded, Graded) and seat_id in current.answers
        }
        try:
            truth = await question_truth(question.deck, question.card, self._runs)
        except Exception as exc:  # the reveal still happens, saying why
            truth = {"text": f"(the host could not run the card: {exc})"}
        rows: list[ResultRow] = []
        counts = {"pass": 0, "fail": 0, "error": 0, "timeout": 0, "no-answer": 0}
        personal: dict[int, dict[str, Any]] = {}
        for seat in self.eligible(current.index):
            graded = grades.get(seat.id)
            elapsed = current.elapsed.get(seat.id, self.seconds)
            correct = graded is not None and graded.correct
            scored = score(self.scoring, correct, elapsed, self.seconds, seat.streak)
            self._add_result(seat, correct, scored.points, elapsed, scored.streak)
            key = str(graded.outcome) if graded is not None else "no-answer"
            counts[key] = counts.get(key, 0) + 1
            result = graded.as_dict() if graded is not None else None
            rows.append(ResultRow(current.index, seat.id, result, correct, scored.points, elapsed))
            personal[seat.id] = {
                "result": result,
                "points": scored.points,
                "streak": scored.streak,
                "elapsed": round(elapsed, 3),
            }
        self.phase = Phase.REVEAL
        self.open = None
        self.journal.add_results(rows, phase=str(self.phase), index=current.index)
        self.reveal_truth, self.counts = truth, counts
        explain = question.card.explain
        for seat_id, mine in personal.items():
            lang = self.seats[seat_id].lang or self.lang
            self.last_reveal[seat_id] = {
                "question": current.index,
                "truth": truth,
                "counts": counts,
                "explain": explain.get(lang) if explain is not None else None,
                **mine,
            }
        for seat in self.live_seats():
            if seat.id in self.last_reveal:
                await self._send(seat.conn, p.encode("reveal", **self.last_reveal[seat.id]))
            await self._send_scores(seat, final=False)
        self._changed("reveal")

    def _add_result(
        self, seat: Seat, correct: bool, points: int, elapsed: float, streak: int | None = None
    ) -> None:
        seat.score += points
        seat.correct += int(correct)
        seat.time += elapsed
        seat.streak = streak if streak is not None else (seat.streak + 1 if correct else 0)

    async def _send_scores(self, seat: Seat, *, final: bool) -> None:
        ranked = ranking(self.standings())
        mine = next((s.as_dict(r) for r, s in ranked if s.participant == seat.id), None)
        rows = [s.as_dict(r) for r, s in ranked[:BOARD_ROWS]]
        await self._send(seat.conn, p.encode("scores", final=final, board=rows, you=mine))

    # -- connections ------------------------------------------------------------------------

    async def _serve(self, conn: ServerConnection) -> None:
        if len(self._peers) >= 4 * self.max_participants + 64:
            # A flood of idle sockets must not starve the seated (each has 15 s to take a seat).
            await conn.close(1013, "too many connections")
            return
        address = conn.remote_address
        peer = _Peer(str(address[0]) if address else "?")
        self._peers[conn] = peer
        try:
            hello = await asyncio.wait_for(conn.recv(), HELLO_SECONDS)
            await self._receive(conn, peer, hello)
            async for frame in conn:
                await self._receive(conn, peer, frame)
        except (ConnectionClosed, TimeoutError):
            pass
        finally:
            del self._peers[conn]
            seat = peer.seat
            if seat is not None and seat.conn is conn:
                seat.conn = None
                self._lobby_changed()
                self._changed("left")

    async def _receive(self, conn: ServerConnection, peer: _Peer, frame: str | bytes) -> None:
        now = self.clock()
        peer.recent.append(now)
        while peer.recent and peer.recent[0] <= now - 1.0:
            peer.recent.popleft()
        if len(peer.recent) > RATE_CLOSE:
            await drop(conn, 1008, "too many messages")
            return
        if len(peer.recent) > RATE:
            await self._error(conn, p.TOO_FAST, f"at most {RATE} messages a second")
            return
        try:
            message = p.parse_client(frame)
            if isinstance(message, p.Join):
                await self._join(conn, peer, message)
            elif isinstance(message, p.Resume):
                await self._resume(conn, peer, message)
            else:
                await self._answer(conn, peer, message)
        except p.ProtocolError as exc:
            await self._error(conn, exc.code, exc.message)

    async def _error(self, conn: ServerConnection, code: str, message: str) -> None:
        await self._send(conn, p.encode("error", code=code, message=message))

    async def _send(self, conn: ServerConnection | None, frame: str) -> None:
        if conn is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await conn.send(frame)

    def _fanout(self, frame: str, seats: list[Seat] | None = None) -> None:
        """One frame to many connections without waiting on any of them (a slow reader's
        buffer fills; it never holds up the others)."""
        chosen = self.live_seats() if seats is None else seats
        broadcast([s.conn for s in chosen if s.conn is not None], frame)

    def _lobby_changed(self) -> None:
        # Coalesced: 300 joins in a second send a handful of lobby frames, not 300.
        if self._lobby_pending:
            return
        self._lobby_pending = True
        asyncio.get_running_loop().call_later(0.1, self._send_lobby)

    def _send_lobby(self) -> None:
        self._lobby_pending = False
        self._fanout(self._lobby_frame())

    def _lobby_frame(self) -> str:
        names = [s.name for s in self.active_seats()]
        return p.encode(
            "lobby",
            participants=names[:100],
            count=len(names),
            online=len(self.live_seats()),
            max=self.max_participants,
            locked=self.locked,
            questions=len(self.questions),
        )

    # -- join and resume --------------------------------------------------------------------

    def _refused_ip(self, ip: str) -> bool:
        failures = self._ip_failures.get(ip)
        now = self.clock()
        while failures and failures[0] <= now - IP_WINDOW:
            failures.popleft()
        return bool(failures) and len(failures or ()) >= IP_TRIES

    async def _wrong_try(self, conn: ServerConnection, peer: _Peer, code: str, text: str) -> None:
        peer.wrong += 1
        self._ip_failures.setdefault(peer.ip, deque()).append(self.clock())
        left = WRONG_TRIES - peer.wrong
        await self._error(conn, code, text + (f" ({left} tries left)" if left > 0 else ""))
        if left <= 0:
            await drop(conn, 1008, "too many wrong tries")

    async def _join(self, conn: ServerConnection, peer: _Peer, message: p.Join) -> None:
        if peer.seat is not None:
            raise p.ProtocolError(p.ALREADY_JOINED, "this connection has already joined")
        if self._refused_ip(peer.ip):
            await self._error(conn, p.TOO_MANY_ATTEMPTS, "too many wrong codes from your address")
            await drop(conn, 1008, "too many attempts")
            return
        if not secrets.compare_digest(message.code.encode(), self.code.encode()):
            await self._wrong_try(conn, peer, p.WRONG_CODE, "that is not this session's code")
            return
        if self.phase is Phase.END:
            raise p.ProtocolError(p.SESSION_OVER, "this session has ended")
        if self.locked:
            raise p.ProtocolError(p.LOBBY_LOCKED, "the host has locked the lobby")
        if len(self.active_seats()) >= self.max_participants:
            raise p.ProtocolError(p.SESSION_FULL, f"the session is full ({self.max_participants})")
        wanted = message.name.casefold()
        if any(s.name.casefold() == wanted for s in self.active_seats()):
            raise p.ProtocolError(
                p.NAME_TAKEN,
                f"the name {message.name!r} is taken; pick another (a participant who lost the "
                "connection gets back in by its token, automatically)",
            )
        first = self.index + 1 if self.phase is Phase.QUESTION else max(self.index, 0)
        if self.phase is Phase.REVEAL:
            first = self.index + 1
        seat = Seat(max(self.seats, default=0) + 1, message.name, secrets.token_urlsafe(24), first)
        seat.lang = message.lang
        # Held before the write, so a second join with the same name meanwhile is refused.
        self.seats[seat.id] = seat
        try:
            await self.journal.add_seat(
                SeatRow(seat.id, seat.name, seat.token, first, False, seat.lang)
            )
        except Exception:
            del self.seats[seat.id]
            raise p.ProtocolError(p.SESSION_FULL, "the host could not store the seat") from None
        self.by_token[seat.token] = seat
        await self._seat(conn, peer, seat)
        self._changed("joined")

    async def _resume(self, conn: ServerConnection, peer: _Peer, message: p.Resume) -> None:
        if peer.seat is not None:
            raise p.ProtocolError(p.ALREADY_JOINED, "this connection has already joined")
        if self._refused_ip(peer.ip):
            await self._error(conn, p.TOO_MANY_ATTEMPTS, "too many wrong tries from your address")
            await drop(conn, 1008, "too many attempts")
            return
        seat = self.by_token.get(message.token)
        if seat is None or seat.kicked:
            await self._wrong_try(conn, peer, p.BAD_TOKEN, "no seat has that token")
            return
        old = seat.conn
        if old is not None and old is not conn:
            seat.conn = None
            await self._send(old, p.encode("bye", reason="resumed elsewhere"))
            await old.close(4000, "resumed elsewhere")
        await self._seat(conn, peer, seat)
        self._changed("resumed")

    async def _seat(self, conn: ServerConnection, peer: _Peer, seat: Seat) -> None:
        peer.seat = seat
        seat.conn = conn
        await self._send(
            conn,
            p.encode(
                "welcome",
                token=seat.token,
                you={"id": seat.id, "name": seat.name},
                phase=str(self.phase),
                questions=len(self.questions),
                scoring=str(self.scoring),
            ),
        )
        await self._send(conn, self._lobby_frame())
        current = self.open
        if self.phase is Phase.QUESTION and current is not None:
            if seat.first_question <= current.index and not current.closed:
                await self._send(conn, self._question_frame(seat.lang))
                if seat.id in current.answers:
                    await self._send(conn, p.encode("ack", question=current.index, again=True))
        elif self.phase is Phase.REVEAL and seat.id in self.last_reveal:
            await self._send(conn, p.encode("reveal", **self.last_reveal[seat.id]))
        if self.phase in (Phase.REVEAL, Phase.END):
            await self._send_scores(seat, final=self.phase is Phase.END)
        self._lobby_changed()

    # -- answers ----------------------------------------------------------------------------

    async def _answer(self, conn: ServerConnection, peer: _Peer, message: p.AnswerMessage) -> None:
        seat = peer.seat
        if seat is None:
            raise p.ProtocolError(p.NOT_JOINED, "join the session first")
        current = self.open
        if self.phase is not Phase.QUESTION or current is None or current.closed:
            raise p.ProtocolError(p.NOT_OPEN, "no question is open")
        if message.question != current.index:
            raise p.ProtocolError(p.WRONG_QUESTION, f"question {current.index} is open")
        if seat.first_question > current.index:
            raise p.ProtocolError(p.NOT_OPEN, "you joined during this question: wait for the next")
        if current.paused_at is not None:
            raise p.ProtocolError(p.NOT_OPEN, "the host paused the question")
        if seat.id in current.answers:
            raise p.ProtocolError(p.ALREADY_ANSWERED, "you already answered this question")
        now = self.clock()
        if current.remaining(now) <= 0:
            raise p.ProtocolError(p.NOT_OPEN, "time is up")
        question = self.questions[current.index]
        p.check_answer_shape(p.card_view(question.card, self.lang), message)
        elapsed = current.used(now)
        # Accepted (and grading) at once, so a second answer racing this one is refused; the
        # reveal waits for every write in flight, and the ack only follows a finished write.
        self._accept(seat.id, message, elapsed)
        write = asyncio.ensure_future(
            self.journal.record_answer(current.index, seat.id, answer_to_dict(message), elapsed)
        )
        current.writes.append(write)
        try:
            await write
        except Exception:
            current.answers.pop(seat.id, None)
            current.elapsed.pop(seat.id, None)
            task = current.grades.pop(seat.id, None)
            if task is not None:
                task.cancel()
            text = "the host could not store the answer; send it again"
            raise p.ProtocolError(p.NOT_OPEN, text) from None
        await self._send(conn, p.encode("ack", question=current.index, elapsed=round(elapsed, 3)))
        self._changed("answer")
        waiting = [s for s in self.eligible(current.index) if s.conn is not None]
        if not current.closed and all(s.id in current.answers for s in waiting):
            self._start_closing()

    def _accept(self, seat_id: int, message: p.AnswerMessage, elapsed: float) -> None:
        current = self.open
        assert current is not None
        question = self.questions[current.index]
        current.answers[seat_id] = message
        current.elapsed[seat_id] = elapsed
        current.grades[seat_id] = asyncio.create_task(
            grade(question.deck, question.card, message, self._runs)
        )
        current.grades[seat_id].add_done_callback(lambda _: self._changed("graded"))
