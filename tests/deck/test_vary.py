"""`vary`: combinations in a stable order, substitution everywhere, `$$`, and picking."""

from __future__ import annotations

import random

from quiz.deck import vary
from tests.deck.helpers import one_card

CARD = """\
id: shapes
type: choice
prompt: {en: "Linear($n_in, $n_out) costs $$1?", ko: "Linear(${n_in}, ${n_out})"}
hint: n_in is $n_in
explain: {en: "weight is $n_out x $n_in", ko: "$n_out x $n_in"}
vary: {n_in: [2, 3], n_out: [4, 5, 6]}
code: "m = nn.Linear($n_in, $n_out)"
options:
  - {text: "$n_in weights", truth: "m.weight.shape[1] == $n_in"}
  - {text: {en: "$n_out rows", ko: "$n_out 행"}, truth: "m.weight.shape[0] == $n_out"}
"""


def test_instances_are_the_cartesian_product_in_a_stable_order() -> None:
    _, card = one_card(CARD)
    assert vary.instances(card) == [
        {"n_in": 2, "n_out": 4},
        {"n_in": 2, "n_out": 5},
        {"n_in": 2, "n_out": 6},
        {"n_in": 3, "n_out": 4},
        {"n_in": 3, "n_out": 5},
        {"n_in": 3, "n_out": 6},
    ]


def test_instantiate_substitutes_every_field_and_every_language() -> None:
    _, card = one_card(CARD)
    inst = vary.instantiate(card, {"n_in": 3, "n_out": 5})
    assert inst.prompt.get("en") == "Linear(3, 5) costs $1?"
    assert inst.prompt.get("ko") == "Linear(3, 5)"
    assert inst.hint is not None and inst.hint.get() == "n_in is 3"
    assert inst.explain is not None and inst.explain.get("ko") == "5 x 3"
    assert inst.code == "m = nn.Linear(3, 5)"
    assert [o.text.get() for o in inst.options] == ["3 weights", "5 rows"]
    assert inst.options[1].text.get("ko") == "5 행"
    assert [o.truth for o in inst.options] == ["m.weight.shape[1] == 3", "m.weight.shape[0] == 5"]
    assert inst.instance == {"n_in": 3, "n_out": 5}
    assert card.instance == {}, "the original card is not changed"


def test_code_card_fields_are_substituted() -> None:
    _, card = one_card("""\
    id: c
    type: code
    prompt: make $k
    vary: {k: [1]}
    starter: "x = None  # $$"
    solution: x = $k
    check: assert x == $k
    wrong: ["x = $k + 1"]
    """)
    inst = vary.instantiate(card, {"k": 7})
    assert (inst.starter, inst.solution, inst.check) == ("x = None  # $", "x = 7", "assert x == 7")
    assert inst.wrong == ("x = 7 + 1",)


def test_a_card_without_vary_keeps_its_dollars() -> None:
    _, card = one_card("id: p\ntype: predict\ncode: print('$$5 $x')\n")
    assert vary.instances(card) == [{}]
    assert vary.instantiate(card, {}) is card
    assert vary.pick(card, random.Random(0)).code == "print('$$5 $x')"


def test_pick_is_reproducible_and_covers_the_values() -> None:
    _, card = one_card(CARD)
    first = [vary.pick(card, random.Random(seed)).instance for seed in range(40)]
    again = [vary.pick(card, random.Random(seed)).instance for seed in range(40)]
    assert first == again
    assert {i["n_out"] for i in first} == {4, 5, 6}


def test_sample_is_seeded_and_capped() -> None:
    _, card = one_card("""\
    id: big
    type: predict
    vary: {a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}
    code: print($a + $b)
    """)
    chosen = vary.sample(card, 64)
    assert len(chosen) == 64
    assert chosen == vary.sample(card, 64)
    assert len({(c["a"], c["b"]) for c in chosen}) == 64
    assert vary.sample(card, 1000) == vary.instances(card)
