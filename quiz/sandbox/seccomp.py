"""A seccomp filter for every run: the system calls that reach the host past the other walls.

Landlock confines files, TCP and (ABI 6) abstract sockets and signals, but not connect() to a
pathname UNIX socket (ssh-agent, docker, tmux, a root socket in /tmp), nor the kernel keyrings,
nor io_uring (which performs socket and file operations without the system calls a filter sees).
A filter closes those, with errors rather than kills, so a run that tries gets an exception (a
result) and the harness can still report it:

- `socket(AF_UNIX, ...)`: no UNIX socket can be created, so no pathname or abstract socket can be
  reached; `socketpair` stays (it reaches nothing outside the run).
- keyctl, add_key, request_key: the session keyring the run inherited is out of reach.
- io_uring_*, bpf, userfaultfd, perf_event_open, ptrace, process_vm_*, pidfd_getfd: ways around
  the rest, or into another process of the same user (the next run's spare child).
- unshare, setns, clone with namespace flags, clone3, mount and its new API, pivot_root, chroot:
  a nested user namespace would hand the run capabilities inside it, which widens the kernel's
  attack surface for nothing a card needs. clone3 answers ENOSYS, so the C library falls back to
  clone, whose flags a filter can read.
- any system call of another ABI (i386 through int 0x80, x32): numbers that the checks above
  would not recognise.

Built as classic BPF by hand (no libseccomp dependency) for x86_64 and aarch64; elsewhere the
filter is unavailable and `quiz doctor` says so.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

from quiz.sandbox import linux

PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JSET_K = 0x45
_JGE_K = 0x35
_RET_K = 0x06

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000

_OFFSET_NR = 0
_OFFSET_ARCH = 4
_OFFSET_ARG0 = 16  # the low 32 bits of args[0] on these little-endian machines

AF_UNIX = 1
_X32_BIT = 0x40000000
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x70000000

_DENIED = (
    "ptrace",
    "add_key",
    "request_key",
    "keyctl",
    "process_vm_readv",
    "process_vm_writev",
    "bpf",
    "userfaultfd",
    "perf_event_open",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "mount",
    "umount2",
    "pivot_root",
    "unshare",
    "setns",
    "chroot",
    "open_by_handle_at",
    "fsopen",
    "fsmount",
    "move_mount",
    "open_tree",
    "pidfd_getfd",
)

_SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {
        "socket": 41,
        "clone": 56,
        "clone3": 435,
        "ptrace": 101,
        "add_key": 248,
        "request_key": 249,
        "keyctl": 250,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "bpf": 321,
        "userfaultfd": 323,
        "perf_event_open": 298,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "kexec_load": 246,
        "mount": 165,
        "umount2": 166,
        "pivot_root": 155,
        "unshare": 272,
        "setns": 308,
        "chroot": 161,
        "open_by_handle_at": 304,
        "fsopen": 430,
        "fsmount": 432,
        "move_mount": 429,
        "open_tree": 428,
        "pidfd_getfd": 438,
    },
    "aarch64": {
        "socket": 198,
        "clone": 220,
        "clone3": 435,
        "ptrace": 117,
        "add_key": 217,
        "request_key": 218,
        "keyctl": 219,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "bpf": 280,
        "userfaultfd": 282,
        "perf_event_open": 241,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "kexec_load": 104,
        "mount": 40,
        "umount2": 39,
        "pivot_root": 41,
        "unshare": 97,
        "setns": 268,
        "chroot": 51,
        "open_by_handle_at": 265,
        "fsopen": 430,
        "fsmount": 432,
        "move_mount": 429,
        "open_tree": 428,
        "pidfd_getfd": 438,
    },
}
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def machine() -> str:
    return platform.machine()


def supported() -> bool:
    return machine() in _SYSCALLS


def _ins(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(arch: str) -> bytes:
    """The filter for one architecture, as the kernel's sock_filter array."""
    nrs = _SYSCALLS[arch]
    eperm = _RET_ERRNO | errno.EPERM
    out: list[bytes] = []
    # Anything not of this ABI is refused: its numbers mean other calls.
    out.append(_ins(_LD_W_ABS, 0, 0, _OFFSET_ARCH))
    out.append(_ins(_JEQ_K, 1, 0, _AUDIT_ARCH[arch]))
    out.append(_ins(_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS))
    out.append(_ins(_LD_W_ABS, 0, 0, _OFFSET_NR))
    if arch == "x86_64":
        out.append(_ins(_JGE_K, 0, 1, _X32_BIT))
        out.append(_ins(_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS))
    for name in _DENIED:
        out.append(_ins(_JEQ_K, 0, 1, nrs[name]))
        out.append(_ins(_RET_K, 0, 0, eperm))
    out.append(_ins(_JEQ_K, 0, 1, nrs["clone3"]))
    out.append(_ins(_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS))
    # socket: refuse AF_UNIX (EACCES, as a denied connect would say), allow the rest.
    out.append(_ins(_JEQ_K, 0, 4, nrs["socket"]))
    out.append(_ins(_LD_W_ABS, 0, 0, _OFFSET_ARG0))
    out.append(_ins(_JEQ_K, 0, 1, AF_UNIX))
    out.append(_ins(_RET_K, 0, 0, _RET_ERRNO | errno.EACCES))
    out.append(_ins(_RET_K, 0, 0, _RET_ALLOW))
    # clone: threads and forks, but no new namespace.
    out.append(_ins(_JEQ_K, 0, 3, nrs["clone"]))
    out.append(_ins(_LD_W_ABS, 0, 0, _OFFSET_ARG0))
    out.append(_ins(_JSET_K, 0, 1, _CLONE_NAMESPACES))
    out.append(_ins(_RET_K, 0, 0, eperm))
    out.append(_ins(_RET_K, 0, 0, _RET_ALLOW))
    return b"".join(out)


_compiled: list[tuple[ctypes.Array[ctypes.c_char], _SockFprog]] = []


def compile_filter() -> None:
    """Build this machine's filter once, in the worker before it forks: each child then only
    installs it (building it costs every run's preparation ~0.3 ms)."""
    if _compiled:
        return
    arch = machine()
    if arch not in _SYSCALLS:
        raise OSError(errno.ENOSYS, f"no seccomp filter for {arch}")
    code = program(arch)
    buffer = ctypes.create_string_buffer(code, len(code))
    _compiled.append((buffer, _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))))


def install() -> None:
    """Apply the filter to the calling thread and everything it starts, for good.

    Needs no_new_privs first (or CAP_SYS_ADMIN); raises OSError where the kernel refuses."""
    compile_filter()
    _buffer, prog = _compiled[0]
    linux.check(
        linux.libc().prctl(
            ctypes.c_int(PR_SET_SECCOMP),
            ctypes.c_ulong(SECCOMP_MODE_FILTER),
            ctypes.byref(prog),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        ),
        "prctl(PR_SET_SECCOMP)",
    )
