"""Reading YAML nodes as deck values, reporting each problem at the node it is about.

The base of the deck builder: maps with duplicate-key detection, strings, slugs, language maps,
numbers, indexes and requirement maps. Every reader returns None (and reports why) on bad input.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from quiz.deck.fields import SLUG_MAX, SLUG_PATTERN, Field
from quiz.deck.languages import ISO_639_1
from quiz.deck.model import SourcePos, Text
from quiz.deck.problems import Problem
from quiz.deck.requires import KNOWN_REQUIREMENTS, parse_specifier
from quiz.deck.yamlnodes import FLOAT, INT, MERGE, NULL, position, scalar_value
from quiz.i18n import _
from quiz.textsafe import first_control

_SLUG = re.compile(SLUG_PATTERN)
MAX_TIMEOUT = 300.0

Entries = dict[str, tuple[ScalarNode, Node]]


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return _("; did you mean '{word}'?").format(word=close[0]) if close else ""


def shown(node: Node) -> str:
    if isinstance(node, ScalarNode):
        if node.tag == NULL:
            return _("nothing")
        text = str(node.value)
        return repr(text if len(text) <= 40 else text[:37] + "...")
    return _("a list") if isinstance(node, SequenceNode) else _("a map")


class NodeReader:
    """Reads values from nodes of one file; `deck_id` and `card_id` name the problems' subject."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.deck_id: str | None = None
        self.card_id: str | None = None

    # -- reporting -------------------------------------------------------------------------

    def pos(self, node: Node) -> SourcePos:
        return position(self.filename, node)

    def report(self, where: Node | SourcePos, message: str) -> None:
        pos = where if isinstance(where, SourcePos) else self.pos(where)
        self.problems.append(Problem(pos, self.deck_id, self.card_id, message))

    # -- structure -------------------------------------------------------------------------

    def entries(self, node: Node, what: str) -> Entries | None:
        """A map's keys and value nodes; duplicate keys and non-string keys are problems."""
        if not isinstance(node, MappingNode):
            self.report(
                node,
                _("{what} must be a map of fields, not {found}").format(
                    what=what, found=shown(node)
                ),
            )
            return None
        found: Entries = {}
        merged: Entries = {}
        for key, value in node.value:
            if key.tag == MERGE:
                for source in value.value if isinstance(value, SequenceNode) else [value]:
                    for name, pair in (self.entries(source, _("a merged map")) or {}).items():
                        merged.setdefault(name, pair)
                continue
            if not isinstance(key, ScalarNode) or key.tag == NULL:
                self.report(key, _("keys in {what} must be strings").format(what=what))
                continue
            name = str(key.value)
            if name in found:
                first = found[name][0].start_mark.line + 1
                self.report(
                    key,
                    _("duplicate key '{name}' (first at line {line})").format(
                        name=name, line=first
                    ),
                )
                continue
            found[name] = (key, value)
        # Explicit keys win over merged ones, as YAML's merge key says.
        return {**merged, **found}

    def unknown_keys(
        self, entries: Entries, allowed: Iterable[str], what: str, elsewhere: dict[str, str]
    ) -> None:
        allowed = list(allowed)
        for name, (key, _value) in entries.items():
            if name in allowed:
                continue
            if name in elsewhere:
                self.report(
                    key,
                    _("'{name}' is not a field of {what} ({why})").format(
                        name=name, what=what, why=elsewhere[name]
                    ),
                )
            else:
                self.report(
                    key,
                    _("unknown field '{name}' in {what}").format(name=name, what=what)
                    + suggest(name, allowed),
                )

    def required(self, entries: Entries, fields: dict[str, Field], node: Node, what: str) -> None:
        for name, field in fields.items():
            if field.required and name not in entries:
                self.report(
                    node,
                    _("{what} is missing required field '{name}'").format(what=what, name=name),
                )

    # -- scalars ---------------------------------------------------------------------------

    def string(self, node: Node, name: str) -> str | None:
        """Any non-empty scalar, as written (so `answer: 1.50` stays "1.50")."""
        if not isinstance(node, ScalarNode):
            self.report(
                node,
                _("'{name}' must be a string, not {found}").format(name=name, found=shown(node)),
            )
            return None
        if node.tag == NULL:
            self.report(node, _("'{name}' is empty").format(name=name))
            return None
        value = str(node.value)
        control = first_control(value)
        if control is not None:
            # Only a double-quoted escape ("\e", "\x1b") can put one here; a terminal would obey it.
            self.report(
                node,
                _(
                    "'{name}' holds the control character {code}, which a terminal would obey: "
                    "remove it (tab and newline are fine)"
                ).format(name=name, code=f"U+{ord(control):04X}"),
            )
            return None
        return value

    def nonblank(self, node: Node, name: str) -> str | None:
        """A string with something in it (text a learner reads cannot be blank)."""
        value = self.string(node, name)
        if value is not None and not value.strip():
            self.report(node, _("'{name}' is empty").format(name=name))
            return None
        return value

    def slug(self, node: Node, name: str) -> str | None:
        value = self.string(node, name)
        if value is None:
            return None
        if not _SLUG.match(value) or len(value) > SLUG_MAX:
            self.report(
                node,
                _(
                    "'{name}' must be a slug (lowercase letters and digits joined by single "
                    "hyphens, at most {max} characters), not {value}"
                ).format(name=name, max=SLUG_MAX, value=repr(value)),
            )
            return None
        return value

    def text(self, node: Node, name: str) -> Text | None:
        """A string, or a map of ISO 639-1 codes to strings that includes `en`."""
        if isinstance(node, ScalarNode):
            value = self.nonblank(node, name)
            return None if value is None else Text.plain(value)
        if not isinstance(node, MappingNode):
            self.report(
                node,
                _("'{name}' must be a string or a language map, not {found}").format(
                    name=name, found=shown(node)
                ),
            )
            return None
        by_lang: dict[str, str] = {}
        for lang, (key, value_node) in (self.entries(node, f"'{name}'") or {}).items():
            if lang not in ISO_639_1:
                self.report(
                    key,
                    _("unknown language code '{code}' in '{name}' (ISO 639-1 codes only)").format(
                        code=lang, name=name
                    )
                    + suggest(lang, ISO_639_1),
                )
                continue
            value = self.nonblank(value_node, f"{name}.{lang}")
            if value is not None:
                by_lang[lang] = value
        if "en" not in by_lang:
            self.report(
                node, _("the language map in '{name}' needs an 'en' entry").format(name=name)
            )
            return None
        return Text(by_lang)

    def strings(self, node: Node, name: str) -> tuple[str, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                _("'{name}' must be a list of strings, not {found}").format(
                    name=name, found=shown(node)
                ),
            )
            return None
        values = [self.string(item, f"{name} item") for item in node.value]
        return tuple(v for v in values if v is not None)

    def slugs(self, node: Node, name: str) -> tuple[str, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                _("'{name}' must be a list of slugs, not {found}").format(
                    name=name, found=shown(node)
                ),
            )
            return None
        values = [self.slug(item, name.removesuffix("s")) for item in node.value]
        return tuple(v for v in values if v is not None)

    def number(self, node: Node, name: str) -> float | None:
        if not isinstance(node, ScalarNode) or node.tag not in (INT, FLOAT):
            self.report(
                node,
                _("'{name}' must be a number of seconds, not {found}").format(
                    name=name, found=shown(node)
                ),
            )
            return None
        raw = scalar_value(node)
        assert isinstance(raw, int | float)
        value = float(raw)
        if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
            self.report(
                node,
                _("'{name}' must be more than 0 and at most {max} seconds").format(
                    name=name, max=f"{MAX_TIMEOUT:g}"
                ),
            )
            return None
        return value

    def index(self, node: Node) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != INT:
            self.report(
                node,
                _("an answer index must be a whole number, not {found}").format(found=shown(node)),
            )
            return None
        value = scalar_value(node)
        assert isinstance(value, int)
        return value

    def requires(self, node: Node) -> dict[str, str] | None:
        entries = self.entries(node, "'requires'")
        if entries is None:
            return None
        found: dict[str, str] = {}
        for name, (key, value_node) in entries.items():
            if name not in KNOWN_REQUIREMENTS:
                self.report(
                    key,
                    _("unknown requirement '{name}' (known: {known})").format(
                        name=name, known=", ".join(KNOWN_REQUIREMENTS)
                    )
                    + suggest(name, KNOWN_REQUIREMENTS),
                )
                continue
            spec = self.string(value_node, f"requires.{name}")
            if spec is None:
                continue
            try:
                parse_specifier(spec)
            except ValueError as exc:
                self.report(value_node, f"requires.{name}: {exc}")
                continue
            found[name] = spec
        return found
