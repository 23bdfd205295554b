"""Newline-delimited JSON over pipes, parsed defensively: a peer may send garbage or nothing.

Every message between the host, its workers and their children is one JSON object on one line.
Nothing is ever unpickled; a line that is too long, not JSON, or not an object is a `FrameError`.
"""

from __future__ import annotations

import json
import os
from typing import Any

MAX_LINE = 64 * 1024 * 1024


class FrameError(Exception):
    """The other side sent something that is not a well-formed message."""


def encode(message: dict[str, Any]) -> bytes:
    # ensure_ascii: lone surrogates from hostile output travel as escapes, never as bad UTF-8.
    return (json.dumps(message, ensure_ascii=True) + "\n").encode("ascii")


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FrameError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise FrameError("not a JSON object")
    return message


class LineBuffer:
    """Collects bytes from a pipe and hands out complete lines."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._buffer = bytearray()
        self._max_line = max_line

    def feed(self, data: bytes) -> None:
        self._buffer += data
        if b"\n" not in data and len(self._buffer) > self._max_line:
            raise FrameError(f"a line longer than {self._max_line} bytes")

    def lines(self) -> list[bytes]:
        out: list[bytes] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                return out
            if end > self._max_line:
                raise FrameError(f"a line longer than {self._max_line} bytes")
            out.append(bytes(self._buffer[:end]))
            del self._buffer[: end + 1]

    @property
    def pending(self) -> int:
        return len(self._buffer)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
