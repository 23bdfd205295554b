"""Loading one deck file: bytes -> text -> safe YAML nodes -> validated model, with every problem.

Nothing is executed: the result is data (the deck, or the problems that keep it from loading).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quiz.deck.build import DeckBuilder
from quiz.deck.model import Deck, SourcePos
from quiz.deck.problems import Problem
from quiz.deck.yamlnodes import MAX_FILE_BYTES, Located, compose, decode, too_large
from quiz.i18n import _


@dataclass(frozen=True)
class DeckLoad:
    """What loading one file gave: a deck when there were no problems, else the problems."""

    path: Path
    deck: Deck | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.deck is not None and not self.problems


def _lift(found: list[Located]) -> list[Problem]:
    return [Problem(p.pos, None, None, p.message) for p in found]


def load_deck_text(text: str, filename: str) -> DeckLoad:
    """Validate and build a deck from its text; `filename` is what problems point at."""
    root, found = compose(text, filename)
    if root is None and found:
        return DeckLoad(Path(filename), None, _lift(found))
    if root is None:
        empty = Problem(
            SourcePos(filename, 1, 1), None, None, _("the file is empty: no deck in it")
        )
        return DeckLoad(Path(filename), None, [empty])
    builder = DeckBuilder(filename)
    deck = builder.deck(root)
    problems = sorted(_lift(found) + builder.problems, key=lambda p: (p.pos.line, p.pos.col))
    return DeckLoad(Path(filename), None if problems else deck, problems)


def load_deck(path: Path) -> DeckLoad:
    """Load a deck file; unreadable files and bad encodings are problems, not exceptions."""
    filename = str(path)
    try:
        # The size first: a file of several GB must be refused before it is read into memory.
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return DeckLoad(path, None, _lift([too_large(filename, size)]))
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # a file that grew since stat is still bounded
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = _("cannot read the file: {reason}").format(reason=reason)
        problem = Problem(SourcePos(filename, 1, 1), None, None, message)
        return DeckLoad(path, None, [problem])
    text, found = decode(data, filename)
    if text is None:
        return DeckLoad(path, None, _lift(found))
    loaded = load_deck_text(text, filename)
    return DeckLoad(path, loaded.deck, loaded.problems)
