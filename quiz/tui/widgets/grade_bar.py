"""GradeBar: Again / Hard / Good / Easy with the next interval of each, the proposal highlighted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from fsrs import Rating
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button
from textual.widgets.button import ButtonVariant

from quiz.i18n import N_, _
from quiz.tui.formatting import interval

GRADES: tuple[tuple[Rating, str], ...] = (
    (Rating.Again, N_("Again")),
    (Rating.Hard, N_("Hard")),
    (Rating.Good, N_("Good")),
    (Rating.Easy, N_("Easy")),
)

GRADE_NAMES = dict(GRADES)


class GradeBar(Horizontal):
    """Four buttons; the proposed one gets focus, so Space or Enter accepts it."""

    DEFAULT_CSS = """
    GradeBar { height: auto; width: 100%; align-horizontal: center; }
    GradeBar > Button { width: 1fr; max-width: 18; margin: 0 1; }
    GradeBar > Button.-proposed { text-style: bold reverse; }
    """

    class Chosen(Message):
        def __init__(self, rating: Rating) -> None:
            super().__init__()
            self.rating = rating

    def compose(self) -> ComposeResult:
        variants: dict[Rating, ButtonVariant] = {
            Rating.Again: "error",
            Rating.Hard: "warning",
            Rating.Good: "success",
            Rating.Easy: "primary",
        }
        for rating, name in GRADES:
            yield Button(
                f"{int(rating)} {_(name)}", id=f"grade-{int(rating)}", variant=variants[rating]
            )

    def show(
        self, intervals: Mapping[Rating, timedelta], proposed: Rating, *, focus: bool = True
    ) -> None:
        for rating, name in GRADES:
            button = self.query_one(f"#grade-{int(rating)}", Button)
            after = intervals.get(rating)
            when = interval(after) if after is not None else ""
            marker = "▸ " if rating == proposed else ""
            button.label = f"{marker}{int(rating)} {_(name)}  {when}".rstrip()
            button.set_class(rating == proposed, "-proposed")
        if focus:
            self.query_one(f"#grade-{int(proposed)}", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("grade-"):
            self.post_message(self.Chosen(Rating(int(button_id.removeprefix("grade-")))))
