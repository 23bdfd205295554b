"""Thin ctypes wrappers over the Linux calls the sandbox needs and Python 3.11 lacks.

Each wrapper raises OSError with the kernel's errno, so callers can degrade and say why.
Only the sandbox worker processes call these; importing this module has no effect.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_RELATIME = 0x200000

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38

_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_CAP_LAST_CAP_FALLBACK = 40

_libc: Any = None


def libc() -> Any:
    """The C library, loaded once; use_errno so failures carry the kernel's reason."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc


def check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def unshare(flags: int) -> None:
    check(libc().unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    check(
        libc().mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def prctl(option: int, arg: int = 0) -> None:
    check(
        libc().prctl(
            ctypes.c_int(option),
            ctypes.c_ulong(arg),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        ),
        f"prctl({option})",
    )


def set_process_name(name: str) -> None:
    """The comm shown by ps; tests use it to tell a spare child from a run's leftovers."""
    buf = ctypes.create_string_buffer(name.encode()[:15])
    check(
        libc().prctl(
            ctypes.c_int(PR_SET_NAME), buf, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)
        ),
        "prctl(PR_SET_NAME)",
    )


def syscall(number: int, *args: Any) -> int:
    return int(check(libc().syscall(ctypes.c_long(number), *args), f"syscall {number}"))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return _CAP_LAST_CAP_FALLBACK


def drop_bounding_set(last_cap: int) -> None:
    """Empty the bounding set, so no later exec or uid change can bring a capability back."""
    for cap in range(last_cap + 1):
        # EINVAL for capabilities this kernel does not know; anything else is a real failure.
        result = libc().prctl(
            ctypes.c_int(PR_CAPBSET_DROP),
            ctypes.c_ulong(cap),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        if result < 0 and ctypes.get_errno() != 22:
            check(result, "PR_CAPBSET_DROP")


def clear_capabilities() -> None:
    """Empty the effective, permitted and inheritable sets of this thread."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    check(libc().capset(ctypes.byref(header), ctypes.byref(data)), "capset")
