"""Forks without end, retrying when refused: bounded while it runs, all gone afterwards."""

import contextlib
import os

while True:
    with contextlib.suppress(OSError):
        os.fork()
