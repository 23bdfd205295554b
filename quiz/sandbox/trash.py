"""What finished runs left in the scratch root, removed a slice at a time between requests.

A run may fill its folder with tens of thousands of files in its few seconds; removing them
takes the worker a good fraction of a second, and the next run should not wait for that. So a
folder that is not empty at once is renamed aside (one call) and removed by `work()` in slices
of a few milliseconds whenever the worker has no request to serve. Most runs leave their folder
empty: they cost one `rmdir`, as before. The worker still finishes at once when the scratch is
short of room (`room_is_short`): the next run must find the space and inodes it was promised.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import secrets
import stat
import time
from collections import deque
from collections.abc import Iterator

TRASH_PREFIX = ".trash-"
# Between two checks for a request: short enough that a request barely waits behind a slice.
SLICE_SECONDS = 0.004
_OPS_PER_CHECK = 64  # removals between two looks at the clock


class Trash:
    def __init__(self, root: str) -> None:
        self.root = root
        self._folders: deque[str] = deque()
        self._removal: Iterator[None] | None = None

    @property
    def pending(self) -> bool:
        return bool(self._folders) or self._removal is not None

    def holds(self, path: str) -> bool:
        return path in self._folders

    def discard(self, path: str) -> None:
        """Remove `path` (a folder or anything else): now if that is one call, else later."""
        with contextlib.suppress(OSError):
            os.rmdir(path)  # most runs leave their folder empty
            return
        if not os.path.isdir(path) or os.path.islink(path):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return
        aside = os.path.join(self.root, f"{TRASH_PREFIX}{secrets.token_hex(8)}")
        try:
            os.rename(path, aside)
        except OSError:
            aside = path  # removed where it is, still in slices
        self._folders.append(aside)

    def work(self, budget: float | None = SLICE_SECONDS) -> None:
        """Remove for about `budget` seconds (None: until everything is gone)."""
        deadline = math.inf if budget is None else time.monotonic() + budget
        while self.pending:
            if self._removal is None:
                self._removal = _removal(self._folders[0])
            for done, _ in enumerate(self._removal, 1):
                if done % _OPS_PER_CHECK == 0 and time.monotonic() >= deadline:
                    return
            self._removal = None
            self._folders.popleft()
            if time.monotonic() >= deadline:
                return


def _removal(top: str) -> Iterator[None]:
    """Remove the tree at `top` depth first, yielding after each removal. A folder the run made
    unreadable gets its owner's rights back first; what still resists is left where it is (the
    worker's scratch goes with its worker)."""
    stack = [top]
    abandoned: set[str] = set()
    passes: dict[str, int] = {}
    while stack:
        folder = stack[-1]
        descended = False
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.path in abandoned:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                        descended = True
                        break
                    _unlink(entry.path, folder)
                    yield
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM) and _give_access(folder):
                continue
            abandoned.add(stack.pop())
            continue
        if descended:
            continue
        try:
            os.rmdir(folder)
        except OSError:
            passes[folder] = passes.get(folder, 0) + 1
            if passes[folder] < 2:
                continue  # once more: an entry may have been skipped while others went
            abandoned.add(folder)
        stack.pop()
        yield


def _unlink(path: str, folder: str) -> None:
    try:
        os.unlink(path)
    except PermissionError:
        if _give_access(folder):
            with contextlib.suppress(OSError):
                os.unlink(path)
    except OSError:
        pass


def _give_access(folder: str) -> bool:
    """Owner rights back on a folder the run made unwritable; False if it already had them."""
    try:
        mode = os.lstat(folder).st_mode
        if stat.S_IMODE(mode) & stat.S_IRWXU == stat.S_IRWXU:
            return False
        os.chmod(folder, stat.S_IRWXU, follow_symlinks=False)
        return True
    except OSError:
        return False


def room_is_short(root: str) -> bool:
    """Less than half the scratch's inodes or space free (what earlier runs left counts)."""
    try:
        info = os.statvfs(root)
    except OSError:
        return True
    return info.f_favail * 2 < info.f_files or info.f_bavail * 2 < info.f_blocks
