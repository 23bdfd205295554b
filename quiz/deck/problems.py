"""Problems found while loading a deck: where, which deck and card, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from quiz.deck.model import SourcePos


@dataclass(frozen=True)
class Problem:
    """One problem, printed as `FILE:LINE:COL: DECK/CARD: message` (editors jump to it)."""

    pos: SourcePos
    deck_id: str | None
    card_id: str | None
    message: str

    @property
    def subject(self) -> str | None:
        """`DECK/CARD`, `DECK`, or None when neither is known yet."""
        if self.card_id is not None:
            return f"{self.deck_id or '?'}/{self.card_id}"
        return self.deck_id

    def __str__(self) -> str:
        subject = self.subject
        if subject is None:
            return f"{self.pos}: {self.message}"
        return f"{self.pos}: {subject}: {self.message}"
