"""Where decks come from (bundled, the user's folder, --decks paths) and loading them all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from quiz.deck.loader import DeckLoad, load_deck
from quiz.deck.model import Deck, SourcePos
from quiz.deck.problems import Problem
from quiz.errors import QuizError
from quiz.i18n import _
from quiz.paths import bundled_decks_dir, locations

DECK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Library:
    decks: list[Deck] = field(default_factory=list)
    failures: list[DeckLoad] = field(default_factory=list)

    def deck(self, deck_id: str) -> Deck | None:
        return next((d for d in self.decks if d.id == deck_id), None)


def deck_files(folder: Path) -> list[Path]:
    """The deck files under a folder, recursively, sorted (hidden folders are skipped)."""
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix in DECK_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files stay; folders become their deck files. A path that does not exist is a QuizError."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(deck_files(path))
        elif path.is_file():
            files.append(path)
        else:
            raise _no_such_path(path)
    return _unique(files)


def discover(extra: Sequence[Path], *, bundled: bool = True, user: bool = True) -> list[Path]:
    """Deck files from the bundled decks, the user's deck folder (if it exists), and `extra`."""
    sources: list[Path] = []
    if bundled and bundled_decks_dir().is_dir():
        sources.append(bundled_decks_dir())
    user_decks = locations().user_decks
    if user and user_decks.is_dir():
        sources.append(user_decks)
    check_deck_paths(extra)
    return expand([*sources, *extra])


def check_deck_paths(paths: Iterable[Path]) -> None:
    """A QuizError for a --decks path with no deck in it: asked for by name, so finding nothing
    there is a mistake to point out, not to pass over in silence."""
    for path in paths:
        if path.is_dir() and not deck_files(path):
            raise QuizError(
                _("no deck file (*.yaml, *.yml) was found in {path}").format(path=path),
                title=_("Decks not found"),
            )
        if not path.exists():
            raise _no_such_path(path)


def _no_such_path(path: Path) -> QuizError:
    return QuizError(
        _("{path}: no such deck file or folder").format(path=path), title=_("Decks not found")
    )


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    unique = []
    for path in paths:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _is_bundled(path: Path) -> bool:
    return path.resolve().parent == bundled_decks_dir().resolve()


def load_library(paths: Iterable[Path]) -> Library:
    """Load every file; a deck id already taken by an earlier file is a problem on the later one,
    except that a deck outside the bundled folder replaces a bundled deck of the same id."""
    decks: list[Deck] = []
    failures: list[DeckLoad] = []
    owners: dict[str, Path] = {}
    for path in paths:
        loaded = load_deck(path)
        deck = loaded.deck
        if deck is None:
            failures.append(loaded)
            continue
        if deck.id in owners and _is_bundled(owners[deck.id]) and not _is_bundled(path):
            # The user's copy of a bundled deck (the TUI's `e` makes one) takes its place and
            # keeps its history, in every command alike.
            decks = [d for d in decks if d.id != deck.id]
        elif deck.id in owners:
            pos = deck.field_pos.get("id") or SourcePos(str(path), 1, 1)
            message = _("deck id '{id}' is already used by {path}").format(
                id=deck.id, path=owners[deck.id]
            )
            failures.append(DeckLoad(path, None, [Problem(pos, deck.id, None, message)]))
            continue
        owners[deck.id] = path
        decks.append(deck)
    return Library(decks, failures)
