"""Backing a worker's anonymous memory with transparent huge pages, so that each fork is cheap.

After importing torch a worker holds about 210 MiB of private anonymous memory (the malloc heap
and Python's arenas). fork() copies one page-table entry per 4 KiB page of it and the run's exit
tears them all down again: about 10 ms of CPU per run on a small machine, more than anything
else a run costs. Backed by 2 MiB pages the same memory is a few hundred entries. A child that
writes to a huge page still copies only the 4 KiB it touches (the kernel splits its mapping
first), so runs share nothing writable with their worker, exactly as before.
"""

from __future__ import annotations

import ctypes

from quiz.sandbox import linux

MADV_HUGEPAGE = 14
MADV_COLLAPSE = 25  # Linux 6.1+: collapse now, instead of whenever khugepaged gets round to it
HUGE_PAGE = 2 * 1024 * 1024


def anonymous_regions(maps: str = "/proc/self/maps") -> list[tuple[int, int]]:
    """Private writable mappings of no file: the heap and anonymous mmaps (not the stack)."""
    regions = []
    with open(maps, encoding="ascii", errors="replace") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 5 or fields[1] != "rw-p":
                continue
            if len(fields) > 5 and fields[5] != "[heap]":
                continue  # a file's data, the stack, or a named region: leave them be
            start, end = (int(x, 16) for x in fields[0].split("-"))
            regions.append((start, end))
    return regions


def aligned(start: int, end: int) -> tuple[int, int]:
    """The largest huge-page-aligned range inside [start, end) (empty if there is none)."""
    low = (start + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)
    high = end & ~(HUGE_PAGE - 1)
    return low, max(low, high)


def back_with_huge_pages() -> int:
    """Advise huge pages on every anonymous region and collapse what is there now.

    Returns how many bytes were collapsed. Best effort and never an error: a kernel without
    transparent huge pages or MADV_COLLAPSE leaves the memory as it was (runs just cost more).
    """
    try:
        regions = anonymous_regions()
        madvise = linux.libc().madvise
    except (OSError, AttributeError):
        return 0  # no /proc, or a C library without madvise: nothing to gain, nothing to fail
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    collapsed = 0
    for region in regions:
        start, end = aligned(*region)
        if end - start < HUGE_PAGE or madvise(start, end - start, MADV_HUGEPAGE) != 0:
            continue
        if madvise(start, end - start, MADV_COLLAPSE) == 0:
            collapsed += end - start
    return collapsed


def huge_page_bytes(smaps_rollup: str = "/proc/self/smaps_rollup") -> int:
    """How much of a process's anonymous memory huge pages back now (0 if unknown)."""
    try:
        with open(smaps_rollup, encoding="ascii") as f:
            for line in f:
                if line.startswith("AnonHugePages:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
