"""`quiz anki import --with-history`: Anki's review log becomes quiz reviews, so FSRS continues
from the learner's real history instead of treating every imported card as new.

The rows go through `quiz log import` (srs.csvlog), the one path that adds reviews from outside:
it validates them, skips rows already in the log (the uuids are derived from the Anki card and
review, so importing the same package twice adds nothing), and replays each card's state.
"""

from __future__ import annotations

import csv
import hashlib
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from quiz.interop.anki_import import ImportedCard
from quiz.outcome import Outcome
from quiz.srs.csvlog import COLUMNS, ImportResult, import_csv
from quiz.srs.store import Store


def _uuid(card: ImportedCard, index: int, time: int, rating: int) -> str:
    origin = f"anki-revlog\x1f{card.anki.guid}\x1f{card.anki.ord}\x1f{time}\x1f{rating}\x1f{index}"
    return hashlib.sha256(origin.encode()).hexdigest()[:32]


def review_rows(deck_id: str, cards: Sequence[ImportedCard]) -> list[dict[str, str]]:
    """One `quiz log` CSV row per Anki review (self-graded: Anki never checks an answer)."""
    rows = []
    for card in cards:
        for index, review in enumerate(card.anki.reviews):
            rows.append(
                {
                    "uuid": _uuid(card, index, review.time, review.rating),
                    "kind": "review",
                    "time": datetime.fromtimestamp(review.time, UTC).isoformat(),
                    "deck_id": deck_id,
                    "card_id": card.card_id,
                    "rating": str(review.rating),
                    "outcome": Outcome.SELF_GRADED.value,
                    "duration_ms": str(review.taken_ms),
                    "answer_text": "",
                }
            )
    rows.sort(key=lambda row: row["time"])
    return rows


def import_history(store: Store, deck_id: str, cards: Sequence[ImportedCard]) -> ImportResult:
    rows = review_rows(deck_id, cards)
    with tempfile.TemporaryDirectory(prefix="quiz-anki-log-") as folder:
        path = Path(folder) / "anki-reviews.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, restval="")
            writer.writeheader()
            writer.writerows(rows)
        return import_csv(store, path)
