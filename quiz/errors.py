"""The one error base class: a message for people, and a title for the TUI's notification.

The store's failures are subclasses of `StoreError`, so a caller can tell what to do without
reading the message: `retryable` is True when the same write may succeed later (the database
was locked by another program, or the disk was full), and False when it never will as things
are (the folder is read-only, the file is damaged).
"""

from __future__ import annotations

from quiz.i18n import _


class QuizError(Exception):
    """An error meant for the user: the CLI prints it to stderr, the TUI shows it with notify."""

    exit_code = 2

    def __init__(
        self, message: str, title: str | None = None, *, exit_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.title = _("Error") if title is None else title
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class StoreError(QuizError):
    """The review store could not do what was asked; nothing was half-written."""

    retryable = False

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(message, _("Database") if title is None else title)


class DatabaseDamaged(StoreError):
    """The file is an SQLite database, but some of its pages cannot be read."""


class StoreReadOnly(StoreError):
    """The database (or its folder) cannot be written: reviews and settings are not saved."""


class StoreBusy(StoreError):
    """Another program held the database's write lock for longer than the busy timeout."""

    retryable = True


class StoreWriteFailed(StoreError):
    """A write failed for a reason that may pass (the disk is full, an I/O error)."""

    retryable = True
