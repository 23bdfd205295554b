"""The one error base class: a message for people, and a title for the TUI's notification."""

from __future__ import annotations


class QuizError(Exception):
    """An error meant for the user: the CLI prints it to stderr, the TUI shows it with notify."""

    exit_code = 2

    def __init__(self, message: str, title: str = "Error") -> None:
        super().__init__(message)
        self.message = message
        self.title = title

    def __str__(self) -> str:
        return self.message
