"""Which deck ids a command may name: a `--deck` that no deck has is a typo, refused early."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable
from pathlib import Path

from quiz.errors import QuizError
from quiz.i18n import _
from quiz.srs.store import PRESET_PREFIX, Store


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" clause for the closest of `choices`, in the app's language, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return _("; did you mean {word}?").format(word=repr(close[0])) if close else ""


def known_deck_ids(args: argparse.Namespace, store: Store) -> list[str]:
    """Loadable decks (bundled, the user's, --decks) and decks the store has history or a
    preset for (a deck removed from disk keeps both, and may still be configured)."""
    from quiz.deck.library import discover, load_library

    library = load_library(discover([Path(p) for p in getattr(args, "decks", []) or []]))
    ids = {deck.id for deck in library.decks}
    with store.read() as conn:
        ids.update(row[0] for row in conn.execute("SELECT DISTINCT deck_id FROM cards"))
        for (key,) in conn.execute("SELECT key FROM settings"):
            if key.startswith(PRESET_PREFIX):
                ids.add(key[len(PRESET_PREFIX) :])
    ids.discard("default")
    return sorted(ids)


def require_known_deck(args: argparse.Namespace, store: Store, deck_id: str) -> None:
    known = known_deck_ids(args, store)
    if deck_id in known:
        return
    listed = ", ".join(known) if known else _("none")
    raise QuizError(
        _("no deck has the id {deck}{suggestion} (known decks: {known})").format(
            deck=repr(deck_id), suggestion=did_you_mean(deck_id, known), known=listed
        ),
        title=_("Unknown deck"),
    )
