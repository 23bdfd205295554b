"""The review log as CSV (`quiz log export` / `quiz log import`): backups and other tools.

One row per log row (`kind` says what it is: most are `review`), times in ISO 8601 UTC. The
`uuid` column makes import idempotent: a row whose uuid is stored already is skipped, so a
backup can be imported into the database it came from, or twice, without duplicating anything.
Rows made by other tools may leave `uuid` empty (one is derived from the row's content, so
re-importing them is still idempotent) and may leave the columns a review fixes when it is
answered (`due`, `state_before`, `interval_before`, `leech`) empty: they are replayed. The
`undone` column is written for other tools and ignored on import (undo rows say it).
An import is one transaction: a bad row names its line, and nothing is imported.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
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


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int
    cards: int
    """Cards whose state was refolded because they got new rows."""


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
                    [
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
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return to_us(as_utc(moment))
    except ValueError:
        raise _RowError(f"{name} {raw!r} is not an ISO 8601 time with a UTC offset") from None


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


def _rows(path: Path) -> Iterator[tuple[int, LogEvent]]:
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise QuizError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise QuizError(f"{path}: not a quiz log (no column {', '.join(missing)})")
        try:
            for row in reader:
                try:
                    yield reader.line_num, _event(row)
                except _RowError as exc:
                    raise QuizError(f"{path}:{reader.line_num}: {exc}") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise QuizError(f"{path}:{reader.line_num}: {exc}") from None


def import_csv(store: Store, path: Path) -> ImportResult:
    """Add the rows of `path` that the log lacks, then refold the cards they touch."""
    events = [event for _, event in _rows(path)]
    presets = store.presets()
    with store.write() as conn:
        known = {
            row[0]
            for chunk in _chunks([e.uuid for e in events], 500)
            for row in conn.execute(
                f"SELECT uuid FROM log WHERE uuid IN ({','.join('?' * len(chunk))})", chunk
            )
        }
        fresh: dict[str, LogEvent] = {}
        for event in events:
            if event.uuid not in known:
                fresh.setdefault(event.uuid, event)
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
    return ImportResult(added=len(fresh), skipped=len(events) - len(fresh), cards=len(by_key))


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
