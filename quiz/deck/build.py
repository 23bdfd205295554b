"""Validating a composed YAML node graph against the deck format and building the model from it.

Every problem is collected (never the first only) with the position of the node it is about.
Nothing here executes deck code: truths, checks and code are only stored as text.
"""

from __future__ import annotations

import math
import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from quiz.deck import cloze, vary
from quiz.deck.fields import (
    CARD_TYPES,
    DECK_FIELDS,
    DEFAULT_PROMPTS,
    GROUP_PATTERN,
    MATCH_MODES,
    OPTION_KEYS,
    SCHEMA_VERSION,
    SLUG_MAX,
    TYPE_FIELDS,
    Field,
    Kind,
    card_fields,
)
from quiz.deck.languages import ISO_639_1
from quiz.deck.model import (
    PROOF_BODY,
    Card,
    CardType,
    ChoiceOption,
    Deck,
    MatchMode,
    SourcePos,
    Text,
)
from quiz.deck.readers import Entries, NodeReader, shown, suggest
from quiz.deck.yamlnodes import INT, NULL, scalar_value
from quiz.i18n import _

_IDENTIFIER = re.compile(r"^[_A-Za-z][_A-Za-z0-9]*$")
_GROUP = re.compile(GROUP_PATTERN)


class DeckBuilder(NodeReader):
    """Builds one deck from its root node, collecting problems as it goes."""

    # -- the deck --------------------------------------------------------------------------

    def deck(self, root: Node) -> Deck | None:
        self.deck_id = _raw_id(root)  # named in its own problems even if malformed
        entries = self.entries(root, _("a deck"))
        if entries is None:
            return None
        if "id" in entries:
            self.slug(entries["id"][1], "id")
        self.schema_version(entries, root)
        self.unknown_keys(entries, DECK_FIELDS, _("a deck"), {"type": _("it belongs to cards")})
        self.required(
            entries,
            {k: f for k, f in DECK_FIELDS.items() if k != "schema_version"},
            root,
            _("the deck"),
        )
        field_pos = {name: self.pos(value) for name, (_key, value) in entries.items()}
        title = self.text(entries["title"][1], "title") if "title" in entries else None
        description = None
        if "description" in entries:
            description = self.text(entries["description"][1], "description")
        requires = self.requires(entries["requires"][1]) if "requires" in entries else {}
        setup = ""
        if "setup" in entries:
            setup = self.string(entries["setup"][1], "setup") or ""
        cards = self.cards(entries["cards"][1]) if "cards" in entries else []
        if self.problems or self.deck_id is None or title is None:
            return None
        return Deck(
            id=self.deck_id,
            title=title,
            cards=tuple(cards),
            schema_version=SCHEMA_VERSION,
            description=description,
            requires=requires or {},
            setup=setup,
            path=self.filename,
            pos=self.pos(root),
            field_pos=field_pos,
        )

    def schema_version(self, entries: Entries, root: Node) -> None:
        if "schema_version" not in entries:
            self.report(
                root,
                _("missing 'schema_version' (this format is version {version})").format(
                    version=SCHEMA_VERSION
                ),
            )
            return
        node = entries["schema_version"][1]
        value = scalar_value(node) if isinstance(node, ScalarNode) and node.tag == INT else None
        if value != SCHEMA_VERSION:
            self.report(
                node,
                _("unsupported schema_version {found}: this quiz reads version {version}").format(
                    found=shown(node), version=SCHEMA_VERSION
                ),
            )

    def cards(self, node: Node) -> list[Card]:
        if not isinstance(node, SequenceNode):
            self.report(
                node, _("'cards' must be a list of cards, not {found}").format(found=shown(node))
            )
            return []
        if not node.value:
            self.report(node, _("'cards' is empty: a deck needs at least one card"))
        built: list[Card] = []
        seen: dict[str, Node] = {}
        for item in node.value:
            card = self.card(item, seen)
            if card is not None:
                built.append(card)
        self.card_id = None
        return built

    # -- cards -----------------------------------------------------------------------------

    def card(self, node: Node, seen: dict[str, Node]) -> Card | None:
        self.card_id = _raw_id(node)  # named in its own problems even if malformed
        entries = self.entries(node, _("a card"))
        if entries is None:
            return None
        card_id = None
        if "id" in entries:
            id_node = entries["id"][1]
            card_id = self.slug(id_node, "id")
            if card_id is not None and card_id in seen:
                first = seen[card_id].start_mark.line + 1
                self.report(
                    id_node,
                    _("duplicate card id '{id}' (first at line {line})").format(
                        id=card_id, line=first
                    ),
                )
                card_id = None
            elif card_id is not None:
                seen[card_id] = id_node
        card_type = self.card_type(entries, node)
        if card_type is None:
            self.unknown_keys(entries, _ALL_CARD_KEYS, _("a card"), {})
            if "id" not in entries:
                self.report(node, _("a card is missing required field 'id'"))
            return None
        before = len(self.problems)
        fields = card_fields(card_type)
        self.unknown_keys(
            entries, fields, _("{type} cards").format(type=card_type.value), _owners(card_type)
        )
        self.required(entries, fields, node, _("this {type} card").format(type=card_type.value))
        values = self.card_values(entries, fields)
        prompt = values.pop("prompt", None)
        if prompt is None and "prompt" not in entries:
            default = DEFAULT_PROMPTS.get(card_type)
            if default is None:
                self.report(
                    node,
                    _("this {type} card is missing required field 'prompt'").format(
                        type=card_type.value
                    ),
                )
            else:
                prompt = Text.plain(default)
        field_pos: dict[str, SourcePos] = {n: self.pos(v) for n, (_key, v) in entries.items()}
        if "proof" in entries:
            proof_key, proof = entries["proof"]
            field_pos[PROOF_BODY] = _body_start(self.filename, proof_key, proof)
            if isinstance(proof, ScalarNode) and proof.style == ">":
                # Folding joins its lines: the code would not be the code that was written.
                self.report(
                    proof, _("'proof' is code: write it as a literal block (|), not folded (>)")
                )
        for name in ("options", "wrong"):
            if name in entries and isinstance(entries[name][1], SequenceNode):
                for i, item in enumerate(entries[name][1].value):
                    field_pos[f"{name}.{i}"] = self.pos(item)
        self.type_rules(card_type, entries, values, node)
        # Built even when broken, so that its templates are checked too (all problems at once).
        card = Card(
            id=card_id or "",
            type=card_type,
            prompt=prompt or Text.plain(""),
            deck_id=self.deck_id or "",
            pos=self.pos(node),
            field_pos=field_pos,
            **_model_fields(card_type, values),
        )
        for key, message in vary.template_problems(card):
            self.report(card.position_of(key) or self.pos(node), message)
        if len(self.problems) > before or card_id is None or prompt is None:
            return None
        return card

    def card_type(self, entries: Entries, node: Node) -> CardType | None:
        if "type" not in entries:
            self.report(
                node,
                _("a card is missing required field 'type' ({types})").format(
                    types=", ".join(CARD_TYPES)
                ),
            )
            return None
        type_node = entries["type"][1]
        value = self.string(type_node, "type")
        if value is None:
            return None
        if value not in CARD_TYPES:
            self.report(
                type_node,
                _("unknown card type {value} (types: {types})").format(
                    value=repr(value), types=", ".join(CARD_TYPES)
                )
                + suggest(value, CARD_TYPES),
            )
            return None
        return CardType(value)

    def card_values(self, entries: Entries, fields: dict[str, Field]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, (_key, node) in entries.items():
            field = fields.get(name)
            if field is None or name in ("id", "type"):
                continue
            value = self.value(field.kind, node, name)
            if value is not None:
                values[name] = value
        return values

    def value(self, kind: Kind, node: Node, name: str) -> Any:
        if kind in (Kind.STRING, Kind.CODE, Kind.LITERAL):
            return self.string(node, name)
        if kind is Kind.SLUG:
            return self.slug(node, name)
        if kind is Kind.TEXT:
            return self.text(node, name)
        if kind in (Kind.STRING_LIST, Kind.CODE_LIST):
            return self.strings(node, name)
        if kind is Kind.SLUG_LIST:
            return self.slugs(node, name)
        if kind is Kind.GROUP:
            return self.group(node, name)
        if kind is Kind.NUMBER:
            return self.number(node, name)
        if kind is Kind.REQUIRES:
            return self.requires(node)
        if kind is Kind.VARY:
            return self.vary(node)
        if kind is Kind.MATCH:
            mode = self.string(node, name)
            if mode is not None and mode not in MATCH_MODES:
                self.report(
                    node,
                    _("unknown match mode {value} (modes: {modes})").format(
                        value=repr(mode), modes=", ".join(MATCH_MODES)
                    )
                    + suggest(mode, MATCH_MODES),
                )
                return None
            return None if mode is None else MatchMode(mode)
        if kind is Kind.OPTIONS:
            return self.options(node)
        if kind is Kind.INDEXES:
            return self.indexes(node)
        raise AssertionError(f"field kind {kind} has no reader")

    def group(self, node: Node, name: str) -> str | None:
        """A slug (this deck's group) or `deck-id/slug` (a group shared across decks)."""
        value = self.string(node, name)
        if value is None:
            return None
        if not _GROUP.match(value) or any(len(p) > SLUG_MAX for p in value.split("/")):
            self.report(
                node,
                _(
                    "'{name}' must be a slug (this deck's group) or 'deck-id/slug' (a group shared "
                    "across decks), not {found}"
                ).format(name=name, found=shown(node)),
            )
            return None
        return value

    def vary(self, node: Node) -> dict[str, tuple[Any, ...]] | None:
        entries = self.entries(node, "'vary'")
        if entries is None:
            return None
        found: dict[str, tuple[Any, ...]] = {}
        for name, (key, values) in entries.items():
            if not _IDENTIFIER.match(name):
                self.report(
                    key,
                    _("vary variable {name} must be a Python identifier").format(name=repr(name)),
                )
                continue
            if not isinstance(values, SequenceNode) or not values.value:
                self.report(
                    values, _("vary.{name} must be a non-empty list of values").format(name=name)
                )
                continue
            items = []
            for item in values.value:
                if not isinstance(item, ScalarNode):
                    self.report(
                        item,
                        _("vary.{name} values must be strings, numbers or booleans").format(
                            name=name
                        ),
                    )
                    continue
                items.append(scalar_value(item))
            found[name] = tuple(items)
        count = math.prod(len(v) for v in found.values())
        if count > vary.MAX_COMBINATIONS:
            self.report(
                node,
                _("vary makes {count} combinations; at most {max}").format(
                    count=count, max=vary.MAX_COMBINATIONS
                ),
            )
            return None
        return found

    def options(self, node: Node) -> tuple[ChoiceOption, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(node, _("'options' must be a list, not {found}").format(found=shown(node)))
            return None
        if len(node.value) < 2:
            self.report(node, _("'options' needs at least two options"))
        built = []
        for item in node.value:
            if isinstance(item, MappingNode) and not _is_language_map(item):
                entries = self.entries(item, _("an option")) or {}
                self.unknown_keys(entries, OPTION_KEYS, _("an option"), {})
                text = None
                if "text" not in entries:
                    self.report(item, _("an option is missing required field 'text'"))
                else:
                    text = self.text(entries["text"][1], "text")
                truth = self.string(entries["truth"][1], "truth") if "truth" in entries else None
            else:
                text, truth = self.text(item, "option"), None
            # A broken option keeps its place, so later indexes are not reported out of range.
            built.append(ChoiceOption(text or Text.plain(""), truth))
        return tuple(built)

    def indexes(self, node: Node) -> tuple[int, ...] | None:
        items = node.value if isinstance(node, SequenceNode) else [node]
        found = [self.index(item) for item in items]
        return tuple(i for i in found if i is not None)

    def type_rules(
        self, card_type: CardType, entries: Entries, values: dict[str, Any], node: Node
    ) -> None:
        """Rules that span fields: choice correctness, cloze blanks."""
        if card_type is CardType.CLOZE and "code" in values and not cloze.blanks(values["code"]):
            self.report(entries["code"][1], _("cloze code has no blanks: mark them {{like this}}"))
        if card_type is not CardType.CHOICE or "options" not in values:
            return
        options: tuple[ChoiceOption, ...] = values["options"]
        options_node = entries["options"][1]
        with_truth = [o.truth is not None for o in options]
        if any(with_truth) and not all(with_truth):
            missing = [i for i, has in enumerate(with_truth) if not has]
            self.report(
                options_node.value[missing[0]],
                _("every option needs a 'truth' once one has it (this one has none)"),
            )
        answer = values.get("answer")
        if answer is None and "answer" in entries:
            return  # its problem is already reported
        if answer is None and not any(with_truth):
            self.report(
                options_node,
                _(
                    "no correct option: give 'answer' (a 0-based index) or a 'truth' for each "
                    "option"
                ),
            )
            return
        if answer is not None:
            answer_node = entries["answer"][1]
            if not answer:
                self.report(answer_node, _("no correct option: 'answer' is an empty list"))
            for i in answer:
                if not 0 <= i < len(options):
                    self.report(
                        answer_node,
                        _(
                            "answer index {index} is out of range: the card has {count} options "
                            "(0 to {last})"
                        ).format(index=i, count=len(options), last=len(options) - 1),
                    )
            if len(set(answer)) != len(answer):
                self.report(answer_node, _("'answer' lists the same index twice"))


def _raw_id(node: Node) -> str | None:
    """The `id` scalar of a map as written, before validation, for naming it in problems."""
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "id" and isinstance(value, ScalarNode):
            return str(value.value) if value.tag != NULL else None
    return None


def _body_start(filename: str, key: Node, node: Node) -> SourcePos:
    """The file position of a scalar's first line of content: a block scalar (`|`) starts on
    the line after its indicator, indented (libyaml's marks do not say how far: the column is
    the usual two past the key's, which the checker corrects from the file); a flow scalar
    where it stands, past its quote."""
    mark = node.start_mark
    if isinstance(node, ScalarNode) and node.style == "|":
        return SourcePos(filename, mark.line + 2, key.start_mark.column + 3)
    quoted = isinstance(node, ScalarNode) and node.style in ("'", '"')
    return SourcePos(filename, mark.line + 1, mark.column + 1 + int(quoted))


def _is_language_map(node: MappingNode) -> bool:
    keys = [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
    return bool(keys) and "text" not in keys and all(k in ISO_639_1 for k in keys)


_ALL_CARD_KEYS = sorted({k for t in CardType for k in card_fields(t)})


def _owners(card_type: CardType) -> dict[str, str]:
    """For keys valid elsewhere: which card types use them (for a helpful message)."""
    owners: dict[str, list[str]] = {}
    for other, fields in TYPE_FIELDS.items():
        if other is not card_type:
            for name in fields:
                owners.setdefault(name, []).append(other.value)
    owned = {
        name: _("it belongs to {types} cards").format(types=_(" and ").join(types))
        for name, types in owners.items()
    }
    at_top = _("it belongs at the top of the deck")
    owned["schema_version"] = at_top
    owned["cards"] = at_top
    owned["setup"] = at_top
    return owned


def _model_fields(card_type: CardType, values: dict[str, Any]) -> dict[str, Any]:
    """Map validated values onto Card's constructor arguments."""
    out: dict[str, Any] = {
        "tags": values.get("tags", ()),
        "explain": values.get("explain"),
        "hint": values.get("hint"),
        "refs": values.get("refs", ()),
        "vary": values.get("vary", {}),
        "timeout": values.get("timeout"),
        "requires": values.get("requires", {}),
        "group": values.get("group"),
        "proof": values.get("proof"),
        "code": values.get("code"),
    }
    if card_type is CardType.FLIP:
        out["answer_text"] = values.get("answer")
    elif card_type is CardType.PREDICT:
        out["expected_output"] = values.get("answer")
        out["match"] = values.get("match", MatchMode.AUTO)
    elif card_type is CardType.CHOICE:
        out["options"] = values.get("options", ())
        out["answer_indexes"] = values.get("answer")
    else:
        out["starter"] = values.get("starter")
        out["check"] = values.get("check")
        out["solution"] = values.get("solution")
        out["wrong"] = values.get("wrong", ())
    return out
