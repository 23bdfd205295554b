"""Safe YAML composition with source positions: the node graph the deck builder walks.

Nothing is constructed from tags: PyYAML composes plain nodes, and this module refuses every
tag outside YAML's core types, alias graphs that expand past a bound (billion laughs), and
cyclic aliases, before any value is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from quiz.deck.model import SourcePos
from quiz.i18n import _

# Deck files are hand-written; anything near this size is a mistake or an attack.
MAX_FILE_BYTES = 4 * 1024 * 1024
# Nodes the document may expand to once aliases are followed (a large deck has a few thousand).
MAX_EXPANDED_NODES = 200_000

_CORE = "tag:yaml.org,2002:"
STR = _CORE + "str"
INT = _CORE + "int"
FLOAT = _CORE + "float"
BOOL = _CORE + "bool"
NULL = _CORE + "null"
SEQ = _CORE + "seq"
MAP = _CORE + "map"
MERGE = _CORE + "merge"
TIMESTAMP = _CORE + "timestamp"  # only ever implicit (a date-like plain scalar): read as text
ALLOWED_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, SEQ, MAP, MERGE, TIMESTAMP})


# libyaml's parser composes the same nodes with the same marks, about 20 times faster; the
# pure-Python one is the fallback where PyYAML was built without it.
_SAFE_BASE: type[yaml.SafeLoader] = (
    yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader  # type: ignore[assignment]
)


class _Loader(_SAFE_BASE):  # type: ignore[valid-type,misc]
    """A safe loader used only to compose nodes: nothing is constructed from them here."""


# Scalars are read with the safe constructor's own rules (0x10, 1_000, .inf, yes/no ...).
_SCALARS = yaml.constructor.SafeConstructor()


@dataclass(frozen=True)
class Located:
    """A message at a position, before the deck and card ids are known."""

    pos: SourcePos
    message: str


def position(filename: str, node: Node) -> SourcePos:
    mark = node.start_mark
    return SourcePos(filename, mark.line + 1, mark.column + 1)


def _mark_position(filename: str, mark: yaml.Mark | None) -> SourcePos:
    if mark is None:
        return SourcePos(filename, 1, 1)
    return SourcePos(filename, mark.line + 1, mark.column + 1)


def _offset_position(filename: str, text: str, offset: int) -> SourcePos:
    before = text[:offset]
    return SourcePos(filename, before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def _where(mark: yaml.Mark) -> str:
    return _("line {line}, column {column}").format(line=mark.line + 1, column=mark.column + 1)


def _syntax_problem(filename: str, text: str, exc: yaml.MarkedYAMLError) -> Located:
    """A syntax error at the place to fix: where the problem is found, except when it is only
    found at the end of the file (an unclosed quote or bracket): then where that construct
    starts. The other place is named in the message."""
    problem, context = exc.problem_mark, exc.context_mark
    at_end = problem is not None and not text[problem.index :].strip()
    if context is not None and (problem is None or at_end):
        # PyYAML's own words (exc.context, exc.problem) are English whatever the language.
        message = exc.context or _("invalid YAML")
        if exc.problem and problem is not None:
            message += _(", {problem} at {where}").format(
                problem=exc.problem, where=_where(problem)
            )
        syntax = _("YAML syntax error: {message}").format(message=message)
        return Located(_mark_position(filename, context), syntax)
    message = " ".join(p for p in (exc.context, exc.problem) if p) or _("invalid YAML")
    if context is not None and problem is not None and context.line != problem.line:
        message += _(" (it starts at {where})").format(where=_where(context))
    syntax = _("YAML syntax error: {message}").format(message=message)
    return Located(_mark_position(filename, problem or context), syntax)


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character
    code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
    return _("character {code} is not allowed in YAML; remove it or write it escaped").format(
        code=f"U+{code:04X}"
    )


def too_large(filename: str, size: int) -> Located:
    return Located(
        SourcePos(filename, 1, 1),
        _("file is {size} bytes; decks are limited to {max} bytes").format(
            size=size, max=MAX_FILE_BYTES
        ),
    )


def decode(data: bytes, filename: str) -> tuple[str | None, list[Located]]:
    """UTF-8 (with or without a BOM) or a problem pointing at the first bad byte."""
    if len(data) > MAX_FILE_BYTES:
        return None, [too_large(filename, len(data))]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            Located(
                SourcePos(filename, line, col),
                _("not valid UTF-8 (byte {byte}); save the deck as UTF-8").format(
                    byte=f"0x{data[exc.start]:02x}"
                ),
            )
        ]


def compose(text: str, filename: str) -> tuple[Node | None, list[Located]]:
    """The single document's root node, or the problems that make it unreadable."""
    try:
        loader = _Loader(text)  # the reader checks every character here
    except yaml.reader.ReaderError as exc:
        return None, [Located(_offset_position(filename, text, exc.position), _reader_message(exc))]
    try:
        root = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        return None, [Located(_offset_position(filename, text, exc.position), _reader_message(exc))]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(filename, text, exc)]
    except yaml.YAMLError as exc:
        return None, [
            Located(SourcePos(filename, 1, 1), _("YAML error: {error}").format(error=exc))
        ]
    except RecursionError:
        return None, [Located(SourcePos(filename, 1, 1), _("YAML is nested too deeply"))]
    finally:
        loader.dispose()
    if root is None:
        return None, []
    fatal, foreign = _audit(root, filename)
    # A foreign tag is only reported (its node is never constructed), so the rest of the deck
    # is still validated; a cycle or an alias bomb makes the graph unsafe to walk at all.
    return (None if fatal else root), fatal + foreign


def _audit(root: Node, filename: str) -> tuple[list[Located], list[Located]]:
    """(fatal, foreign-tag) problems: cyclic aliases and alias bombs, and tags outside YAML's
    core types. Each distinct node is visited once."""
    problems: list[Located] = []
    foreign: list[Located] = []
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Iterative post-order walk: documents can be deep, and a shared node is sized once.
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = min(total, MAX_EXPANDED_NODES + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            problems.append(Located(position(filename, node), _("an alias refers to itself")))
            return problems, foreign
        if node.tag not in ALLOWED_TAGS:
            foreign.append(
                Located(
                    position(filename, node),
                    _(
                        "tag '{tag}' is not allowed: decks hold plain data (strings, numbers, "
                        "lists, maps) and nothing in them is constructed"
                    ).format(tag=_short_tag(node.tag)),
                )
            )
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                problems.append(Located(position(filename, child), _("an alias refers to itself")))
                return problems, foreign
            if id(child) not in sizes:
                stack.append((child, False))
    if sizes[id(root)] > MAX_EXPANDED_NODES:
        problems.append(
            Located(
                position(filename, root),
                _("aliases expand this document past {max} nodes; refusing it").format(
                    max=MAX_EXPANDED_NODES
                ),
            )
        )
    return problems, foreign


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value


def scalar_value(node: ScalarNode) -> object:
    """The Python value of a core-typed scalar (timestamps stay text)."""
    if node.tag == INT:
        return _SCALARS.construct_yaml_int(node)
    if node.tag == FLOAT:
        return _SCALARS.construct_yaml_float(node)
    if node.tag == BOOL:
        return _SCALARS.construct_yaml_bool(node)
    if node.tag == NULL:
        return None
    return str(node.value)
