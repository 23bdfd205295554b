"""`vary`: one card written, many instances run. Enumerating, picking and substituting instances.

Substitution uses string.Template (`$name`, `${name}`, `$$` for a literal `$`) in every text and
code field, and only on cards that have `vary`: elsewhere a `$` is just a `$`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping
from dataclasses import replace
from string import Template
from typing import Any

from quiz.deck.model import Card, ChoiceOption, Text
from quiz.i18n import _

# Beyond this many combinations a card is almost certainly a mistake (and cannot be sampled).
MAX_COMBINATIONS = 10_000


def combination_count(card: Card) -> int:
    count = 1
    for values in card.vary.values():
        count *= len(values)
    return count


def instances(card: Card) -> list[dict[str, Any]]:
    """Every combination of the card's `vary` values, in a stable order; [{}] without vary."""
    names = list(card.vary)
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(card.vary[n] for n in names))
    ]


def sample(card: Card, limit: int) -> list[dict[str, Any]]:
    """All combinations, or a sample of `limit` seeded by the card's key (the same every run)."""
    every = instances(card)
    if len(every) <= limit:
        return every
    chosen = random.Random(card.key).sample(range(len(every)), limit)
    return [every[i] for i in sorted(chosen)]


def pick(card: Card, rng: random.Random) -> Card:
    """One instance for a review: a value for each variable, drawn from `rng`."""
    if not card.vary:
        return card
    return instantiate(card, {name: rng.choice(values) for name, values in card.vary.items()})


def _as_text(value: Any) -> str:
    return str(value)


def instantiate(card: Card, bindings: Mapping[str, Any]) -> Card:
    """The card with `bindings` substituted in every text and code field; `.instance` holds them."""
    if not card.vary:
        return card
    values = {name: _as_text(value) for name, value in bindings.items()}

    def sub(text: str) -> str:
        return Template(text).substitute(values)

    def sub_opt(text: str | None) -> str | None:
        return None if text is None else sub(text)

    def sub_text(text: Text | None) -> Text | None:
        return None if text is None else text.map(sub)

    return replace(
        card,
        prompt=card.prompt.map(sub),
        explain=sub_text(card.explain),
        hint=sub_text(card.hint),
        answer_text=sub_text(card.answer_text),
        code=sub_opt(card.code),
        expected_output=sub_opt(card.expected_output),
        options=tuple(
            ChoiceOption(option.text.map(sub), sub_opt(option.truth)) for option in card.options
        ),
        starter=sub_opt(card.starter),
        check=sub_opt(card.check),
        solution=sub_opt(card.solution),
        wrong=tuple(sub(w) for w in card.wrong),
        proof=sub_opt(card.proof),
        instance=dict(bindings),
    )


def templated_fields(card: Card) -> Iterator[tuple[str, str]]:
    """(field position key, text) for every field that substitution touches."""
    texts: list[tuple[str, Text | None]] = [
        ("prompt", card.prompt),
        ("explain", card.explain),
        ("hint", card.hint),
        ("answer", card.answer_text),
    ]
    for key, text in texts:
        if text is not None:
            for translated in text.by_lang.values():
                yield key, translated
    plain: list[tuple[str, str | None]] = [
        ("code", card.code),
        ("answer", card.expected_output),
        ("starter", card.starter),
        ("check", card.check),
        ("solution", card.solution),
        ("proof", card.proof),
    ]
    for key, source in plain:
        if source is not None:
            yield key, source
    for i, wrong in enumerate(card.wrong):
        yield f"wrong.{i}", wrong
    for i, option in enumerate(card.options):
        for translated in option.text.by_lang.values():
            yield f"options.{i}", translated
        if option.truth is not None:
            yield f"options.{i}", option.truth


def template_problems(card: Card) -> list[tuple[str, str]]:
    """(field position key, message) for each placeholder that names no variable or is malformed."""
    if not card.vary:
        return []
    defined = set(card.vary)
    found: list[tuple[str, str]] = []
    for key, text in templated_fields(card):
        for match in Template.pattern.finditer(text):
            name = match.group("named") or match.group("braced")
            if match.group("invalid") is not None:
                found.append(
                    (
                        key,
                        _(
                            "'{field}' has a '$' not followed by a variable name; "
                            "write $$ for a literal $"
                        ).format(field=key.split(".")[0]),
                    )
                )
            elif name is not None and name not in defined:
                known = ", ".join(sorted(defined))
                found.append(
                    (
                        key,
                        _(
                            "'{field}' uses ${name}, which vary does not define "
                            "(vary defines: {known})"
                        ).format(field=key.split(".")[0], name=name, known=known),
                    )
                )
    return _unique(found)


def _unique(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(items))
