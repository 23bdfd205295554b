"""A finished session's results: one row per participant per question asked, written as CSV and
JSON in the data folder, and the summary the host's end screen shows (per question how many got
it right and the most common wrong answers; per participant the cards they missed).

Built from the session file (the journal), not from memory, so a session reopened with
`quiz host --resume` reports every answer it ever took. Participants are strangers: every text
cell is neutralised for spreadsheets the way `quiz log export` does it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quiz.errors import QuizError
from quiz.i18n import _
from quiz.paths import locations
from quiz.srs.csvlog import neutralise

if TYPE_CHECKING:
    from quiz.peer.hub import Hub

COLUMNS = (
    "participant",
    "question",
    "deck_id",
    "card_id",
    "type",
    "answer",
    "status",
    "correct",
    "time",
    "points",
)
NO_ANSWER = "no-answer"
COMMON_WRONG = 3  # wrong answers listed per question on the end screen


@dataclass(frozen=True)
class AnswerRow:
    participant: str
    question: int  # 1-based, as the screens number them
    deck_id: str
    card_id: str
    type: str
    answer: str  # what the participant sent, as the grader read it; "" when none
    status: str  # pass, fail, error, timeout or no-answer
    correct: bool
    time: float  # seconds from the question's opening to the hub's receipt (the full time: none)
    points: int


@dataclass(frozen=True)
class QuestionSummary:
    question: int
    deck_id: str
    card_id: str
    asked: int
    right: int
    wrong_answers: list[tuple[str, int]]  # the most common wrong answers, most common first


@dataclass(frozen=True)
class ParticipantSummary:
    name: str
    score: int
    correct: int
    missed: list[str]  # deck/card of every question asked and not answered right


@dataclass(frozen=True)
class Results:
    code: str
    scoring: str
    rows: list[AnswerRow]
    questions: list[QuestionSummary]
    participants: list[ParticipantSummary]


def collect(hub: Hub) -> Results:
    """Every scored answer of the session, from its journal, with the summaries."""
    names = {seat.id: seat.name for seat in hub.journal.seats()}
    rows: list[AnswerRow] = []
    for result in hub.journal.results():
        if result.question in hub.skipped or not 0 <= result.question < len(hub.questions):
            continue
        card = hub.questions[result.question].card
        graded = result.result or {}
        rows.append(
            AnswerRow(
                participant=names.get(result.seat, f"#{result.seat}"),
                question=result.question + 1,
                deck_id=card.deck_id,
                card_id=card.id,
                type=str(card.type),
                answer=str(graded.get("given", "")) if result.result is not None else "",
                status=str(graded.get("outcome", NO_ANSWER)) if result.result else NO_ANSWER,
                correct=result.correct,
                time=round(result.elapsed, 3),
                points=result.points,
            )
        )
    return Results(
        hub.code,
        str(hub.scoring),
        rows,
        _per_question(rows),
        _per_participant(hub, rows),
    )


def _per_question(rows: list[AnswerRow]) -> list[QuestionSummary]:
    by_question: dict[int, list[AnswerRow]] = {}
    for row in rows:
        by_question.setdefault(row.question, []).append(row)
    summaries = []
    for number in sorted(by_question):
        asked = by_question[number]
        # The same wrong output typed with different trailing space is one misconception.
        wrong = Counter(
            " ".join(r.answer.split()) for r in asked if not r.correct and r.answer.strip()
        )
        summaries.append(
            QuestionSummary(
                number,
                asked[0].deck_id,
                asked[0].card_id,
                len(asked),
                sum(r.correct for r in asked),
                wrong.most_common(COMMON_WRONG),
            )
        )
    return summaries


def _per_participant(hub: Hub, rows: list[AnswerRow]) -> list[ParticipantSummary]:
    missed: dict[str, list[str]] = {}
    for row in rows:
        if not row.correct:
            missed.setdefault(row.participant, []).append(f"{row.deck_id}/{row.card_id}")
    return [
        ParticipantSummary(
            str(entry["name"]),
            int(str(entry["score"])),
            int(str(entry["correct"])),
            missed.get(str(entry["name"]), []),
        )
        for entry in hub.scoreboard()
    ]


def csv_text(results: Results) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in results.rows:
        writer.writerow(
            neutralise(cell)
            for cell in (
                row.participant,
                str(row.question),
                row.deck_id,
                row.card_id,
                row.type,
                row.answer,
                row.status,
                "1" if row.correct else "0",
                f"{row.time:.3f}",
                str(row.points),
            )
        )
    return out.getvalue()


def json_data(results: Results, ended: datetime) -> dict[str, Any]:
    return {
        "code": results.code,
        "ended": ended.isoformat(),
        "scoring": results.scoring,
        "answers": [asdict(row) for row in results.rows],
        "questions": [asdict(q) for q in results.questions],
        "participants": [asdict(p) for p in results.participants],
    }


def results_folder() -> Path:
    return locations().database.parent / "peer-results"


def write(results: Results, folder: Path | None = None, now: datetime | None = None) -> list[Path]:
    """The CSV and the JSON file, named by the end time and the join code; their paths."""
    ended = now or datetime.now(UTC)
    target = folder or results_folder()
    stem = f"{ended.strftime('%Y%m%d-%H%M%S')}-{results.code}"
    paths = [target / f"{stem}.csv", target / f"{stem}.json"]
    texts = [csv_text(results), json.dumps(json_data(results, ended), indent=2, ensure_ascii=False)]
    try:
        target.mkdir(parents=True, exist_ok=True)
        for path, text in zip(paths, texts, strict=True):
            # Others' names and answers: readable by the host alone.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
    except OSError as exc:
        raise QuizError(
            _("cannot write the session's results to {folder}: {reason}").format(
                folder=target, reason=exc.strerror or exc
            ),
            title=_("Results"),
        ) from exc
    return paths


def summary_lines(results: Results) -> list[str]:
    """The end screen's text: the group's misconceptions at a glance."""
    lines = [_("Per question (right / asked; most common wrong answers):")]
    for q in results.questions:
        wrong = "; ".join(f"{_short(text)} ×{n}" for text, n in q.wrong_answers)
        lines.append(
            f"  {q.question:>2}. {q.deck_id}/{q.card_id}: {q.right}/{q.asked}"
            + ("  " + _("wrong: {answers}").format(answers=wrong) if wrong else "")
        )
    lines.append(_("Missed cards per participant:"))
    for p in results.participants:
        lines.append(f"  {p.name}: " + (", ".join(p.missed) if p.missed else _("none")))
    return lines


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ResultsWriter:
    """Writes the results once when the hub says the session ended; `paths` says where."""

    def __init__(self, hub: Hub, folder: Path | None = None) -> None:
        self.hub = hub
        self.folder = folder
        self.paths: list[Path] = []
        self.error: str | None = None
        hub.listeners.append(self._changed)

    def _changed(self, what: str) -> None:
        if what == "end" and not self.paths:
            try:
                self.paths = write(collect(self.hub), self.folder)
            except QuizError as exc:  # the session is still in its file; say why, keep going
                self.error = exc.message
