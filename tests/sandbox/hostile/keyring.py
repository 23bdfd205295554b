"""Reads the session keyring it inherited (keyctl describe/read)."""

import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
KEYCTL_DESCRIBE = 6
KEY_SPEC_SESSION_KEYRING = -3
buffer = ctypes.create_string_buffer(256)
got = libc.syscall(250, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, buffer, 256, 0)
if got < 0:
    raise PermissionError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
print("keyring:", buffer.value)
