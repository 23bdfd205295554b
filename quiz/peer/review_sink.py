"""A participant's answers in a peer session, as reviews of their own cards.

Every question the participant answered becomes one `review` row of that card (its deck id and
card id come with the question), graded from the host's verdict the way study proposes a grade:
a fail, error or timeout is Again; a pass is Good, or Easy when it is clearly faster than the
learner's own earlier passes of that card. A question not answered is not a review.

The rows are in the CSV format `quiz log export` writes and `quiz log import` reads, so a browser
participant takes them home as a file, and a terminal participant's `quiz join` imports them
into its own store through that same import. Each row's uuid is derived from the seat's token
and the question, so importing the file twice (or after every reveal) never duplicates a review.
A card of a deck the participant does not have is recorded all the same: the store keeps history
by deck and card id, and the review applies once the deck is added.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.paths import locations
from quiz.srs.csvlog import COLUMNS, neutralise
from quiz.srs.grading import propose
from quiz.srs.timeutil import utc_now

GRADED = {o.value for o in (Outcome.PASS, Outcome.FAIL, Outcome.ERROR, Outcome.TIMEOUT)}


@dataclass(frozen=True)
class Review:
    uuid: str
    question: int
    time: datetime
    deck_id: str
    card_id: str
    rating: int
    outcome: str
    duration_ms: int
    answer_text: str

    @property
    def key(self) -> str:
        return f"{self.deck_id}/{self.card_id}"


class ReviewSink:
    """Reads the hub's messages and keeps one Review per answered question.

    `earlier_passes(key)` gives the durations (ms) of the learner's earlier passes of a card,
    for the Easy proposal; a browser participant has no history, so the default is none.
    """

    def __init__(
        self,
        clock: Callable[[], datetime] = utc_now,
        earlier_passes: Callable[[str], Sequence[int]] = lambda _: (),
    ) -> None:
        self.clock = clock
        self.earlier_passes = earlier_passes
        self.seat = ""
        self.cards: dict[int, tuple[str, str]] = {}
        self.reviews: list[Review] = []
        self._done: set[int] = set()

    def welcome(self, message: dict[str, Any]) -> None:
        self.seat = str(message.get("token", ""))

    def question(self, message: dict[str, Any]) -> None:
        card = message.get("card") or {}
        deck, card_id = card.get("deck"), card.get("id")
        if isinstance(deck, str) and isinstance(card_id, str):
            self.cards[int(message["question"])] = (deck, card_id)

    def reveal(self, message: dict[str, Any]) -> Review | None:
        """The review this reveal makes, or None (no answer, or a question seen already)."""
        question = int(message["question"])
        result = message.get("result")
        card = self.cards.get(question)
        if not isinstance(result, dict) or card is None or question in self._done:
            return None
        outcome = str(result.get("outcome"))
        if outcome not in GRADED:
            return None
        elapsed = message.get("elapsed")
        duration = int(float(elapsed) * 1000) if isinstance(elapsed, int | float) else 0
        deck_id, card_id = card
        rating = propose(
            Outcome(outcome),
            duration,
            used_hint=False,
            retried=False,
            earlier_pass_ms=self.earlier_passes(f"{deck_id}/{card_id}"),
        )
        digest = hashlib.sha256(f"quiz-peer\x1f{self.seat}\x1f{question}".encode()).hexdigest()
        review = Review(
            uuid=digest[:32],
            question=question,
            time=self.clock(),
            deck_id=deck_id,
            card_id=card_id,
            rating=int(rating),
            outcome=outcome,
            duration_ms=duration,
            answer_text=str(result.get("given") or ""),
        )
        self._done.add(question)
        self.reviews.append(review)
        return review

    def as_list(self) -> list[dict[str, Any]]:
        return [{**asdict(r), "time": r.time.isoformat()} for r in self.reviews]

    def load(self, saved: list[dict[str, Any]]) -> None:
        """Reviews kept by an earlier process of this seat (a browser page reloaded)."""
        for entry in saved:
            review = Review(**{**entry, "time": datetime.fromisoformat(entry["time"])})
            if review.question not in self._done:
                self._done.add(review.question)
                self.reviews.append(review)

    def csv_text(self) -> str:
        """Every review so far as a `quiz log import` file."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for review in self.reviews:
            row = {
                "uuid": review.uuid,
                "kind": "review",
                "time": review.time.isoformat(),
                "deck_id": review.deck_id,
                "card_id": review.card_id,
                "rating": str(review.rating),
                "proposed": str(review.rating),
                "outcome": review.outcome,
                "duration_ms": str(review.duration_ms),
                "answer_text": review.answer_text,
                "undone": "0",
            }
            writer.writerow({k: neutralise(v) for k, v in row.items()})
        return out.getvalue()


def reviews_folder() -> Path:
    return locations().database.parent / "peer-reviews"


class StoreRecorder:
    """A terminal participant's side: after each reveal, the session's reviews so far go into
    the file `peer-reviews/<start time>.csv` of the data folder and are imported from it into
    the participant's own store (already imported rows are skipped by uuid)."""

    def __init__(self, sink: ReviewSink | None = None, folder: Path | None = None) -> None:
        self.sink = sink or ReviewSink(earlier_passes=_store_passes)
        self.folder = folder or reviews_folder()
        self.path = self.folder / f"{utc_now().strftime('%Y%m%d-%H%M%S-%f')}.csv"
        self.recorded = 0

    def record(self) -> int:
        """Import the reviews so far; how many the store holds from this session."""
        from quiz.srs.csvlog import import_csv
        from quiz.srs.store import Store

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(self.sink.csv_text())
        except OSError as exc:
            raise QuizError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        with Store.open() as store:
            import_csv(store, self.path)
        self.recorded = len(self.sink.reviews)
        return self.recorded


def _store_passes(key: str) -> list[int]:
    """The learner's earlier passes of a card, from their own store (none when it has none)."""
    from quiz.srs.records import effective_reviews
    from quiz.srs.store import Store

    if not locations().database.exists():
        return []
    with Store.open() as store:
        return [
            e.duration_ms or 0
            for e in effective_reviews(store.events(key))
            if e.outcome == Outcome.PASS
        ]
