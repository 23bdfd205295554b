"""Looks for the host's System V shared memory segment by its key, to read and overwrite it."""

import ctypes

libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(int("@SHM_KEY@"), 0, 0)
print("host segment reachable" if segment >= 0 else "no host segment")
