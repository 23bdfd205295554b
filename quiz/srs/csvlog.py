"""The review log as CSV (`quiz log export` / `quiz log import`): backups and other tools.

One row per log row (`kind` says what it is: most are `review`), times in ISO 8601 UTC. The
`uuid` column makes import idempotent: a row whose uuid is stored already is skipped, so a
backup can be imported into the database it came from, or twice, without duplicating anything.
Rows made by other tools may leave `uuid` empty (one is derived from the row's content, so
re-importing them is still idempotent) and may leave the columns a review fixes when it is
answered (`due`, `state_before`, `interval_before`, `leech`) empty: they are replayed. The
`undone` column is written for other tools and ignored on import (undo rows say it).
An import is one transaction: a bad row names its line, and nothing is imported. A row whose
uuid is already used by a different entry (another card, time or kind), in the log or earlier in
the file, is a conflict: it is not imported, and each one is reported with its line.

Spreadsheets run a cell that starts with `= + - @` (or a tab or carriage return) as a formula,
so export writes such cells with a leading `'`, as spreadsheets expect, and import removes it
again: a round trip is lossless (a cell that itself starts with `'` and one of those characters,
or with two `'`, gets one more on export, so every text comes back as it was).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fsrs import Rating

from quiz.deck.fields import SLUG_MAX, SLUG_PATTERN
from quiz.errors import QuizError
from quiz.outcome import Outcome
from quiz.srs.events import Kind, LogEvent, Phase, split_key
from quiz.srs.replay import complete, fold, scheduler_for
from quiz.srs.store import Store
from quiz.srs.timeutil import as_utc, from_us, to_us

COLUMNS = (
    "uuid",
    "kind",
    "time",
    "deck_id",
    "card_id",
    "rating",
    "proposed",
    "outcome",
    "duration_ms",
    "answer_text",
    "instance",
    "due",
    "state_before",
    "interval_before",
    "leech",
    "target",
    "value",
    "undone",
)
REQUIRED = ("kind", "time", "deck_id", "card_id")
_ID = re.compile(SLUG_PATTERN)  # the deck format's own id rule: ids must round-trip


# Review times must leave room for the schedule (a due up to ~100 years later) inside what
# Python's datetime can hold (year 9999); nothing reviewed before 1970 is a real review.
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int
    """Rows already in the log (the same entry, by uuid)."""
    cards: int
    """Cards whose state was refolded because they got new rows."""
    conflicts: tuple[str, ...] = ()
    """`FILE:LINE: why` for each row not imported because its uuid names another entry."""


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet shows it as text (never as a formula); `restore` undoes it."""
    if cell.startswith(_FORMULA_START) or (
        cell.startswith("'") and cell[1:2] != "" and cell[1:2] in (*_FORMULA_START, "'")
    ):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    if cell.startswith("'") and cell[1:2] != "" and cell[1:2] in (*_FORMULA_START, "'"):
        return cell[1:]
    return cell


def _iso(value: int | None) -> str:
    return from_us(value).isoformat() if value is not None else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def export_csv(store: Store, path: Path) -> int:
    """Write every log row to `path`; returns the number of rows."""
    with store.read() as conn:
        undone = {row[0] for row in conn.execute("SELECT target FROM log WHERE kind = 'undo'")}
    count = 0
    try:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for e in store.iter_events():
                _, card_id = split_key(e.key)
                writer.writerow(
                    neutralise(cell) for cell in [
                        e.uuid, e.kind.value, _iso(e.time), e.deck_id, card_id,
                        _text(e.rating), _text(e.proposed), _text(e.outcome),
                        _text(e.duration_ms), _text(e.answer_text), _text(e.instance),
                        _iso(e.due), _text(e.state_before), _text(e.interval_before),
                        _text(e.leech), _text(e.target), _text(e.value),
                        "1" if e.uuid in undone else ("0" if e.kind is Kind.REVIEW else ""),
                    ]
                )  # fmt: skip
                count += 1
    except OSError as exc:
        raise QuizError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return count


class _RowError(Exception):
    pass


def _cell(row: dict[str, str], name: str, *, required: bool) -> str | None:
    """The cell's text, None when empty; an empty required cell is an error."""
    raw = (row.get(name) or "").strip()
    if not raw and required:
        raise _RowError(f"{name} is required")
    return raw or None


def _int(row: dict[str, str], name: str, lo: int, hi: int, *, required: bool) -> int | None:
    raw = _cell(row, name, required=required)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise _RowError(f"{name} {raw!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise _RowError(f"{name} {value} is not {lo}-{hi}")
    return value


def _time(row: dict[str, str], name: str, *, required: bool) -> int | None:
    raw = _cell(row, name, required=required)
    if raw is None:
        return None
    try:
        moment = as_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise _RowError(f"{name} {raw!r} is not an ISO 8601 time with a UTC offset") from None
    if not _EARLIEST <= moment < _LATEST:
        raise _RowError(
            f"{name} {raw!r} is out of range (from {_EARLIEST.year} to before {_LATEST.year})"
        )
    return to_us(moment)


def _event(row: dict[str, str]) -> LogEvent:
    for name in REQUIRED:
        if not (row.get(name) or "").strip():
            raise _RowError(f"{name} is required")
    try:
        kind = Kind(row["kind"].strip())
    except ValueError:
        raise _RowError(f"kind {row['kind']!r} is not one of {', '.join(Kind)}") from None
    deck_id, card_id = row["deck_id"].strip(), row["card_id"].strip()
    for name, value in (("deck_id", deck_id), ("card_id", card_id)):
        if not _ID.match(value) or len(value) > SLUG_MAX:
            raise _RowError(f"{name} {value!r} is not a slug (a-z, 0-9 and single dashes)")
    time = _time(row, "time", required=True)
    assert time is not None
    review = kind is Kind.REVIEW
    outcome = (row.get("outcome") or "").strip() or None
    if outcome is not None:
        try:
            outcome = Outcome(outcome).value
        except ValueError:
            raise _RowError(f"outcome {outcome!r} is not one of {', '.join(Outcome)}") from None
    instance = (row.get("instance") or "").strip() or None
    if instance is not None:
        try:
            json.loads(instance)
        except ValueError:
            raise _RowError("instance is not JSON") from None
    interval_raw = (row.get("interval_before") or "").strip()
    try:
        interval = float(interval_raw) if interval_raw else None
    except ValueError:
        raise _RowError(f"interval_before {interval_raw!r} is not a number") from None
    target = (row.get("target") or "").strip() or None
    if kind is Kind.UNDO and target is None:
        raise _RowError("an undo row needs the uuid of its review in target")
    event = LogEvent(
        uuid=(row.get("uuid") or "").strip(),
        kind=kind,
        time=time,
        key=f"{deck_id}/{card_id}",
        deck_id=deck_id,
        rating=_int(row, "rating", Rating.Again, Rating.Easy, required=review),
        proposed=_int(row, "proposed", Rating.Again, Rating.Easy, required=False),
        outcome=outcome if outcome or not review else Outcome.SELF_GRADED.value,
        answer_text=row.get("answer_text") if review else None,
        duration_ms=_int(row, "duration_ms", 0, 2**62, required=False),
        instance=instance,
        due=_time(row, "due", required=False),
        state_before=_int(row, "state_before", Phase.NEW, Phase.RELEARNING, required=False),
        interval_before=interval,
        leech=_int(row, "leech", 0, 2, required=False),
        target=target,
        value=_int(row, "value", 0, 7, required=kind is Kind.FLAG),
    )
    if not event.uuid:
        # Content-derived, so a file from another tool imports idempotently too.
        digest = hashlib.sha256(
            "\x1f".join([kind.value, str(time), event.key, _text(event.rating)]).encode()
        )
        event = replace(event, uuid=digest.hexdigest()[:32])
    return event


class _Lines:
    """The file's lines, counting where each CSV record starts (a quoted cell may span lines)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0
        self.first = 1
        self._starting = True

    def start_record(self) -> None:
        self._starting = True

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        if self._starting and line.strip():  # blank lines between records are skipped
            self.first = self.count
            self._starting = False
        return line


def _rows(path: Path) -> Iterator[tuple[int, LogEvent]]:
    """(line where the record starts, event) for each row; a bad row is a QuizError."""
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise QuizError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with fh:
        lines = _Lines(iter(fh))
        try:
            reader = csv.DictReader(lines)
            fieldnames = reader.fieldnames
        except (csv.Error, UnicodeDecodeError) as exc:
            raise QuizError(f"{path}:{lines.first}: {_csv_problem(exc)}") from None
        missing = [c for c in REQUIRED if c not in (fieldnames or [])]
        if missing:
            raise QuizError(f"{path}: not a quiz log (no column {', '.join(missing)})")
        while True:
            lines.start_record()
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise QuizError(f"{path}:{lines.first}: {_csv_problem(exc)}") from None
            cells = {k: restore(v) if isinstance(v, str) else v for k, v in row.items()}
            try:
                yield lines.first, _event(cells)
            except _RowError as exc:
                raise QuizError(f"{path}:{lines.first}: {exc}") from None


def _csv_problem(exc: Exception) -> str:
    if isinstance(exc, csv.Error) and "field larger than field limit" in str(exc):
        return f"a cell is longer than {csv.field_size_limit()} characters"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text; save the file as UTF-8"
    return str(exc)


def _same_entry(a: LogEvent, b: LogEvent) -> bool:
    return (a.kind, a.time, a.key) == (b.kind, b.time, b.key)


def _describe(event: LogEvent) -> str:
    return f"{event.kind.value} of {event.key} at {_iso(event.time)}"


def import_csv(store: Store, path: Path) -> ImportResult:
    """Add the rows of `path` that the log lacks, then refold the cards they touch."""
    rows = list(_rows(path))
    presets = store.presets()
    conflicts: list[str] = []
    with store.write() as conn:
        known: dict[str, LogEvent] = {}
        for chunk in _chunks([e.uuid for _, e in rows], 500):
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(
                f"SELECT uuid, kind, time, key FROM log WHERE uuid IN ({marks})", chunk
            ):
                known[row[0]] = LogEvent(
                    uuid=row[0], kind=Kind(row[1]), time=row[2], key=row[3], deck_id=""
                )
        fresh: dict[str, LogEvent] = {}
        first_line: dict[str, int] = {}
        skipped = 0
        for line, event in rows:
            stored = known.get(event.uuid)
            earlier = fresh.get(event.uuid)
            if stored is not None and not _same_entry(stored, event):
                conflicts.append(
                    f"{path}:{line}: uuid {event.uuid} is already in the log for another "
                    f"entry ({_describe(stored)}); this row ({_describe(event)}) was not imported"
                )
            elif earlier is not None and not _same_entry(earlier, event):
                conflicts.append(
                    f"{path}:{line}: uuid {event.uuid} is also on line {first_line[event.uuid]} "
                    f"for another entry ({_describe(earlier)}); this row ({_describe(event)}) "
                    "was not imported"
                )
            elif stored is not None or earlier is not None:
                skipped += 1
            else:
                fresh[event.uuid] = event
                first_line[event.uuid] = line
        by_key: dict[str, list[LogEvent]] = {}
        for event in fresh.values():
            by_key.setdefault(event.key, []).append(event)
        completed: dict[str, LogEvent] = {}
        for key, new_events in by_key.items():
            preset = presets.for_deck(new_events[0].deck_id)
            old = store.events_for(conn, key)
            merged = sorted([*old, *new_events], key=lambda e: (e.time, e.id is None, e.id or 0))
            for event in complete(merged, scheduler_for(preset, fuzz=False), preset):
                completed[event.uuid] = event
        # In file order, so a backup restored into an empty database keeps its arrival order.
        store.append_missing(conn, (completed[uuid] for uuid in fresh))
        for key, new_events in by_key.items():
            deck_id = new_events[0].deck_id
            plain = scheduler_for(presets.for_deck(deck_id), fuzz=False)
            store.put_card(conn, fold(key, deck_id, store.events_for(conn, key), plain))
    return ImportResult(
        added=len(fresh), skipped=skipped, cards=len(by_key), conflicts=tuple(conflicts)
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
