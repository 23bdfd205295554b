"""The host's TUI: the join code and address, the lobby, each question with its countdown, the
reveal (the host's own run, the counts, each participant's code on request) and the scoreboard.

It drives the hub in-process, on the app's own event loop; the hub tells it what changed.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.highlight import highlight
from textual.screen import ModalScreen
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from quiz.deck.cloze import masked
from quiz.deck.model import CardType
from quiz.i18n import N_, _, ngettext
from quiz.peer.hub import Hub, Phase
from quiz.peer.results import collect, summary_lines
from quiz.tui.peer.outcomes import OUTCOME_NAMES, outcome_counts
from quiz.tui.widgets.footer import QuizFooter

if TYPE_CHECKING:
    from quiz.peer.results import ResultsWriter
    from quiz.peer.web import WebParticipants

HOST_KEYS = (
    ("s / n", N_("start the first question, then the next one")),
    ("r", N_("reveal now (close the question before its time is up)")),
    ("x", N_("skip this question (not scored)")),
    ("p", N_("pause or restart the countdown")),
    ("k", N_("kick a participant")),
    ("l", N_("lock or unlock the lobby")),
    ("c", N_("at a code card's reveal: show the next participant's code")),
    ("e", N_("end the session (final scores)")),
    ("q", N_("close this screen (the session is kept: quiz host --resume)")),
)

# The session's phases, as the hub names them.
PHASE_NAMES = {
    "lobby": N_("lobby"),
    "question": N_("question"),
    "reveal": N_("reveal"),
    "end": N_("end"),
}


class HostHelp(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", N_("Close"))
    ]

    def compose(self) -> ComposeResult:
        rows = "\n".join(f"{keys:>6}  {_(what)}" for keys, what in HOST_KEYS)
        with Vertical(id="host-help"):
            yield Static(_("Host keys"), classes="title")
            yield Static(rows, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


class KickScreen(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, seats: list[tuple[int, str]]) -> None:
        super().__init__()
        self.seats = seats

    def compose(self) -> ComposeResult:
        with Vertical(id="kick"):
            yield Static(_("Kick whom? (Enter kicks, Esc cancels)"), classes="title")
            yield OptionList(*(Option(name, id=str(seat)) for seat, name in self.seats))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class HostApp(App[int]):
    CSS_PATH = "host.tcss"
    TITLE = "quiz host"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s,n", "next", N_("Start/next")),
        Binding("r", "reveal", N_("Reveal")),
        Binding("x", "skip", N_("Skip")),
        Binding("p", "pause", N_("Pause")),
        Binding("k", "kick", N_("Kick")),
        Binding("l", "lock", N_("Lock")),
        Binding("c", "code", N_("Code"), show=False),
        Binding("e", "end", N_("End")),
        Binding("question_mark", "help", N_("Keys"), key_display="?"),
        Binding("q", "quit", N_("Close")),
    ]

    def __init__(
        self,
        hub: Hub,
        *,
        bind: str = "127.0.0.1",
        port: int = 0,
        addresses: list[str] | None = None,
        resume: bool = False,
        web: WebParticipants | None = None,
        results: ResultsWriter | None = None,
    ) -> None:
        super().__init__()
        self.hub = hub
        self.web = web  # browser participants (quiz host --web)
        self.results = results
        self.web_url = ""
        self.bind_address = bind
        self.port = port
        self.addresses = addresses
        self.resume = resume
        self.code_index = -1
        self._dirty = True
        self._prompt: str | None = None
        self.address = ""

    def compose(self) -> ComposeResult:
        yield Static(id="host-bar", markup=False)
        with VerticalScroll(id="host-body"):
            yield Static(id="host-status", markup=False)
            yield Markdown(id="host-prompt")
            yield Static(id="host-code", markup=False)
            yield Static(id="host-detail", markup=False)
        yield QuizFooter()

    async def on_mount(self) -> None:
        self.hub.listeners.append(self._hub_changed)
        port = await self.hub.start(self.bind_address, self.port)
        hosts = self.addresses or [self.bind_address]
        self.address = ", ".join(f"{h}:{port}" for h in hosts)
        if self.web is not None:
            await self.web.start(port)
            self.web_url = self.web.urls()[0]
        await self.hub.reopen()
        self.set_interval(0.25, self._tick)
        await self._render()

    async def on_unmount(self) -> None:
        if self.web is not None:
            await self.web.stop()
        await self.hub.stop()

    def _hub_changed(self, what: str) -> None:
        self._dirty = True

    async def _tick(self) -> None:
        if self._dirty or self.hub.phase is Phase.QUESTION:
            # A tick that fires while the app is closing finds its widgets gone: nothing to draw.
            with contextlib.suppress(NoMatches):
                await self._render()

    # -- drawing ----------------------------------------------------------------------------

    async def _render(self) -> None:
        self._dirty = False
        hub = self.hub
        online = len(hub.live_seats())
        seated = len(hub.active_seats())
        lock = " · " + _("locked") if hub.locked else ""
        phase = _(PHASE_NAMES.get(str(hub.phase), str(hub.phase)))
        self.query_one("#host-bar", Static).update(
            Content.assemble(
                (_("code") + " ", "$text-muted"),
                (hub.code, "bold $accent"),
                ("  " + _("join:") + " ", "$text-muted"),
                (f"quiz join {self.address}", "bold"),
                ("  " + _("browser:") + " " if self.web_url else "", "$text-muted"),
                (self.web_url, "bold"),
                (
                    f"  · {phase} · "
                    + _("{online}/{seated} online").format(online=online, seated=seated)
                    + lock,
                    "$text-muted",
                ),
            )
        )
        if hub.phase is Phase.LOBBY:
            await self._show_lobby()
        elif hub.phase is Phase.QUESTION:
            await self._show_question()
        elif hub.phase is Phase.REVEAL:
            await self._show_reveal()
        else:
            await self._show_board(_("Final scores"), final=True)

    async def _set(self, status: str, prompt: str = "", code: str = "", detail: str = "") -> None:
        self.query_one("#host-status", Static).update(status)
        markdown = self.query_one("#host-prompt", Markdown)
        if self._prompt != prompt:  # re-rendering Markdown every tick would flicker
            self._prompt = prompt
            await markdown.update(prompt)
        markdown.set_class(not prompt, "-empty")
        shown = self.query_one("#host-code", Static)
        shown.update(highlight(code, language="python") if code else "")
        shown.set_class(not code, "-empty")
        self.query_one("#host-detail", Static).update(Content(detail))

    async def _show_lobby(self) -> None:
        seats = self.hub.active_seats()
        away = " " + _("(away)")
        names = "  ".join(s.name + ("" if s.conn else away) for s in seats)
        total = len(self.hub.questions)
        waiting = _("Waiting for participants…")
        await self._set(
            _("Lobby: {joined} joined (max {max}).").format(
                joined=len(seats), max=self.hub.max_participants
            )
            + " "
            + ngettext("{n} question.", "{n} questions.", total).format(n=total)
            + " "
            + _("Press s to start, ? for keys."),
            detail=names or waiting,
        )
        if self.web_url:
            from quiz.tui.peer.qr import qr_content

            detail = Content(names or waiting)
            scan = Content.styled(
                "\n" + _("In a browser: {url}").format(url=self.web_url) + "\n", "$text-muted"
            )
            self.query_one("#host-detail", Static).update(
                Content.assemble(detail, scan, qr_content(self.web_url))
            )

    async def _show_question(self) -> None:
        hub = self.hub
        question = hub.questions[hub.index]
        card = question.card
        current = hub.open
        left = hub.remaining()
        paused = current is not None and current.paused_at is not None
        closing = current is not None and current.closed
        if paused:
            state = _("paused")
        elif closing:
            state = _("grading…")
        else:
            state = _("{seconds} s left").format(seconds=f"{left:.0f}")
        waiting = len(hub.eligible(hub.index))
        status = " · ".join(
            [
                _("Question {n}/{total}").format(n=hub.index + 1, total=len(hub.questions)),
                str(card.type),
                state,
                _("{answered}/{waiting} answered").format(answered=hub.answered(), waiting=waiting),
            ]
        )
        detail = ""
        if card.type is CardType.CHOICE:
            detail = "\n".join(
                f"{i + 1}. {o.text.get(hub.lang)}" for i, o in enumerate(card.options)
            )
        code = card.code or ""
        if card.type is CardType.CLOZE:
            code = masked(code)
        await self._set(status, card.prompt.get(hub.lang), code, detail)

    async def _show_reveal(self) -> None:
        hub = self.hub
        if hub.index < 0 or hub.reveal_truth is None:
            await self._show_board(_("Scores"), final=False)
            return
        card = hub.questions[hub.index].card
        counts = outcome_counts(hub.counts)
        truth = str(hub.reveal_truth.get("text", ""))
        lines = [
            _("Right answer: {answer}").format(answer=truth.strip() or _("(none)")),
            _("Answers: {counts}").format(counts=counts or _("none")),
        ]
        code_rows = hub.code_answers()
        shown_code = ""
        if code_rows:
            if 0 <= self.code_index < len(code_rows):
                name, outcome, source = code_rows[self.code_index]
                lines.append(
                    _("{name}'s code ({outcome}), {n}/{total}:").format(
                        name=name,
                        outcome=_(OUTCOME_NAMES.get(outcome, outcome)),
                        n=self.code_index + 1,
                        total=len(code_rows),
                    )
                )
                shown_code = source
            else:
                lines.append(
                    _("Press c to read each participant's code ({n}).").format(n=len(code_rows))
                )
        lines.append("")
        lines.extend(self._board_lines())
        explain = card.explain.get(hub.lang) if card.explain else ""
        status = _("Reveal: question {n}/{total}. n: next").format(
            n=hub.index + 1, total=len(hub.questions)
        )
        if not hub.has_next:
            status += " " + _("(that was the last one: n shows the final scores)")
        await self._set(status, explain, shown_code, "\n".join(lines))

    def _board_lines(self) -> list[str]:
        rows = self.hub.scoreboard()[:10]
        return [
            f"{row['rank']:>3}. {row['name']!s:<24} {row['score']:>6}  "
            + _("({n} right)").format(n=row["correct"])
            for row in rows
        ]

    async def _show_board(self, title: str, *, final: bool) -> None:
        lines = self._board_lines() or [_("(nobody joined)")]
        note = " " + _("The session has ended; q closes.") if final else ""
        if final:
            lines += ["", *summary_lines(collect(self.hub))]
            if self.results is not None and self.results.paths:
                paths = ", ".join(str(p) for p in self.results.paths)
                lines += ["", _("Results: {paths}").format(paths=paths)]
            elif self.results is not None and self.results.error:
                lines += ["", self.results.error]
        await self._set(title + "." + note, detail="\n".join(lines))

    # -- keys -------------------------------------------------------------------------------

    async def action_next(self) -> None:
        self.code_index = -1
        await self.hub.next()
        await self._render()

    async def action_reveal(self) -> None:
        await self.hub.reveal()
        await self._render()

    async def action_skip(self) -> None:
        await self.hub.skip()
        await self._render()

    async def action_pause(self) -> None:
        self.hub.pause()
        await self._render()

    async def action_lock(self) -> None:
        locked = self.hub.lock()
        self.notify(_("Lobby locked: nobody new can join.") if locked else _("Lobby open again."))
        await self._render()

    async def action_end(self) -> None:
        await self.hub.end()
        await self._render()

    async def action_code(self) -> None:
        rows = self.hub.code_answers()
        if rows:
            self.code_index = (self.code_index + 1) % len(rows)
            await self._render()

    def action_help(self) -> None:
        self.push_screen(HostHelp())

    @work(exclusive=True, group="kick")
    async def action_kick(self) -> None:
        seats = [(s.id, s.name) for s in self.hub.active_seats()]
        if not seats:
            self.notify(_("Nobody to kick."))
            return
        chosen = await self.push_screen_wait(KickScreen(seats))
        if chosen:
            await self.hub.kick(chosen)
            await self._render()
