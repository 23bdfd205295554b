"""Where decks come from, and loading many: sorted discovery, duplicate deck ids, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.deck.library import discover, load_library
from quiz.errors import QuizError
from quiz.paths import bundled_decks_dir, locations


def write(path: Path, deck_id: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"schema_version: 1\nid: {deck_id}\ntitle: T\n"
        "cards: [{id: a, type: flip, prompt: p, answer: x}]\n",
        encoding="utf-8",
    )
    return path


def test_folders_are_searched_recursively_and_sorted(tmp_path: Path) -> None:
    b = write(tmp_path / "b.yaml", "b")
    a = write(tmp_path / "sub" / "a.yml", "a")
    write(tmp_path / ".hidden" / "c.yaml", "c")
    (tmp_path / "notes.txt").write_text("not a deck", encoding="utf-8")
    assert discover([tmp_path], bundled=False, user=False) == [b, a]


def test_bundled_user_and_extra_in_that_order(tmp_path: Path) -> None:
    user = write(locations().user_decks / "mine.yaml", "mine")
    extra = write(tmp_path / "extra.yaml", "extra")
    found = discover([extra])
    bundled = [p for p in found if p.is_relative_to(bundled_decks_dir())]
    assert found == [*bundled, user, extra]
    assert discover([extra], bundled=False) == [user, extra]


def test_a_file_given_twice_is_loaded_once(tmp_path: Path) -> None:
    deck = write(tmp_path / "d.yaml", "d")
    assert discover([deck, tmp_path], bundled=False, user=False) == [deck]


def test_a_missing_path_is_a_quiz_error(tmp_path: Path) -> None:
    with pytest.raises(QuizError, match="no such deck file or folder"):
        discover([tmp_path / "nope"], bundled=False, user=False)


def test_a_duplicate_deck_id_is_a_problem_on_the_second_file(tmp_path: Path) -> None:
    first = write(tmp_path / "1.yaml", "same")
    second = write(tmp_path / "2.yaml", "same")
    (tmp_path / "3.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    library = load_library([first, second, tmp_path / "3.yaml"])
    assert [d.path for d in library.decks] == [str(first)]
    assert [f.path for f in library.failures] == [second, tmp_path / "3.yaml"]
    assert str(library.failures[0].problems[0]) == (
        f"{second}:2:5: same: deck id 'same' is already used by {first}"
    )
    assert library.deck("same") is not None


def test_a_users_copy_of_a_bundled_deck_takes_its_place(tmp_path: Path) -> None:
    from quiz.deck.library import load_library
    from quiz.paths import bundled_decks_dir

    bundled = sorted(bundled_decks_dir().glob("*.yaml"))[0]
    copy = tmp_path / bundled.name
    copy.write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    library = load_library([bundled, copy])
    assert library.failures == []
    assert [d.path for d in library.decks] == [str(copy)]
    # Two decks of one id outside the bundled folder are still a conflict.
    other = tmp_path / "again" / bundled.name
    other.parent.mkdir()
    other.write_text(copy.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(load_library([copy, other]).failures) == 1
