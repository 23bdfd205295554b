"""The participant's TUI: enter the code and a name, wait in the lobby, answer each question with
the study answer widgets, see the result and rank after each reveal.

It talks to the hub only through `quiz.peer.client`; it never imports torch or the sandbox (a
test proves it): all code runs on the host. A lost connection is resumed by token with backoff.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.highlight import highlight
from textual.widgets import Button, Input, Markdown, Static

from quiz.i18n import N_, _
from quiz.peer.client import Participant, PeerError
from quiz.tui.peer.answers import answer_parts, answer_widget
from quiz.tui.peer.join_hooks import JoinHooks
from quiz.tui.peer.outcomes import outcome_counts
from quiz.tui.widgets.answer import AnswerWidget
from quiz.tui.widgets.choice_answer import ChoiceAnswer
from quiz.tui.widgets.footer import QuizFooter

OUTCOME_TEXT = {
    "pass": (N_("✓ right"), "$text-success"),
    "fail": (N_("✗ wrong"), "$text-error"),
    "timeout": (N_("⏱ timed out"), "$text-warning"),
    "error": (N_("! could not be graded"), "$text-warning"),
}


class JoinApp(App[int]):
    CSS_PATH = "join.tcss"
    TITLE = "quiz join"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", N_("Send answer"), priority=True),
        Binding("ctrl+q", "quit", N_("Leave")),
    ]

    def __init__(
        self,
        url: str,
        *,
        name: str = "",
        code: str = "",
        lang: str | None = None,
        participant_factory: type[Participant] = Participant,
        hooks: JoinHooks | None = None,
    ) -> None:
        super().__init__()
        self.url = url
        self.initial_name = name
        self.initial_code = code
        self.lang = lang
        self.participant_factory = participant_factory
        self.hooks = hooks or JoinHooks()  # reviews into the store, or a browser's seat
        self.participant: Participant | None = None
        self.you = ""
        self.card: dict[str, Any] | None = None
        self.question = -1
        self.deadline = 0.0  # monotonic, here; the hub's clock decides what counts
        self.paused = False
        self.answered = False
        self.connection = _("connecting…")
        self.rank = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="join-form"):
            yield Static(_("Join a quiz session"), classes="title")
            yield Static(_("Host: {url}").format(url=self.url), id="join-host", markup=False)
            yield Input(self.initial_code, placeholder=_("join code (6 letters)"), id="join-code")
            yield Input(
                self.initial_name, placeholder=_("your name"), id="join-name", max_length=24
            )
            yield Button(_("Join"), id="join-go", variant="primary")
            yield Static(id="join-error", markup=False)
        with Container(id="session", classes="-empty"):
            yield Static(id="peer-bar", markup=False)
            with VerticalScroll(id="peer-body"):
                yield Static(id="peer-status", markup=False)
                yield Markdown(id="peer-prompt")
                yield Static(id="peer-code", markup=False)
                yield Container(id="peer-answer")
                yield Static(id="peer-result", markup=False)
                yield Markdown(id="peer-explain")
                yield Static(id="peer-board", markup=False)
        yield QuizFooter()

    def on_mount(self) -> None:
        self.set_interval(0.5, self._tick)
        field = "#join-name" if self.initial_code else "#join-code"
        self.query_one(field, Input).focus()
        token = self.hooks.saved_token()
        if token is not None:  # a browser page reloaded: back into the same seat
            self._session("", "", token)

    # -- joining ----------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "join-code":
            self.query_one("#join-name", Input).focus()
        elif event.input.id == "join-name":
            self._join()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "join-go":
            self._join()

    def _join(self) -> None:
        code = self.query_one("#join-code", Input).value.strip()
        name = self.query_one("#join-name", Input).value.strip()
        if not code or not name:
            self.query_one("#join-error", Static).update(_("Enter the code and a name."))
            return
        self.query_one("#join-error", Static).update(_("Joining…"))
        self._session(code, name)

    @work(exclusive=True, group="peer", exit_on_error=False)
    async def _session(self, code: str, name: str, token: str | None = None) -> None:
        participant = self.participant_factory(self.url, self._hub_message, self._connection_status)
        participant.token = token
        self.participant = participant
        try:
            await participant.run(code, name, self.lang)
        except PeerError as exc:
            if token is not None and not self.you:
                self.hooks.forget()
            if self.you:
                self._status(_("disconnected: {reason}").format(reason=exc.message))
            else:
                self.query_one("#join-error", Static).update(exc.message)
            return
        self._connection_status(_("the session is over (ctrl+q leaves)"))

    def _connection_status(self, line: str) -> None:
        self.connection = line
        self._draw_bar()

    # -- what the hub says ------------------------------------------------------------------

    async def _hub_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        handler = getattr(self, f"_got_{kind}", None)
        if handler is None:
            return
        try:
            await handler(message)
        except (KeyError, TypeError, ValueError, AttributeError):
            # A host speaking another version (or a hostile one) must not end the session here.
            self.notify(
                _("The host sent a malformed {kind} message.").format(kind=repr(kind)),
                severity="warning",
            )

    async def _got_welcome(self, message: dict[str, Any]) -> None:
        self.you = str(message["you"]["name"])
        self.hooks.welcome(self, message)
        self.query_one("#join-form").add_class("-empty")
        self.query_one("#session").remove_class("-empty")
        self._draw_bar()

    async def _got_lobby(self, message: dict[str, Any]) -> None:
        if self.card is not None or self.rank:
            return
        names = ", ".join(str(n) for n in message.get("participants", []))
        self._status(
            _("In the lobby: {n} joined. Waiting for the host to start…").format(
                n=message.get("count", 0)
            )
        )
        self.query_one("#peer-result", Static).update(names)

    async def _got_question(self, message: dict[str, Any]) -> None:
        card = message["card"]
        self.hooks.question(message)
        again = message["question"] == self.question
        self.question = int(message["question"])
        self.paused = bool(message.get("paused"))
        self.deadline = time.monotonic() + float(message.get("remaining", 0))
        if again and self.card is not None:
            return  # resent after a reconnect: keep what was typed
        self.card = card
        self.answered = False
        self.rank = ""
        await self._show_prompt(card["prompt"])
        code = "" if card["type"] == "cloze" else str(card.get("code") or "")
        shown = self.query_one("#peer-code", Static)
        shown.update(highlight(code, language="python") if code else "")
        shown.set_class(not code, "-empty")
        holder = self.query_one("#peer-answer", Container)
        await holder.remove_children()
        widget = answer_widget(card)
        await holder.mount(widget)
        widget.focus_answer()
        self.query_one("#peer-result", Static).update("")
        self.query_one("#peer-board", Static).update("")
        await self._show_explain("")
        self._status(self._question_line())

    async def _got_pause(self, message: dict[str, Any]) -> None:
        self.paused = bool(message["paused"])
        self.deadline = time.monotonic() + float(message.get("remaining", 0))
        self._status(self._question_line())

    async def _got_ack(self, message: dict[str, Any]) -> None:
        self.answered = True
        widget = self._answer_widget()
        if widget is not None:
            widget.freeze()
        elapsed = message.get("elapsed")
        if isinstance(elapsed, int | float):
            received = _("Answer received after {seconds} s.").format(seconds=f"{elapsed:.1f}")
        else:
            received = _("Answer received.")
        self._status(received + " " + _("Waiting for the reveal…"))

    async def _got_reveal(self, message: dict[str, Any]) -> None:
        widget = self._answer_widget()
        if widget is not None:
            widget.freeze()
            truth = message.get("truth") or {}
            if isinstance(widget, ChoiceAnswer) and "choices" in truth:
                widget.mark(frozenset(truth["choices"]))
        self.card = None
        result = message.get("result")
        lines: list[Content] = []
        if result is None:
            lines.append(Content.styled(_("No answer this time."), "$text-warning"))
        else:
            label, style = OUTCOME_TEXT.get(result["outcome"], (result["outcome"], ""))
            streak = message.get("streak", 0)
            lines.append(
                Content.assemble(
                    (_(label), f"bold {style}"),
                    "  " + _("+{n} points").format(n=message.get("points", 0)),
                    "  " + _("(streak {n})").format(n=streak) if streak else "",
                )
            )
            lines.append(Content(_("Why: {detail}").format(detail=result.get("detail", ""))))
            run = result.get("run")
            if run:
                output = (run.get("stdout") or "") + (run.get("stderr") or "")
                lines.append(
                    Content(_("Your run on the host: {status}").format(status=run.get("status")))
                )
                if run.get("traceback"):
                    lines.append(Content(str(run["traceback"]).rstrip()))
                elif output.strip():
                    lines.append(Content(output.rstrip()))
        truth_text = str((message.get("truth") or {}).get("text", "")).strip()
        if truth_text:
            lines.append(Content.assemble((_("Right answer:") + " ", "bold"), truth_text))
        counts = message.get("counts") or {}
        shown = outcome_counts(counts, ", ")
        lines.append(Content.styled(_("Everyone: {counts}").format(counts=shown), "$text-muted"))
        self.query_one("#peer-result", Static).update(Content("\n").join(lines))
        await self._show_explain(str(message.get("explain") or ""))
        self._status(_("Question {n}: revealed").format(n=self.question + 1))
        self.hooks.reveal(self, message)

    async def _got_scores(self, message: dict[str, Any]) -> None:
        you = message.get("you") or {}
        self.rank = (
            _("#{rank} · {score} points").format(
                rank=you.get("rank", "?"), score=you.get("score", 0)
            )
            if you
            else ""
        )
        board = "\n".join(
            f"{row['rank']:>3}. {row['name']}  {row['score']}" for row in message.get("board", [])
        )
        if message.get("final"):
            await self._show_prompt("")
            holder = self.query_one("#peer-answer", Container)
            await holder.remove_children()
            self.query_one("#peer-code", Static).add_class("-empty")
            await self._show_explain("")
            self.query_one("#peer-result", Static).update(board)
            self._status(_("Final scores. You are {rank}.").format(rank=self.rank or _("unranked")))
            self.hooks.final(self)
            self.query_one("#peer-board", Static).update("")
        else:
            self.query_one("#peer-board", Static).update(
                Content.assemble((_("Scores") + "\n", "bold"), board)
            )
        self._draw_bar()

    async def _got_error(self, message: dict[str, Any]) -> None:
        self.notify(
            str(message.get("message")), title=_("The host says"), severity="error", markup=False
        )

    async def _got_bye(self, message: dict[str, Any]) -> None:
        reason = message.get("reason")
        if reason == "kicked":
            self._status(_("The host removed you from the session."))
        elif reason == "ended":
            self.connection = _("session over")
        self._draw_bar()

    # -- answering --------------------------------------------------------------------------

    def _answer_widget(self) -> AnswerWidget | None:
        found = self.query("#peer-answer > AnswerWidget")
        widget = found.first() if found else None
        return widget if isinstance(widget, AnswerWidget) else None

    def action_submit(self) -> None:
        widget = self._answer_widget()
        if widget is not None:
            widget.submit()

    def on_answer_widget_submitted(self, event: AnswerWidget.Submitted) -> None:
        event.stop()
        if self.card is None or self.answered or self.participant is None:
            return
        self._send_answer(self.question, answer_parts(self.card, event.response))

    @work(group="answer", exit_on_error=False)
    async def _send_answer(self, question: int, parts: dict[str, Any]) -> None:
        assert self.participant is not None
        if not await self.participant.answer(question, **parts):
            self.notify(_("Not connected: the answer was not sent. Send it again once back."))

    # -- drawing ----------------------------------------------------------------------------

    async def _show_prompt(self, text: str) -> None:
        prompt = self.query_one("#peer-prompt", Markdown)
        await prompt.update(text)
        prompt.set_class(not text, "-empty")

    async def _show_explain(self, text: str) -> None:
        explain = self.query_one("#peer-explain", Markdown)
        await explain.update(text)
        explain.set_class(not text, "-empty")

    def _question_line(self) -> str:
        if self.paused:
            return _("Question {n}: paused by the host").format(n=self.question + 1)
        left = max(self.deadline - time.monotonic(), 0.0)
        sent = " · " + _("sent") if self.answered else ""
        line = _("Question {n} · {seconds} s left").format(
            n=self.question + 1, seconds=f"{left:.0f}"
        )
        return line + sent

    def _tick(self) -> None:
        if self.card is not None and not self.answered:
            self._status(self._question_line())

    def _status(self, line: str) -> None:
        self.query_one("#peer-status", Static).update(line)

    def _draw_bar(self) -> None:
        parts = [self.you or _("not joined"), self.connection]
        if self.rank:
            parts.append(self.rank)
        self.query_one("#peer-bar", Static).update(" · ".join(parts))
