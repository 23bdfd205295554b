"""Landlock rulesets: writes only in a run's own scratch, reads only where Python and torch live.

A worker opens the read rules' paths once (`open_rules`); each spare child builds its own
ruleset from those descriptors with only its own scratch folder writable (`build_opened`) and
applies it to itself with `restrict_self` before any code runs. Which parts apply depends on the
kernel's ABI version: file access (1+), TCP bind/connect (4+), signal and abstract-socket
scoping (6+).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass

from quiz.sandbox import linux

_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

_EXECUTE = 1 << 0
_WRITE_FILE = 1 << 1
_READ_FILE = 1 << 2
_READ_DIR = 1 << 3
_FS_ABI1 = (1 << 13) - 1  # every file-system right of ABI 1
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3
_IOCTL_DEV = 1 << 15  # ABI 5
_NET_BIND_TCP = 1 << 0  # ABI 4
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
_SCOPE_SIGNAL = 1 << 1

_READ_ONLY = _EXECUTE | _READ_FILE | _READ_DIR
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV

# Outside Python's own directories: shared libraries torch may dlopen later, the few files the
# standard library reads at run time (time zones, the dynamic loader's cache), and the CPU
# description torch's cpuinfo reads on a run's first tensor operation.
_SYSTEM_READ_PATHS = (
    "/proc/cpuinfo",
    "/sys/devices/system/cpu",
    "/usr/lib",
    "/usr/lib64",
    "/usr/local/lib",
    "/lib",
    "/lib64",
    "/usr/share/zoneinfo",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/dev/urandom",
    "/dev/zero",
)
_READ_WRITE_DEVICES = ("/dev/null",)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass(frozen=True)
class Ruleset:
    """A built ruleset: its fd (inherited by each forked child) and what it covers."""

    fd: int
    abi: int
    network: bool  # TCP bind/connect denied
    scoped: bool  # signals and abstract unix sockets confined to the run


def abi_version() -> int:
    """The kernel's Landlock ABI version; raises OSError when Landlock is absent or disabled."""
    return linux.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)


def python_read_paths() -> list[str]:
    """Directories holding the interpreter, the standard library and installed packages."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for scheme_path in sysconfig.get_paths().values():
        paths.add(scheme_path)
    # Entries added by .pth files (a venv that borrows another's packages, editable installs)
    # hold modules that torch imports lazily inside runs. The working directory is left out:
    # `python -m` puts it on sys.path, and it is the host's, not Python's.
    cwd = os.getcwd()
    paths.update(p for p in sys.path if p and p != cwd and os.path.isdir(p))
    return sorted(paths)


def _fs_rights(abi: int) -> int:
    rights = _FS_ABI1
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def _add_path(ruleset_fd: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path this system does not have needs no rule
    try:
        if not os.path.isdir(path):
            access &= _FILE_RIGHTS
        attr = _PathBeneathAttr(access, fd)
        linux.syscall(
            _SYS_ADD_RULE, ctypes.c_int(ruleset_fd), _RULE_PATH_BENEATH, ctypes.byref(attr), 0
        )
    finally:
        os.close(fd)


def read_rules(readable: Iterable[str], hidden: Iterable[str]) -> list[tuple[str, bool]]:
    """(path, listing only) rules that read everything under `readable` but `hidden`.

    Landlock only adds rights beneath a path, so a hidden path inside a readable directory is
    carved out by granting that directory listing only and each of its other entries in full,
    down the hidden path's ancestors: deck files (answer keys) and the learner's own data stay
    unreadable even where they sit inside Python's search path (an editable install)."""
    secret = sorted({os.path.realpath(h) for h in hidden})
    rules: list[tuple[str, bool]] = []

    def beneath(path: str, top: str) -> bool:
        return path == top or path.startswith(top.rstrip("/") + "/")

    def grant(path: str) -> None:
        if any(beneath(path, h) for h in secret):
            return
        inside = [h for h in secret if beneath(h, path)]
        if not inside:
            rules.append((path, False))
            return
        rules.append((path, True))
        try:
            entries = sorted(os.listdir(path))
        except OSError:
            return
        for entry in entries:
            grant(os.path.join(path, entry))

    for path in sorted({os.path.realpath(p) for p in readable}):
        if os.path.lexists(path):
            grant(path)
    return rules


@dataclass(frozen=True)
class OpenedRules:
    """Every rule but the writable folder's, its path opened once (O_PATH) by the worker, which
    keeps the descriptors: each child adds the rules by descriptor, without a path walk or a
    stat per rule (~25 us a rule of every run's preparation). The child must not keep them:
    `quiz.sandbox.child` closes every descriptor it was not given."""

    abi: int
    fs: int
    net: int
    scoped: int
    attrs: tuple[_PathBeneathAttr, ...]

    def close(self) -> None:
        for attr in self.attrs:
            with contextlib.suppress(OSError):
                os.close(attr.parent_fd)


def _opened(path: str, access: int) -> _PathBeneathAttr | None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return None  # a path this system does not have needs no rule
    if not os.path.isdir(path):
        access &= _FILE_RIGHTS
    return _PathBeneathAttr(access, fd)


def open_rules(readable: Iterable[str | tuple[str, bool]]) -> OpenedRules:
    """Read/execute under `readable` (paths, or `read_rules` pairs whose second item grants
    listing only) and the read-write devices, opened for `build_opened`."""
    abi = abi_version()
    fs = _fs_rights(abi)
    attrs: list[_PathBeneathAttr | None] = []
    for item in readable:
        path, listing = (item, False) if isinstance(item, str) else item
        attrs.append(_opened(path, (_READ_DIR if listing else _READ_ONLY) & fs))
    for path in _READ_WRITE_DEVICES:
        attrs.append(_opened(path, (_READ_FILE | _WRITE_FILE | _TRUNCATE) & fs))
    return OpenedRules(
        abi=abi,
        fs=fs,
        net=(_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
        scoped=(_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0,
        attrs=tuple(a for a in attrs if a is not None),
    )


def build_opened(writable: str, opened: OpenedRules) -> Ruleset:
    """Create the ruleset: the opened rules, and full rights under `writable`."""
    attr = _RulesetAttr(opened.fs, opened.net, opened.scoped)
    abi = opened.abi
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else 16 if abi >= 4 else 8
    ruleset_fd = linux.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    os.set_inheritable(ruleset_fd, True)
    try:
        for rule in opened.attrs:
            linux.syscall(
                _SYS_ADD_RULE, ctypes.c_int(ruleset_fd), _RULE_PATH_BENEATH, ctypes.byref(rule), 0
            )
        # The scratch folder gets every right except making device nodes.
        _add_path(ruleset_fd, writable, opened.fs & ~((1 << 6) | (1 << 11)))
    except OSError:
        os.close(ruleset_fd)
        raise
    return Ruleset(fd=ruleset_fd, abi=abi, network=bool(opened.net), scoped=bool(opened.scoped))


def build(writable: str, readable: Iterable[str | tuple[str, bool]]) -> Ruleset:
    """Create the ruleset: full rights under `writable`, read/execute under `readable` (paths,
    or `read_rules` pairs whose second item grants listing only)."""
    opened = open_rules(readable)
    try:
        return build_opened(writable, opened)
    finally:
        opened.close()


def default_readable() -> list[str]:
    return python_read_paths() + list(_SYSTEM_READ_PATHS)


def restrict_self(ruleset_fd: int) -> None:
    """Confine the calling thread (and all it starts) for good; needs no_new_privs first."""
    linux.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset_fd), 0)
