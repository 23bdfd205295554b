"""The paths no sandbox run may read: deck files (their answers, checks and solutions) and the
learner's own data (review history, config, caches).

Workers get the list when they start and carve these paths out of what Landlock lets a run read
(`landlock.read_rules`), which matters where a deck sits inside Python's search path (the bundled
decks of an editable install). Whatever loads decks from elsewhere (`--decks`, `quiz check PATH`)
calls `hide()` first; a pool already running replaces its workers when the list grows.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

_lock = threading.Lock()
_extra: set[str] = set()
_listeners: weakref.WeakSet[_Listener] = weakref.WeakSet()


class _Listener:
    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback


def _defaults() -> list[str]:
    from quiz.paths import bundled_decks_dir, locations

    where = locations()
    found = [str(bundled_decks_dir()), str(where.user_decks), str(where.cache)]
    found += [str(where.database.parent), str(where.config.parent)]
    return found


def _holds_python(path: str) -> bool:
    """Hiding a folder that holds Python itself would leave runs unable to import anything."""
    top = os.path.realpath(path).rstrip("/") + "/"
    import quiz

    inside = [sys.prefix, sys.base_prefix, str(Path(quiz.__file__).resolve().parent)]
    return any((os.path.realpath(p).rstrip("/") + "/").startswith(top) for p in inside)


def paths() -> list[str]:
    """Every path to hide now, resolved, without any that would hide Python itself."""
    with _lock:
        extra = set(_extra)
    candidates = {os.path.realpath(p) for p in (*_defaults(), *extra)}
    return sorted(p for p in candidates if not _holds_python(p))


def hide(more: Iterable[str | os.PathLike[str]]) -> None:
    """Add deck files or folders to hide; running pools renew their workers if the list grew."""
    added = False
    with _lock:
        for path in more:
            resolved = os.path.realpath(os.fspath(path))
            if resolved not in _extra:
                _extra.add(resolved)
                added = True
        listeners = list(_listeners)
    if added:
        for listener in listeners:
            listener.callback()


def subscribe(callback: Callable[[], None]) -> object:
    """Call `callback` whenever the list grows; keep the returned handle alive to stay on."""
    listener = _Listener(callback)
    with _lock:
        _listeners.add(listener)
    return listener
