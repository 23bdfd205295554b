"""Application settings (not scheduling presets, which live in the database): a small TOML file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.i18n import _
from quiz.paths import locations


@dataclass(frozen=True)
class AppConfig:
    lang: str = "en"
    """Language code for card text where a deck has it (e.g. `ko`); English is the fallback."""

    sandbox_workers: int = 0
    """Warm sandbox worker processes; 0 means one per CPU core."""

    sandbox_memory_mb: int = 2048
    """Memory cap for one run, in MiB, counted above what `import torch` itself takes."""

    sandbox_output_kb: int = 64
    """Output cap per stream for one run, in KiB; the rest is cut with a visible notice."""

    sandbox_service: str = "on"
    """`on`: commands share one background sandbox service; `off`: each runs its own pool."""

    sandbox_service_idle_minutes: int = 15
    """The background sandbox service ends after this many minutes without a command."""

    editor: str = ""
    """Command used by `e` in the study screen; empty means $VISUAL, then $EDITOR, then vi."""


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool) or not isinstance(value, type(default)):
        raise QuizError(
            _("config: {key} must be {type}, not {value}").format(
                key=name, type=type(default).__name__, value=repr(value)
            ),
            title=_("Bad config"),
        )
    return value


def load_config(path: Path | None = None) -> AppConfig:
    """Read the config file; a missing file means the defaults, a broken one is a clear error."""
    path = path or locations().config
    try:
        if not path.exists():
            return AppConfig()
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise QuizError(
            _("{path}: not valid TOML: {error}").format(path=path, error=exc),
            title=_("Bad config"),
        ) from exc
    except OSError as exc:
        raise QuizError(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror),
            title=_("Config unreadable"),
        ) from exc
    defaults = AppConfig()
    known = {f.name for f in fields(AppConfig)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise QuizError(
                _("{path}: unknown setting {key}").format(path=path, key=repr(key)),
                title=_("Bad config"),
            )
        values[key] = _coerce(key, value, getattr(defaults, key))
    return replace(defaults, **values)


def save_config(config: AppConfig, path: Path | None = None) -> None:
    """Write every setting with its docstring-free value; atomic so a crash leaves the old file."""
    path = path or locations().config
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for f in fields(AppConfig):
        value = getattr(config, f.name)
        if isinstance(value, str):
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{f.name} = "{escaped}"')
        else:
            lines.append(f"{f.name} = {value}")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
