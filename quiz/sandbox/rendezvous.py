"""Where the sandbox service and its clients meet, and what must match between them.

Kept apart from quiz.sandbox.service (asyncio, the pool) so that a command talking to a running
service imports only this, the client and the framing: a warm one-shot `quiz exec` is mostly
Python start-up and imports, and the service's own imports are ~50 ms it never uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import quiz
from quiz.errors import QuizError

RUNTIME_ENV = "QUIZ_SANDBOX_RUNTIME_DIR"  # overrides where the socket lives (tests)
SOCKET_NAME = "sandbox.sock"
LOCK_NAME = "service.lock"  # held by the live service
START_LOCK_NAME = "start.lock"  # held by a command while it starts one
LOG_NAME = "service.log"
_TORCH_VERSION = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)


def runtime_dir() -> Path:
    """Where the socket lives: QUIZ_HOME's own folder when set (each home its own service, as
    each has its own config and decks), else $XDG_RUNTIME_DIR/quiz, else under the cache."""
    from quiz.paths import locations

    override = os.environ.get(RUNTIME_ENV)
    if override:
        return Path(override)
    if os.environ.get("QUIZ_HOME"):
        return locations().cache / "run"
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isdir(xdg):
        return Path(xdg) / "quiz"
    return locations().cache / "run"


def ensure_runtime_dir() -> Path:
    """The runtime folder, created 0700; one that others can enter is an error, not used."""
    folder = runtime_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise QuizError(
            f"{folder}: the sandbox service folder must be yours and private (mode 0700)",
            title="Sandbox service",
        )
    return folder


@dataclass(frozen=True)
class Settings:
    """The pool a service runs; a client asking for other settings gets a new service."""

    workers: int
    memory_mb: int
    output_limit: int


def _sources_fingerprint() -> str:
    """The sandbox's own code as installed: an edit or upgrade makes a running service stale."""
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    for path in sorted(folder.glob("*.py")):
        with contextlib.suppress(OSError):
            info = path.stat()
            digest.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def torch_build() -> tuple[str | None, int | None]:
    """The installed torch's version and its version.py's time (found, never imported):
    importlib.metadata alone costs a command ~40 ms of imports. (None, None) without torch;
    the time tells a reinstall of the same version apart."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return None, None
    if spec is None or not spec.origin:
        return None, None
    path = os.path.join(os.path.dirname(spec.origin), "version.py")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return None, None
    found = _TORCH_VERSION.search(text)
    return (found.group(1) if found else "unknown"), mtime


def identity(settings: Settings) -> dict[str, Any]:
    """What must match between a command and the service it uses (without importing torch)."""
    torch, torch_installed = torch_build()
    return {
        "quiz": quiz.__version__,
        "torch": torch,
        "torch_installed": torch_installed,
        "python": os.path.realpath(sys.executable),
        "sources": _sources_fingerprint(),
        "settings": asdict(settings),
    }
