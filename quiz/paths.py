"""Every path the program reads or writes; `QUIZ_HOME` redirects all of the written ones."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "quiz"


@dataclass(frozen=True)
class Locations:
    """Where quiz keeps things. `quiz locate` prints this."""

    database: Path
    config: Path
    user_decks: Path
    cache: Path

    def as_dict(self) -> dict[str, str]:
        return {
            "database": str(self.database),
            "config": str(self.config),
            "user_decks": str(self.user_decks),
            "cache": str(self.cache),
        }


def locations() -> Locations:
    """Resolve the locations now, so a test that sets QUIZ_HOME sees its own folder."""
    home = os.environ.get("QUIZ_HOME")
    if home:
        root = Path(home).expanduser()
        return Locations(
            database=root / "quiz.db",
            config=root / "config.toml",
            user_decks=root / "decks",
            cache=root / "cache",
        )
    data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return Locations(
        database=data / "quiz.db",
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml",
        user_decks=data / "decks",
        cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


def bundled_decks_dir() -> Path:
    """The bundled decks: inside the installed package, or the repo's decks/ in a checkout."""
    packaged = Path(__file__).resolve().parent / "decks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "decks"
