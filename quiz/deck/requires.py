"""`requires: {torch: ">=2.1"}`: parsing simple version specifiers and testing the installed torch.

A small subset of PEP 440 (comma-separated `>= <= > < == != ~=`, `==X.*`) is enough for decks,
and keeps `packaging` out of the runtime dependencies. The torch version is read from package
metadata: the host process never imports torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

from quiz.i18n import _

# What a deck or card may require, and the distribution each name is read from.
KNOWN_REQUIREMENTS = {"torch": "torch"}

_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|~=|>|<)\s*(\d+(?:\.\d+)*)(\.\*)?\s*$")
_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class Clause:
    op: str
    release: tuple[int, ...]
    wildcard: bool

    def allows(self, version: tuple[int, ...]) -> bool:
        if self.wildcard:
            matches = version[: len(self.release)] == self.release
            return matches if self.op == "==" else not matches
        left, right = _pad(version, self.release)
        if self.op == "~=":
            prefix = self.release[:-1]
            return left >= right and version[: len(prefix)] == prefix
        return {
            ">=": left >= right,
            "<=": left <= right,
            ">": left > right,
            "<": left < right,
            "==": left == right,
            "!=": left != right,
        }[self.op]


def _pad(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def parse_specifier(text: str) -> list[Clause]:
    """The clauses of a specifier such as `>=2.1,<3`; ValueError with a reason when malformed."""
    clauses = []
    for part in text.split(","):
        found = _CLAUSE.match(part)
        if found is None:
            raise ValueError(
                _("{spec} is not a version specifier like '>=2.1' or '>=2.1,<3'").format(
                    spec=repr(part.strip())
                )
            )
        op, release, star = found.groups()
        if star and op not in ("==", "!="):
            raise ValueError(
                _("{spec}: '.*' only goes with == or !=").format(spec=repr(part.strip()))
            )
        if op == "~=" and "." not in release:
            raise ValueError(
                _("{spec}: '~=' needs at least two version parts").format(spec=repr(part.strip()))
            )
        clauses.append(Clause(op, tuple(int(x) for x in release.split(".")), bool(star)))
    return clauses


def release_of(version: str) -> tuple[int, ...] | None:
    """The numeric release of a version string (`2.13.0+cpu` -> (2, 13, 0))."""
    found = _RELEASE.match(version)
    if found is None:
        return None
    return tuple(int(x) for x in found.group(1).split("."))


def installed_version(name: str) -> str | None:
    """The installed version of a required package, from metadata (never by importing it)."""
    try:
        return metadata.version(KNOWN_REQUIREMENTS.get(name, name))
    except metadata.PackageNotFoundError:
        return None


def unmet(requires: dict[str, str] | None, versions: dict[str, str | None]) -> list[str]:
    """Why `requires` is not satisfied by `versions` (name -> installed version); [] when it is."""
    reasons = []
    for name, spec in (requires or {}).items():
        have = versions.get(name)
        release = release_of(have) if have else None
        if release is None:
            reasons.append(f"requires {name} {spec}, which is not installed")
            continue
        try:
            clauses = parse_specifier(spec)
        except ValueError as exc:
            reasons.append(str(exc))
            continue
        if not all(clause.allows(release) for clause in clauses):
            reasons.append(f"requires {name} {spec}; {have} is installed")
    return reasons
