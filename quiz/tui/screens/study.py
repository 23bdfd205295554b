"""StudyScreen: the study keys, and the card commands (hint, undo, bury, suspend, flag, edit)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import ClassVar

from fsrs import Rating
from textual.app import SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from quiz.deck.model import CardType
from quiz.errors import QuizError
from quiz.i18n import N_, _
from quiz.paths import bundled_decks_dir, locations
from quiz.tui.screens.study_flow import StudyFlow
from quiz.tui.widgets.code_answer import CodeAnswer


def editor_command(configured: str, path: Path, line: int) -> list[str]:
    """The editor command for `path` at `line`: config, then $VISUAL, $EDITOR, then vi.

    `+LINE FILE` is understood by vi, vim, nvim, nano, emacs, micro, kak and helix alike.
    """
    editor = configured or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return [*shlex.split(editor), f"+{line}", str(path)]


class StudyScreen(StudyFlow):
    HELP = N_(
        "Answer, then submit with ctrl+s (Enter in a one-line field or a choice list). The "
        "proposed grade is highlighted: Space or Enter accepts it, 1-4 choose another. Esc "
        "leaves a text field, so the letter keys work (i goes back into it): h or F2 hint "
        "(lowers the proposal to Hard), u or F3 undo the last answer (F2 and F3 work while "
        "typing too), - bury until tomorrow, ! suspend, f flag, e edit the card's "
        "YAML in your editor (the card reloads when you come back). Esc again goes home; "
        "your progress is saved after every answer."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", N_("Submit"), priority=True),
        Binding("ctrl+enter,alt+enter", "submit", N_("Submit"), show=False, priority=True),
        Binding("ctrl+r", "run", N_("Run"), priority=True),
        Binding("1", "grade(1)", N_("Grade"), key_display="1-4"),
        Binding("2", "grade(2)", N_("Hard"), show=False),
        Binding("3", "grade(3)", N_("Good"), show=False),
        Binding("4", "grade(4)", N_("Easy"), show=False),
        Binding("space", "accept", N_("Accept")),
        Binding("enter", "accept", N_("Accept"), show=False),
        Binding("i", "focus_answer", N_("Answer")),
        # F2 and F3 work in a text field too (priority); h and u only outside one. ctrl+h is
        # Backspace in most terminals and ctrl+z is the editor's own undo, hence F-keys.
        Binding("f2", "hint", N_("Hint"), key_display="F2", priority=True),
        Binding("h", "hint", N_("Hint"), show=False),
        Binding("f3", "undo", N_("Undo"), key_display="F3", priority=True),
        Binding("u", "undo", N_("Undo"), show=False),
        Binding("minus", "bury", N_("Bury"), key_display="-"),
        Binding("exclamation_mark", "suspend", N_("Suspend"), key_display="!", show=False),
        Binding("f", "flag", N_("Flag"), show=False),
        Binding("e", "edit", N_("Edit")),
        Binding("escape", "leave_field", N_("Leave field")),
        Binding("escape", "leave", N_("Home")),
        Binding("pagedown", "scroll_body(1)", N_("Scroll down"), show=False),
        Binding("pageup", "scroll_body(-1)", N_("Scroll up"), show=False),
        Binding("question_mark", "app.help", N_("Help"), key_display="?"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        shown, phase = self.shown, self.phase
        # While a text field has the focus, a letter or `-` types itself: the footer must not
        # offer it as a command. Esc then leaves the field rather than the screen.
        typing = self._typing()
        if typing and action in ("bury", "suspend", "flag", "edit", "focus_answer", "leave"):
            return False
        if action == "leave_field":
            return typing or self._focus_is_choice()
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

    def action_leave_field(self) -> None:
        """Esc in a text field or the options: out of it, so the letter keys work."""
        self.set_focus(None)

    def action_leave(self) -> None:
        """Esc: out of a focused button first, then back to the home screen."""
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
            self.notify(_("Nothing to undo in this session."), severity="warning")
            return
        self.tally.cards = max(self.tally.cards - 1, 0)
        found = self.services.card(key)
        self.notify(_("Undid your answer to {key}.").format(key=key))
        if found is None:
            self.next_card()
            return
        self.show_card(found[1])

    def action_bury(self) -> None:
        self._set_aside("bury", _("Buried until tomorrow: {key}"))

    def action_suspend(self) -> None:
        self._set_aside("suspend", _("Suspended (Browse can unsuspend it): {key}"))

    def _set_aside(self, how: str, message: str) -> None:
        shown = self.shown
        if shown is None or self.cram is not None:
            return
        self.workers.cancel_group(self, "check")
        collection = self.services.collection
        (collection.bury if how == "bury" else collection.suspend)(shown.key)
        self.notify(message.format(key=shown.key))
        self.next_card()

    def action_flag(self) -> None:
        shown = self.shown
        if shown is None or self.cram is not None:
            return
        shown.flag = 0 if shown.flag else 1
        self.services.collection.flag(shown.key, shown.flag)
        self.query_one("#study-meta", Static).update(self._meta(shown.instance))
        self.notify(_("Flagged") if shown.flag else _("Flag removed"))

    def action_edit(self) -> None:
        """Open the card's YAML at its line; reload the deck on return.

        A bundled deck lives inside the installed package, where edits are lost on the next
        install: offer to copy it into the user's decks folder first (the copy then replaces
        the bundled deck, history and all, since it keeps the deck id).
        """
        shown = self.shown
        if shown is None:
            return
        pos = shown.card.pos
        path = Path(pos.file if pos is not None else shown.deck.path)
        if not path.is_file():
            self.notify(
                _("{key}: its deck file is not on disk").format(key=shown.key), severity="error"
            )
            return
        line = pos.line if pos is not None else 1
        if not is_bundled(path):
            self._open_editor(path, line)
            return
        from quiz.tui.screens.confirm import ConfirmScreen

        target = locations().user_decks / path.name
        question = _(
            "{name} is a bundled deck: edits to it are lost when quiz is reinstalled.\n"
            "Copy it to your decks folder ({folder}) and edit the copy?"
        ).format(name=path.name, folder=target.parent)

        def copy_then_edit(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                copy_deck(path, target)
            except QuizError as exc:
                self.notify(exc.message, title=exc.title, severity="error", timeout=10)
                return
            self._open_editor(target, line)

        self.app.push_screen(
            ConfirmScreen(question, _("Copy and edit"), variant="primary"), copy_then_edit
        )

    def _open_editor(self, path: Path, line: int) -> None:
        shown = self.shown
        if shown is None:
            return
        command = editor_command(self.services.editor, path, line)
        judged = self.phase == "judged"
        if not judged:
            self.workers.cancel_group(self, "check")
        try:
            code = self._edit(command)
            if code != 0:
                self.notify(
                    _("{editor} exited with status {code}").format(editor=command[0], code=code),
                    severity="warning",
                )
            deck = self.services.reload_deck(path)
        except QuizError as exc:
            self.notify(exc.message, title=exc.title, severity="error", timeout=10)
            return
        card = deck.card(shown.card.id)
        if judged:
            # The verdict waits for its grade: keep it; the edited card shows from next time.
            shown.deck = deck
            self.notify(
                _("Reloaded {name}; grade this answer, the edited card shows next time.").format(
                    name=path.name
                )
            )
            return
        if card is None:
            self.notify(
                _("{key} is gone from {name}; on to the next card.").format(
                    key=shown.key, name=path.name
                )
            )
            self.next_card()
            return
        self.notify(_("Reloaded {name}").format(name=path.name))
        self.show_card(card)

    def _edit(self, command: list[str]) -> int:
        """Run the editor with the terminal handed over to it; its exit status."""
        try:
            with self.app.suspend():
                return _run(command)
        except SuspendNotSupported:
            # Headless (tests) or a web terminal: there is no terminal to hand over.
            return _run(command)


def is_bundled(path: Path) -> bool:
    """True for a deck file shipped inside the package (or the checkout's decks/)."""
    return path.resolve().is_relative_to(bundled_decks_dir().resolve())


def copy_deck(source: Path, target: Path) -> None:
    """Copy a bundled deck into the user's decks folder; an existing copy is kept as it is."""
    if target.exists():
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    except OSError as exc:
        raise QuizError(
            _("cannot copy {name} to {folder}: {reason}").format(
                name=source.name, folder=target.parent, reason=exc.strerror or exc
            ),
            title=_("Edit"),
        ) from exc


def _run(command: list[str]) -> int:
    try:
        return subprocess.run(command, check=False).returncode
    except OSError as exc:
        raise QuizError(
            _("cannot start the editor {editor!r}: {reason}").format(editor=command[0], reason=exc),
            title=_("Editor"),
        ) from exc
