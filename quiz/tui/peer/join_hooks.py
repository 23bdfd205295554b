"""What the participant app does beyond playing the session, which depends on where it runs.

- `StoreHooks` (`quiz join` in a terminal): every answered question is recorded as a review in
  the participant's own store, after each reveal.
- `WebHooks` (a browser participant, one process per browser seat on the host): the resume token
  is kept in a file named by the browser's seat cookie, so a reload gets back into the seat, and
  the reviews are offered as a CSV download at the end (nothing is written to the host's store).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quiz.errors import QuizError
from quiz.i18n import _, ngettext
from quiz.peer.review_sink import ReviewSink, StoreRecorder

if TYPE_CHECKING:
    from textual.app import App

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,100}$")


class JoinHooks:
    """The default: play only, record nothing."""

    def saved_token(self) -> str | None:
        return None

    def forget(self) -> None:
        return None

    def welcome(self, app: App[Any], message: dict[str, Any]) -> None:
        return None

    def question(self, message: dict[str, Any]) -> None:
        return None

    def reveal(self, app: App[Any], message: dict[str, Any]) -> None:
        return None

    def final(self, app: App[Any]) -> None:
        return None


class StoreHooks(JoinHooks):
    def __init__(self, recorder: StoreRecorder | None = None) -> None:
        self.recorder = recorder or StoreRecorder()
        self.failed = False

    def welcome(self, app: App[Any], message: dict[str, Any]) -> None:
        self.recorder.sink.welcome(message)

    def question(self, message: dict[str, Any]) -> None:
        self.recorder.sink.question(message)

    def reveal(self, app: App[Any], message: dict[str, Any]) -> None:
        if self.recorder.sink.reveal(message) is None:
            return
        try:
            self.recorder.record()
        except QuizError as exc:  # the session goes on; the file keeps the reviews for later
            if not self.failed:
                self.failed = True
                app.notify(
                    _(
                        "Could not record the review in your store: {error}. "
                        "`quiz log import {path}` adds it later."
                    ).format(error=exc.message, path=self.recorder.path),
                    severity="warning",
                    markup=False,
                )

    def final(self, app: App[Any]) -> None:
        count = len(self.recorder.sink.reviews)
        if not count:
            return
        where = _("your reviews") if not self.failed else str(self.recorder.path)
        app.notify(
            ngettext(
                "{n} answer recorded in {where}; cards of decks you have not added count once "
                "you add them.",
                "{n} answers recorded in {where}; cards of decks you have not added count once "
                "you add them.",
                count,
            ).format(n=count, where=where),
            title=_("Reviews"),
            markup=False,
            timeout=30,
        )


class WebHooks(JoinHooks):
    def __init__(self, seat_file: Path, session: str) -> None:
        self.seat_file = seat_file
        self.session = session  # the join code: names the download
        self.sink = ReviewSink()
        self.delivered = False
        # A reload starts a new process: the reviews of earlier reveals come back from here.
        self.reviews_file = seat_file.with_suffix(".reviews.json")
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            self.sink.load(json.loads(self.reviews_file.read_text(encoding="utf-8")))

    def saved_token(self) -> str | None:
        try:
            token = self.seat_file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return token if _TOKEN.match(token) else None

    def forget(self) -> None:
        self.seat_file.unlink(missing_ok=True)
        self.reviews_file.unlink(missing_ok=True)

    def welcome(self, app: App[Any], message: dict[str, Any]) -> None:
        self.sink.welcome(message)
        token = str(message.get("token", ""))
        if not _TOKEN.match(token):
            return
        _write_private(self.seat_file, token)

    def question(self, message: dict[str, Any]) -> None:
        self.sink.question(message)

    def reveal(self, app: App[Any], message: dict[str, Any]) -> None:
        if self.sink.reveal(message) is not None:
            _write_private(self.reviews_file, json.dumps(self.sink.as_list()))

    def final(self, app: App[Any]) -> None:
        if self.delivered or not self.sink.reviews:
            return
        self.delivered = True
        name = f"quiz-session-{self.session}.csv"
        app.deliver_text(
            io.StringIO(self.sink.csv_text()),
            save_filename=name,
            open_method="download",
            mime_type="text/csv",
            encoding="utf-8",
        )
        app.notify(
            _(
                "Your answers as reviews: {name}. In your own quiz, `quiz log import {name}` "
                "adds them to your schedule."
            ).format(name=name),
            title=_("Results"),
            markup=False,
            timeout=60,
        )


def _write_private(path: Path, text: str) -> None:
    """A seat's token or reviews, readable by the host's user alone. A failed write costs only
    the reload (the name is asked again), never the session."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        return
