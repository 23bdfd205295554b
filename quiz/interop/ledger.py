"""When each exported note last changed, so that a re-export updates only the notes that did.

Anki's importer (by default) updates a note when the package's copy is newer, whatever its
content; genanki stamps every note with the export time. So the ledger remembers, per GUID, a
digest of what was written and when it last changed: an unchanged note keeps its old time and
Anki leaves it (and any edit the learner made in Anki) alone. Losing the ledger only costs one
export that rewrites every note with the same content.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

LEDGER_VERSION = 1


def digest(model_id: int, fields: Sequence[str], tags: Sequence[str]) -> str:
    data = json.dumps([model_id, list(fields), sorted(tags)], ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


class Ledger:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, tuple[str, int]] = {}
        if path is not None:
            self.entries = _read(path)

    def stamp(self, guid: str, note_digest: str, now: int) -> int:
        """The modification time to write for a note: its old one when nothing changed."""
        known = self.entries.get(guid)
        if known is not None and known[0] == note_digest:
            return known[1]
        self.entries[guid] = (note_digest, now)
        return now

    def save(self) -> None:
        if self.path is None:
            return
        data = {"version": LEDGER_VERSION, "notes": {g: list(e) for g, e in self.entries.items()}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".anki-ledger-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(temp, self.path)
        except OSError:
            pass  # a cache: the next export just marks every note changed


def _read(path: Path) -> dict[str, tuple[str, int]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != LEDGER_VERSION:
            return {}
        return {str(g): (str(e[0]), int(e[1])) for g, e in data["notes"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return {}  # missing or damaged: start afresh
