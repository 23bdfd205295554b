"""StudyFlow: the study cycle. Show a card, take the answer, judge it in the sandbox, grade it.

The keys that drive it (and the card commands: hint, undo, bury, ...) are in study.py.
"""

from __future__ import annotations

from fsrs import Rating
from textual import work
from textual.app import ComposeResult
from textual.containers import Container, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Markdown, Static, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from quiz.deck.model import Card, CardType
from quiz.errors import QuizError
from quiz.i18n import _
from quiz.outcome import Outcome
from quiz.sandbox.protocol import RunResult
from quiz.tui.inline import inline
from quiz.tui.markdown import DeckMarkdown
from quiz.tui.ports import JudgementLike, Response
from quiz.tui.screens.study_card import (
    Shown,
    Tally,
    answer_widget,
    correct_choices,
    shown_code,
    verdict_view,
)
from quiz.tui.services import Services
from quiz.tui.widgets.answer import AnswerWidget
from quiz.tui.widgets.choice_answer import ChoiceAnswer, ChoiceList
from quiz.tui.widgets.code_answer import CodeAnswer
from quiz.tui.widgets.code_block import CodeBlock
from quiz.tui.widgets.footer import QuizFooter
from quiz.tui.widgets.grade_bar import GradeBar
from quiz.tui.widgets.run_output import Spinner
from quiz.tui.widgets.study_header import StudyHeader
from quiz.tui.widgets.verdict import Verdict

RETRY_SECONDS = 3


class StudyFlow(Screen[None]):
    class Checked(Message):
        """A judgement came back for the card with this key."""

        def __init__(self, key: str, judgement: JudgementLike) -> None:
            super().__init__()
            self.key = key
            self.judgement = judgement

    class Ran(Message):
        """A ctrl+r run (no grading) finished."""

        def __init__(self, key: str, result: RunResult) -> None:
            super().__init__()
            self.key = key
            self.result = result

    def __init__(
        self, services: Services, deck_id: str | None = None, cram: list[Card] | None = None
    ) -> None:
        super().__init__()
        self.services = services
        self.deck_id = deck_id
        self.cram = list(cram) if cram is not None else None
        self.shown: Shown | None = None
        self._answer: AnswerWidget | None = None
        self.phase = "answering"
        self.tally = Tally()
        self.started_at = services.clock()
        self._pending: Rating | None = None  # a grade the store has not taken yet
        self._retry_timer: Timer | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StudyHeader(self._title())
        # Not focusable: Tab moves between answer fields only; the page keys scroll the body.
        with VerticalScroll(id="study-body", can_focus=False):
            yield Static(id="study-meta")
            yield DeckMarkdown(id="study-prompt")
            yield CodeBlock(id="study-code")
            yield Container(id="study-answer")
            yield Static(id="study-hint", classes="-empty")
            yield Spinner(id="study-spinner")
            yield Static(id="study-warming", classes="-empty")
            yield Verdict(id="study-verdict")
            yield Static(id="study-save", classes="-empty")
        # Outside the scrolling body, so the grades are on screen however long the verdict is.
        yield GradeBar(id="study-grades", classes="-empty")
        yield QuizFooter()

    def _title(self) -> str:
        if self.cram is not None:
            return _("Custom study")
        if self.deck_id is None:
            return _("All decks")
        deck = self.services.deck(self.deck_id)
        return deck.title.get(self.services.lang) if deck is not None else self.deck_id

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self._tick()
        self.next_card()

    def _tick(self) -> None:
        elapsed = (self.services.clock() - self.started_at).total_seconds()
        self.query_one(StudyHeader).update_elapsed(elapsed)
        warming = self.phase == "checking" and not self.services.checker.ready
        notice = self.query_one("#study-warming", Static)
        notice.set_class(not warming, "-empty")
        if warming:
            notice.update(
                _("Warming up the sandbox (torch is loading); the check runs when ready.")
            )

    def _update_counts(self) -> None:
        header = self.query_one(StudyHeader)
        if self.cram is not None:
            header.update_left(len(self.cram) + 1)
            return
        counts = self.services.collection.counts(self.deck_id)
        header.update_counts(counts.new, counts.learn, counts.due)

    # -- the card cycle ------------------------------------------------------------------------

    def next_card(self) -> None:
        card = self._take_next()
        if card is None:
            self._finish()
            return
        self.show_card(card)

    def _take_next(self) -> Card | None:
        if self.cram is not None:
            return self.cram.pop(0) if self.cram else None
        return self.services.collection.next_card(self.deck_id)

    def show_card(self, card: Card) -> None:
        services = self.services
        deck = services.deck(card.deck_id)
        if deck is None:
            self.notify(
                _("{key}: its deck is no longer loaded").format(key=card.key), severity="warning"
            )
            self.next_card()
            return
        instance = services.checker.pick(card, services.rng)
        self.shown = Shown(deck=deck, card=card, instance=instance, shown_at=services.clock())
        if self.cram is None:
            self.shown.flag = services.collection.info(card.key).flag
        self.phase = "answering"
        lang = services.lang
        self._update_counts()
        self.query_one("#study-meta", Static).update(self._meta(instance))
        self.query_one("#study-prompt", Markdown).update(instance.prompt.get(lang))
        code = shown_code(instance)
        code_box = self.query_one("#study-code", CodeBlock)
        code_box.set_class(code is None, "-empty")
        code_box.show(code)
        self._set_hint(None)
        self._stop_retry()
        self._set_save_problem(None)
        self.query_one(Spinner).stop()
        self.query_one(Verdict).clear()
        self.query_one("#study-grades").add_class("-empty")
        slot = self.query_one("#study-answer", Container)
        slot.remove_children()
        widget = answer_widget(instance, lang)
        self._answer = widget
        slot.mount(widget)
        self.call_after_refresh(self._focus_answer)
        self.query_one("#study-body", VerticalScroll).scroll_home(animate=False)
        self.refresh_bindings()

    def _meta(self, card: Card) -> Content:
        parts = [(card.type.value, "bold $text-accent"), (f"  {card.key}", "dim")]
        if card.instance:
            bindings = ", ".join(f"{k}={v}" for k, v in card.instance.items())
            parts.append((f"  ({bindings})", "dim"))
        if self.shown is not None and self.shown.flag:
            parts.append(("  " + _("⚑ flagged"), "$text-error"))
        return Content.assemble(*parts)

    @property
    def answer(self) -> AnswerWidget | None:
        """The current card's answer widget (the previous one may still be leaving the DOM)."""
        widget = self._answer
        return widget if widget is not None and widget.is_attached else None

    def on_answer_widget_submitted(self, event: AnswerWidget.Submitted) -> None:
        event.stop()
        shown = self.shown
        if shown is None or self.phase not in ("answering", "checking", "judged"):
            return
        if self.phase == "judged" and not self._may_retry():
            return
        if self.phase == "judged":
            shown.retried = True
        shown.response = event.response
        shown.answered_at = self.services.clock()
        if shown.instance.type is CardType.FLIP:
            shown.outcome = Outcome.SELF_GRADED
            self._judged()
            return
        self.phase = "checking"
        self.query_one(Spinner).start(_("checking in the sandbox…"))
        self.refresh_bindings()
        self._tick()
        self.check(shown, event.response)

    @work(exclusive=True, group="check", exit_on_error=False)
    async def check(self, shown: Shown, response: Response) -> None:
        # exclusive: a resubmit cancels this check (and its sandbox run) before starting anew.
        try:
            judgement = await self.services.checker.judge(shown.deck, shown.instance, response)
        except QuizError as exc:
            self.post_message(self.Failed(shown.key, exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Checked(shown.key, judgement))

    class Failed(Message):
        """The check itself could not run (not the learner's fault): say so, keep the card."""

        def __init__(self, key: str, error: QuizError) -> None:
            super().__init__()
            self.key = key
            self.error = error

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A bug in the judge or the sandbox client must not leave the spinner turning forever.
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.group in ("check", "run"):
            key = self.shown.key if self.shown is not None else ""
            error = QuizError(
                _("the check could not run: {error}").format(error=worker.error),
                title=_("Check failed"),
            )
            self.post_message(self.Failed(key, error))

    def on_study_flow_failed(self, event: StudyFlow.Failed) -> None:
        if self.shown is None or event.key != self.shown.key:
            return
        self.query_one(Spinner).stop()
        answer = self.answer
        if isinstance(answer, CodeAnswer):
            answer.show_run(None)
        if self.phase == "checking":
            self.phase = "answering"
        self.notify(event.error.message, title=event.error.title, severity="error")
        self.refresh_bindings()

    def on_study_flow_checked(self, event: StudyFlow.Checked) -> None:
        shown = self.shown
        if shown is None or event.key != shown.key or self.phase != "checking":
            return
        shown.judgement = event.judgement
        shown.outcome = event.judgement.outcome
        self._judged()

    def _judged(self) -> None:
        shown = self.shown
        assert shown is not None and shown.outcome is not None
        shown.attempts.append(shown.outcome)
        self.phase = "judged"
        self.query_one(Spinner).stop()
        self._tick()
        answer = self.answer
        if isinstance(answer, CodeAnswer):
            answer.show_run(None)  # the verdict shows this check's own run
        if answer is not None:
            if self._may_retry():
                if isinstance(answer, CodeAnswer):
                    answer.unfreeze()
            else:
                answer.freeze()
            if isinstance(answer, ChoiceAnswer):
                correct = correct_choices(shown.instance, shown.judgement)
                if correct is not None:
                    answer.mark(correct)
        verdict = self.query_one(Verdict)
        verdict.show(verdict_view(shown, self.services.lang))
        self._propose()
        self.refresh_bindings()
        # On a short terminal the verdict starts below the answer: bring its headline up, after
        # the focus change above has scrolled to the focused widget.
        self.call_after_refresh(self._show_verdict)

    def _show_verdict(self) -> None:
        verdict = self.query_one(Verdict)
        if self.phase == "judged" and verdict.is_shown:
            body = self.query_one("#study-body", VerticalScroll)
            body.scroll_to_widget(verdict, animate=False, top=True)

    def _may_retry(self) -> bool:
        """Only code cards take a retry: their verdict shows a traceback, never the solution."""
        shown = self.shown
        return (
            shown is not None
            and shown.instance.type is CardType.CODE
            and shown.outcome is not None
            and shown.outcome is not Outcome.PASS
        )

    def _propose(self) -> None:
        shown = self.shown
        assert shown is not None and shown.outcome is not None
        grades = self.query_one(GradeBar)
        if self.cram is not None:
            passed = shown.outcome in (Outcome.PASS, Outcome.SELF_GRADED)
            proposed = Rating.Good if passed else Rating.Again
            intervals = {}
        else:
            collection = self.services.collection
            proposed = collection.propose(
                shown.key, shown.outcome, shown.duration_ms(), shown.used_hint, shown.retried
            )
            intervals = collection.intervals(shown.key)
        shown.proposed = proposed
        grades.remove_class("-empty")
        # A failed code card keeps the editor focused: fixing it is the likely next step.
        retrying = self._may_retry()
        grades.show(intervals, proposed, focus=not retrying)
        answer = self.answer
        if retrying and answer is not None:
            answer.focus_answer()

    def on_grade_bar_chosen(self, event: GradeBar.Chosen) -> None:
        event.stop()
        self.grade(event.rating)

    def grade(self, rating: Rating) -> None:
        shown = self.shown
        if shown is None or self.phase != "judged" or shown.proposed is None:
            return
        outcome = shown.outcome or Outcome.SELF_GRADED
        if self.cram is None and not self._save(shown, rating, outcome):
            return
        self.tally.cards += 1
        if outcome is not Outcome.SELF_GRADED:
            self.tally.judged += 1
            self.tally.passed += outcome is Outcome.PASS
        self.next_card()

    def _save(self, shown: Shown, rating: Rating, outcome: Outcome) -> bool:
        """Log the answer. False when it must stay pending: the store may take it a bit later."""
        self._stop_retry()
        try:
            self.services.collection.answer(
                shown.key,
                rating,
                proposed=shown.proposed,
                outcome=outcome,
                answer_text=shown.response.as_log_text() if shown.response else "",
                duration_ms=shown.duration_ms(),
                instance=dict(shown.instance.instance),
            )
        except QuizError as exc:
            self._pending = rating
            if not getattr(exc, "retryable", True):
                # Read-only or damaged: waiting will not help, and moving on would lose it.
                self._set_save_problem(
                    _("Not saved: {reason}\nYour answer cannot be kept; Esc goes home.").format(
                        reason=exc.message
                    )
                )
                self.notify(exc.message, title=_("Not saved"), severity="error", timeout=15)
                return False
            # Locked by another program, or the disk is full: keep the answer and try again.
            self._set_save_problem(
                _(
                    "Not saved yet: {reason}\nYour answer is kept: retrying every {seconds} s, "
                    "or press the grade again."
                ).format(reason=exc.message, seconds=RETRY_SECONDS)
            )
            self._retry_timer = self.set_timer(RETRY_SECONDS, self._retry_save)
            return False
        self._set_save_problem(None)
        return True

    def _retry_save(self) -> None:
        self._retry_timer = None
        rating = self._pending
        if rating is not None and self.phase == "judged":
            self.grade(rating)

    def _stop_retry(self) -> None:
        self._pending = None
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None

    def _set_save_problem(self, text: str | None) -> None:
        box = self.query_one("#study-save", Static)
        box.set_class(text is None, "-empty")
        box.update(Content.styled(f"⚠ {text}", "$text-error") if text else "")
        if text:
            self.call_after_refresh(box.scroll_visible, animate=False)

    # -- code cards: run without grading -------------------------------------------------------

    def on_code_answer_run_requested(self, event: CodeAnswer.RunRequested) -> None:
        event.stop()
        shown = self.shown
        if shown is None:
            return
        answer = self.answer
        if isinstance(answer, CodeAnswer):
            answer.show_running(_("running…"))
        self.try_run(shown, event.source)

    @work(exclusive=True, group="run", exit_on_error=False)
    async def try_run(self, shown: Shown, source: str) -> None:
        try:
            result = await self.services.checker.try_code(shown.deck, shown.instance, source)
        except QuizError as exc:
            self.post_message(self.Failed(shown.key, exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Ran(shown.key, result))

    def on_study_flow_ran(self, event: StudyFlow.Ran) -> None:
        answer = self.answer
        if (
            self.shown is not None
            and event.key == self.shown.key
            and isinstance(answer, CodeAnswer)
        ):
            answer.show_run(event.result)

    # -- summary -------------------------------------------------------------------------------

    def _finish(self) -> None:
        from quiz.tui.screens.summary import Summary, SummaryScreen

        self.shown = None
        self.phase = "done"
        self.query_one("#study-body").display = False
        self.query_one("#study-grades").add_class("-empty")
        self.refresh_bindings()
        elapsed = (self.services.clock() - self.started_at).total_seconds()
        next_due = self.services.collection.next_due_at()
        summary = Summary(
            cards=self.tally.cards,
            judged=self.tally.judged,
            passed=self.tally.passed,
            seconds=elapsed,
            next_due=next_due,
            now=self.services.clock(),
        )
        self.app.push_screen(SummaryScreen(summary), lambda _: self.dismiss())

    def _set_hint(self, text: str | None) -> None:
        hint = self.query_one("#study-hint", Static)
        hint.set_class(text is None, "-empty")
        label = (_("hint") + "  ", "bold $text-warning")
        hint.update(Content.assemble(label, inline(text)) if text else "")

    def _focus_answer(self) -> None:
        answer = self.answer
        if answer is not None:
            answer.focus_answer()

    def action_scroll_body(self, pages: int) -> None:
        body = self.query_one("#study-body", VerticalScroll)
        (body.scroll_page_down if pages > 0 else body.scroll_page_up)(animate=False)

    def _typing(self) -> bool:
        """True while a text field has the focus: letter keys type, they are not commands."""
        focused = self.focused
        if isinstance(focused, TextArea):
            return not focused.read_only
        return isinstance(focused, Input) and not focused.disabled

    def _focus_is_choice(self) -> bool:
        return isinstance(self.focused, ChoiceList)
