"""PreviewApp (`quiz preview DECK.yaml`): an author's view of one deck file.

Every card as a learner will see it, its answer key, and its `quiz check` status, proven again
each time the file is saved. It never opens the review store: nothing here is studied.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult, ScreenStackError
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.highlight import highlight
from textual.message import Message
from textual.widgets import Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from quiz.deck.model import Card, CardType, Deck
from quiz.errors import QuizError
from quiz.i18n import N_, _, ngettext, set_language
from quiz.sandbox.protocol import Runner
from quiz.tui.markdown import DeckMarkdown
from quiz.tui.preview_card import answer_key, check_lines
from quiz.tui.screens.study_card import answer_widget, shown_code
from quiz.tui.widgets.footer import QuizFooter

PENDING, PROVEN, FAILED, SELF = "…", "✓", "✗", "–"


class PreviewApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "quiz preview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "recheck", N_("Check again")),
        Binding("q", "quit", N_("Quit")),
        Binding("question_mark", "help", N_("Help"), key_display="?"),
    ]
    HELP = N_(
        "Every card of the deck as a learner sees it, with its answer key and whether `quiz "
        "check` proves it. Saving the file reloads it and checks again; nothing is studied."
    )

    class Checked(Message):
        def __init__(self, generation: int, key: str, checks: Sequence[object]) -> None:
            super().__init__()
            self.generation = generation
            self.key = key
            self.checks = checks

    class Changed(Message):
        """The deck file was saved."""

    def __init__(self, path: Path, lang: str = "en", runner: Runner | None = None) -> None:
        super().__init__()
        self.path = path
        self.lang = lang
        set_language(lang)
        self._runner = runner
        self.deck: Deck | None = None
        self.problems: list[str] = []
        self.status: dict[str, tuple[str, list[str]]] = {}
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="preview"):
            yield OptionList(id="preview-cards")
            with VerticalScroll(id="preview-card"):
                yield Static(id="preview-meta")
                yield DeckMarkdown(id="preview-prompt")
                yield Static(id="preview-code", markup=False)
                yield Vertical(id="preview-answer")
                yield Static(id="preview-key")
                yield Static(id="preview-check")
        yield Static(id="preview-status")
        yield QuizFooter()

    def on_mount(self) -> None:
        self.sub_title = str(self.path)
        self.reload()
        self.call_after_refresh(self._start_sandbox)
        self.watch_file()

    def runner(self) -> Runner:
        if self._runner is None:
            from quiz.sandbox.pool import shared_pool

            self._runner = shared_pool()
        return self._runner

    def _start_sandbox(self) -> None:
        self.runner()
        self.check_all(self.generation)

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        from quiz.deck.loader import load_deck

        loaded = load_deck(self.path)
        self.generation += 1
        self.deck = loaded.deck if loaded.ok else None
        self.problems = [str(p) for p in loaded.problems]
        self.status = {}
        if self.deck is not None:
            for card in self.deck.cards:
                # A flip card is self-graded, unless a proof shows its answer is true.
                pending = SELF if card.type is CardType.FLIP and not card.proof else PENDING
                self.status[card.key] = (pending, [])
        self._fill_list()

    def _fill_list(self) -> None:
        cards = self.query_one("#preview-cards", OptionList)
        keep = cards.highlighted
        cards.clear_options()
        if self.deck is None:
            self._show_problems()
            return
        cards.add_options(self._option(card) for card in self.deck.cards)
        cards.highlighted = min(keep or 0, len(self.deck.cards) - 1) if self.deck.cards else None
        self._show_status()

    def _option(self, card: Card) -> Option:
        mark, _messages = self.status.get(card.key, (PENDING, []))
        style = {PROVEN: "$text-success", FAILED: "$text-error bold"}.get(mark, "dim")
        label = Content.assemble((f"{mark} ", style), (f"{card.type.value:<8}", "dim"), card.id)
        return Option(label, id=card.key)

    def _show_problems(self) -> None:
        lines = [
            Content.styled(_("✗ {path} does not load:").format(path=self.path), "$text-error bold")
        ]
        lines += [Content(f"  {problem}") for problem in self.problems]
        lines.append(Content.styled(_("Fix the file and save: it reloads by itself."), "dim"))
        self.query_one("#preview-meta", Static).update(Content("\n").join(lines))
        for selector in ("#preview-code", "#preview-key", "#preview-check"):
            self.query_one(selector, Static).update("")
        self.query_one("#preview-prompt", Markdown).update("")
        self.query_one("#preview-answer").remove_children()
        self._show_status()

    def _show_status(self) -> None:
        marks = [mark for mark, _messages in self.status.values()]
        if self.deck is None:
            count = len(self.problems)
            text = Content.styled(
                ngettext("{n} problem", "{n} problems", count).format(n=count), "$text-error"
            )
        else:
            text = Content.assemble(
                (_("{n} proven").format(n=marks.count(PROVEN)), "$text-success"),
                "  ",
                (
                    _("{n} failing").format(n=marks.count(FAILED)),
                    "$text-error" if FAILED in marks else "dim",
                ),
                ("  " + _("{n} checking").format(n=marks.count(PENDING)), "dim")
                if PENDING in marks
                else "",
                ("  " + _("{n} self-graded").format(n=marks.count(SELF)), "dim"),
                ("   · " + _("saving the file checks again"), "dim"),
            )
        self.query_one("#preview-status", Static).update(text)

    # -- one card --------------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if not self._alive():
            return
        if self.deck is not None and event.option.id is not None:
            card = self.deck.card(event.option.id.partition("/")[2])
            if card is not None:
                self.show_card(card)

    def show_card(self, card: Card) -> None:
        lang = self.lang
        if card.vary:
            # Show a real instance, as a learner sees it, never the raw `$name` template.
            from quiz.deck.vary import instances, instantiate

            card = instantiate(card, instances(card)[0])
        meta = Content.assemble((card.type.value, "bold $text-accent"), (f"  {card.key}", "dim"))
        if card.pos is not None:
            meta = meta.append_text(f"  {card.pos}", "dim")
        self.query_one("#preview-meta", Static).update(meta)
        self.query_one("#preview-prompt", Markdown).update(card.prompt.get(lang))
        code = shown_code(card)
        self.query_one("#preview-code", Static).update(
            highlight(code, language="python") if code else ""
        )
        slot = self.query_one("#preview-answer")
        slot.remove_children()
        slot.mount(answer_widget(card, lang))
        self.query_one("#preview-key", Static).update(answer_key(card, lang))
        mark, messages = self.status.get(card.key, (PENDING, []))
        self.query_one("#preview-check", Static).update(check_lines(mark, messages))

    # -- checking ----------------------------------------------------------------------------

    @work(exclusive=True, group="check", exit_on_error=False)
    async def check_all(self, generation: int) -> None:
        from quiz.deck.verify import verify_card

        deck = self.deck
        if deck is None:
            return
        for card in deck.cards:
            if card.type is CardType.FLIP and not card.proof:
                continue
            try:
                checks = await verify_card(deck, card, self.runner())
            except QuizError as exc:
                self.notify(exc.message, title=exc.title, severity="error")
                return
            self.post_message(self.Checked(generation, card.key, checks))

    def _alive(self) -> bool:
        """False once the preview's own screen is gone: a late message (a reload racing the exit)
        is dropped. The app's query asks that screen even while the help screen is over it, so a
        save made then still reloads: a broken file must never go on showing its cards proven."""
        try:
            return bool(self.query("#preview-meta"))
        except ScreenStackError:
            return False

    def on_preview_app_checked(self, event: PreviewApp.Checked) -> None:
        if event.generation != self.generation or not self._alive():
            return
        failed = [str(c) for c in event.checks if not getattr(c, "ok", False)]
        self.status[event.key] = (FAILED if failed else PROVEN, failed)
        try:
            cards = self.query_one("#preview-cards", OptionList)
            deck = self.deck
            if deck is not None:
                index = next(i for i, c in enumerate(deck.cards) if c.key == event.key)
                prompt = self._option(deck.cards[index]).prompt
                cards.replace_option_prompt_at_index(index, prompt)
                if cards.highlighted == index:
                    self.show_card(deck.cards[index])
            self._show_status()
        except NoMatches:
            return  # the app is closing: its widgets are being removed one by one

    def action_recheck(self) -> None:
        self.reload()
        self.check_all(self.generation)

    # -- watching ------------------------------------------------------------------------------

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def watch_file(self) -> None:
        from watchfiles import awatch

        # Watch the folder, not the file: editors often save by replacing the file.
        target = self.path.resolve()
        async for changes in awatch(target.parent, debounce=300, recursive=False):
            if any(Path(changed).resolve() == target for _change, changed in changes):
                self.post_message(self.Changed())

    def on_preview_app_changed(self, event: PreviewApp.Changed) -> None:
        if not self._alive():
            return
        self.notify(_("{name} changed: checking again").format(name=self.path.name))
        self.action_recheck()

    def action_help(self) -> None:
        from quiz.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))
