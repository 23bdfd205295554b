"""What runs leave in the scratch root is removed in slices between requests, and all of it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.sandbox.trash import TRASH_PREFIX, Trash, room_is_short


def _tree(root: Path, shape: list[int], depth: int = 0) -> int:
    """Folders of files, `shape[depth]` files per level and one subfolder below; returns files."""
    made = 0
    for i in range(shape[depth]):
        (root / f"f{i}").write_text("x")
        made += 1
    if depth + 1 < len(shape):
        below = root / f"d{depth}"
        below.mkdir()
        made += _tree(below, shape, depth + 1)
    return made


def test_an_empty_folder_goes_at_once(tmp_path: Path) -> None:
    run = tmp_path / "run-1"
    run.mkdir()
    trash = Trash(str(tmp_path))
    trash.discard(str(run))
    assert not run.exists() and not trash.pending


def test_a_full_folder_is_set_aside_then_removed_in_slices(tmp_path: Path) -> None:
    run = tmp_path / "run-1"
    run.mkdir()
    _tree(run, [300, 300, 300])
    trash = Trash(str(tmp_path))
    trash.discard(str(run))
    assert not run.exists()  # renamed aside in one call
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(TRASH_PREFIX)]
    assert len(aside) == 1 and trash.holds(str(aside[0]))
    slices = 0
    while trash.pending:
        trash.work(budget=0.0)  # the smallest slice: a few dozen removals
        slices += 1
        assert slices < 10_000
    assert slices > 1
    assert list(tmp_path.iterdir()) == []


def test_folders_a_run_locked_are_still_removed(tmp_path: Path) -> None:
    run = tmp_path / "run-1"
    locked = run / "locked"
    locked.mkdir(parents=True)
    (locked / "secret").write_text("x")
    (run / "link").symlink_to("/etc/passwd")
    locked.chmod(0)
    trash = Trash(str(tmp_path))
    trash.discard(str(run))
    trash.work(None)
    assert not trash.pending
    assert list(tmp_path.iterdir()) == []
    assert Path("/etc/passwd").exists()  # a link is removed, never followed


def test_a_file_beside_the_folders_is_removed(tmp_path: Path) -> None:
    stray = tmp_path / "stray.txt"
    stray.write_text("x")
    trash = Trash(str(tmp_path))
    trash.discard(str(stray))
    assert not stray.exists() and not trash.pending


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6))
def test_every_tree_is_removed_whole(
    tmp_path_factory: pytest.TempPathFactory, shape: list[int]
) -> None:
    root = tmp_path_factory.mktemp("scratch")
    run = root / "run"
    run.mkdir()
    _tree(run, shape)
    trash = Trash(str(root))
    trash.discard(str(run))
    while trash.pending:
        trash.work(budget=0.0)
    assert os.listdir(root) == []


def test_room_is_short_reads_the_filesystem(tmp_path: Path) -> None:
    assert room_is_short(str(tmp_path / "missing"))  # unknown room: finish now, to be safe
    assert isinstance(room_is_short(str(tmp_path)), bool)
