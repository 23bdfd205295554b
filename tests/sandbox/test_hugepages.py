"""Huge pages for a worker's anonymous memory: which regions, and that collapsing works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from quiz.sandbox import hugepages
from quiz.sandbox.hugepages import HUGE_PAGE, aligned, anonymous_regions

MAPS = """\
55d0c0000000-55d0c0400000 rw-p 00000000 00:00 0                          [heap]
7f0000000000-7f0000600000 rw-p 00000000 00:00 0
7f0000600000-7f0000700000 r--p 00000000 08:01 1234                       /usr/lib/libc.so.6
7f0000700000-7f0000800000 rw-p 00100000 08:01 1234                       /usr/lib/libc.so.6
7ffc00000000-7ffc00200000 rw-p 00000000 00:00 0                          [stack]
7f0000900000-7f0000a00000 r--p 00000000 00:00 0
"""


def test_only_the_heap_and_unnamed_writable_mappings_count(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    maps.write_text(MAPS)
    assert anonymous_regions(str(maps)) == [
        (0x55D0C0000000, 0x55D0C0400000),
        (0x7F0000000000, 0x7F0000600000),
    ]


def test_aligned_keeps_whole_huge_pages_inside_the_region() -> None:
    assert aligned(HUGE_PAGE, 3 * HUGE_PAGE) == (HUGE_PAGE, 3 * HUGE_PAGE)
    assert aligned(HUGE_PAGE + 4096, 4 * HUGE_PAGE - 4096) == (2 * HUGE_PAGE, 3 * HUGE_PAGE)
    low, high = aligned(HUGE_PAGE + 4096, 2 * HUGE_PAGE + 4096)
    assert high - low == 0


def test_without_proc_nothing_is_collapsed_and_nothing_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_proc(maps: str = "") -> list[tuple[int, int]]:
        raise FileNotFoundError(2, "No such file or directory", "/proc/self/maps")

    monkeypatch.setattr(hugepages, "anonymous_regions", no_proc)
    assert hugepages.back_with_huge_pages() == 0


_COLLAPSE = """\
import mmap
from quiz.sandbox.hugepages import back_with_huge_pages, huge_page_bytes
region = mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
for offset in range(0, len(region), 4096):
    region[offset] = 1
before = huge_page_bytes()
collapsed = back_with_huge_pages()
print(before, collapsed, huge_page_bytes())
"""


def test_a_process_s_anonymous_memory_becomes_huge_pages() -> None:
    enabled = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not enabled.exists() or "[never]" in enabled.read_text():
        pytest.skip("transparent huge pages are off on this machine")
    done = subprocess.run(
        [sys.executable, "-c", _COLLAPSE], capture_output=True, text=True, check=True, timeout=60
    )
    before, collapsed, after = (int(x) for x in done.stdout.split())
    if collapsed == 0:
        pytest.skip("this kernel cannot collapse memory on request (MADV_COLLAPSE)")
    # 64 MiB touched page by page: at least 60 MiB of it must now be whole huge pages.
    assert after - before >= 60 << 20
