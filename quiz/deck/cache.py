"""The `quiz check` cache: a card proven once is not run again until its content, its deck's
setup, torch, Python or the checking rules change.

One JSON file of passing keys under `locations().cache`; failures are never cached (they are
what an author is about to fix). Writes are atomic and merge with what another process saved.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from quiz.deck.model import Card, Deck
from quiz.deck.requires import installed_version
from quiz.paths import locations

# Bump when what `quiz check` proves changes, so old passes are not trusted.
CHECK_RULES_VERSION = 2  # 2: proofs; a predict card may not print before it raises
_FILE = f"check-v{CHECK_RULES_VERSION}.json"
# Where a card sits in its file does not change what it proves.
_IGNORED_FIELDS = ("pos", "field_pos")


def card_fingerprint(card: Card) -> str:
    content = {k: v for k, v in asdict(card).items() if k not in _IGNORED_FIELDS}
    return json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)


class CheckCache:
    """Passing cards by key; `torch_version` defaults to the installed one (from metadata)."""

    def __init__(self, path: Path | None = None, torch_version: str | None = None) -> None:
        self.path = path or locations().cache / _FILE
        self.torch_version = torch_version or installed_version("torch") or "none"
        self._passes: dict[str, dict[str, Any]] = self._read()
        self._new: dict[str, dict[str, Any]] = {}

    def key(self, deck: Deck, card: Card) -> str:
        digest = hashlib.sha256()
        for part in (
            str(CHECK_RULES_VERSION),
            self.torch_version,
            f"{sys.version_info.major}.{sys.version_info.minor}",
            deck.setup,
            card_fingerprint(card),
        ):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored pass (`message`, `duration_ms`) or None."""
        return self._new.get(key) or self._passes.get(key)

    def put(self, key: str, message: str, duration_ms: float) -> None:
        self._new[key] = {"message": message, "duration_ms": round(duration_ms, 1)}

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a missing or damaged cache is just a cold one
        return data if isinstance(data, dict) else {}

    def save(self) -> None:
        """Merge the new passes into the file (another process may have written it meanwhile)."""
        if not self._new:
            return
        merged = {**self._read(), **self._new}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(merged), encoding="utf-8")
        tmp.replace(self.path)
        self._passes = merged
        self._new = {}
