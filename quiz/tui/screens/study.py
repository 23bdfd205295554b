"""StudyScreen: the study keys, and the card commands (hint, undo, bury, suspend, flag, edit)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import ClassVar

from fsrs import Rating
from textual.app import SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from quiz.deck.model import CardType
from quiz.errors import QuizError
from quiz.tui.screens.study_flow import StudyFlow
from quiz.tui.widgets.code_answer import CodeAnswer


def editor_command(configured: str, path: Path, line: int) -> list[str]:
    """The editor command for `path` at `line`: config, then $VISUAL, $EDITOR, then vi.

    `+LINE FILE` is understood by vi, vim, nvim, nano, emacs, micro, kak and helix alike.
    """
    editor = configured or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return [*shlex.split(editor), f"+{line}", str(path)]


class StudyScreen(StudyFlow):
    HELP = (
        "Answer, then submit with ctrl+s (Enter in a one-line field or a choice list). The "
        "proposed grade is highlighted: Space or Enter accepts it, 1-4 choose another. Esc "
        "leaves a text field, so the letter keys work (i goes back into it): h hint (lowers the "
        "proposal to Hard), "
        "u undo the last answer, - bury until tomorrow, ! suspend, f flag, e edit the card's "
        "YAML in your editor (the card reloads when you come back). Esc again goes home; "
        "your progress is saved after every answer."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+enter,alt+enter", "submit", "Submit", show=False, priority=True),
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("1", "grade(1)", "Grade", key_display="1-4"),
        Binding("2", "grade(2)", "Hard", show=False),
        Binding("3", "grade(3)", "Good", show=False),
        Binding("4", "grade(4)", "Easy", show=False),
        Binding("space", "accept", "Accept"),
        Binding("enter", "accept", "Accept", show=False),
        Binding("i", "focus_answer", "Answer"),
        Binding("h", "hint", "Hint"),
        Binding("u", "undo", "Undo"),
        Binding("minus", "bury", "Bury", key_display="-"),
        Binding("exclamation_mark", "suspend", "Suspend", key_display="!"),
        Binding("f", "flag", "Flag"),
        Binding("e", "edit", "Edit"),
        Binding("escape", "leave", "Home"),
        Binding("pagedown", "scroll_body(1)", "Scroll down", show=False),
        Binding("pageup", "scroll_body(-1)", "Scroll up", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        shown, phase = self.shown, self.phase
        if action == "submit":
            return shown is not None and (phase in ("answering", "checking") or self._may_retry())
        if action == "run":
            return (
                shown is not None
                and shown.instance.type is CardType.CODE
                and (phase == "answering" or self._may_retry())
            )
        if action in ("grade", "accept"):
            return phase == "judged"
        if action == "focus_answer":
            # Back into the answer after Esc; flip and choice cards are answered by keys alone.
            typed = shown is not None and shown.instance.type not in (
                CardType.FLIP,
                CardType.CHOICE,
            )
            return typed and (phase == "answering" or self._may_retry())
        if action == "hint":
            return shown is not None and shown.instance.hint is not None and not shown.used_hint
        if action in ("bury", "suspend", "flag", "edit"):
            return shown is not None and (action == "edit" or self.cram is None)
        if action == "undo":
            return self.cram is None
        return True

    # -- answering -----------------------------------------------------------------------------

    def action_submit(self) -> None:
        answer = self.answer
        if answer is None:
            return
        # ctrl+s is a priority binding, handled before keys still queued for the focused field
        # (a paste, a fast typist): submitting from that field's own queue reads the answer
        # only after them, as it is on screen.
        focused = self.focused
        if focused is not None:
            focused.call_later(answer.submit)
        else:
            answer.submit()

    def action_run(self) -> None:
        answer = self.answer
        if isinstance(answer, CodeAnswer):
            answer.request_run()

    def action_grade(self, value: int) -> None:
        self.grade(Rating(value))

    def action_accept(self) -> None:
        shown = self.shown
        if shown is not None and shown.proposed is not None:
            self.grade(shown.proposed)

    def action_focus_answer(self) -> None:
        self._focus_answer()

    def action_leave(self) -> None:
        """Esc: out of a text field first (so letter keys work), then back to the home screen."""
        if self._typing() or self._focus_is_choice() or isinstance(self.focused, Button):
            self.set_focus(None)
            return
        self.workers.cancel_group(self, "check")
        self.dismiss()

    # -- card commands -------------------------------------------------------------------------

    def action_hint(self) -> None:
        shown = self.shown
        if shown is None or shown.instance.hint is None or shown.used_hint:
            return
        shown.used_hint = True
        self._set_hint(shown.instance.hint.get(self.services.lang))
        if self.phase == "judged":
            self._propose()
        self.refresh_bindings()

    def action_undo(self) -> None:
        if self.cram is not None:
            return
        self.workers.cancel_group(self, "check")
        key = self.services.collection.undo()
        if key is None:
            self.notify("Nothing to undo in this session.", severity="warning")
            return
        self.tally.cards = max(self.tally.cards - 1, 0)
        found = self.services.card(key)
        self.notify(f"Undid your answer to {key}.")
        if found is None:
            self.next_card()
            return
        self.show_card(found[1])

    def action_bury(self) -> None:
        self._set_aside("bury", "Buried until tomorrow")

    def action_suspend(self) -> None:
        self._set_aside("suspend", "Suspended (Browse can unsuspend it)")

    def _set_aside(self, how: str, message: str) -> None:
        shown = self.shown
        if shown is None or self.cram is not None:
            return
        self.workers.cancel_group(self, "check")
        collection = self.services.collection
        (collection.bury if how == "bury" else collection.suspend)(shown.key)
        self.notify(f"{message}: {shown.key}")
        self.next_card()

    def action_flag(self) -> None:
        shown = self.shown
        if shown is None or self.cram is not None:
            return
        shown.flag = 0 if shown.flag else 1
        self.services.collection.flag(shown.key, shown.flag)
        self.query_one("#study-meta", Static).update(self._meta(shown.instance))
        self.notify("Flagged" if shown.flag else "Flag removed")

    def action_edit(self) -> None:
        """Open the card's YAML at its line; reload the deck and show the card again on return."""
        shown = self.shown
        if shown is None:
            return
        pos = shown.card.pos
        path = Path(pos.file if pos is not None else shown.deck.path)
        if not path.is_file():
            self.notify(f"{shown.key}: its deck file is not on disk", severity="error")
            return
        command = editor_command(self.services.editor, path, pos.line if pos is not None else 1)
        self.workers.cancel_group(self, "check")
        try:
            code = self._edit(command)
            if code != 0:
                self.notify(f"{command[0]} exited with status {code}", severity="warning")
            deck = self.services.reload_deck(path)
        except QuizError as exc:
            self.notify(exc.message, title=exc.title, severity="error", timeout=10)
            return
        card = deck.card(shown.card.id)
        if card is None:
            self.notify(f"{shown.key} is gone from {path.name}; on to the next card.")
            self.next_card()
            return
        self.notify(f"Reloaded {path.name}")
        self.show_card(card)

    def _edit(self, command: list[str]) -> int:
        """Run the editor with the terminal handed over to it; its exit status."""
        try:
            with self.app.suspend():
                return _run(command)
        except SuspendNotSupported:
            # Headless (tests) or a web terminal: there is no terminal to hand over.
            return _run(command)


def _run(command: list[str]) -> int:
    try:
        return subprocess.run(command, check=False).returncode
    except OSError as exc:
        raise QuizError(f"cannot start the editor {command[0]!r}: {exc}", title="Editor") from exc
