"""Every validation problem the loader reports, with the line and column of the offending node."""

from __future__ import annotations

import textwrap

import pytest

from quiz.deck.loader import load_deck_text
from quiz.deck.model import CardType, MatchMode


def problems(text: str) -> list[str]:
    loaded = load_deck_text(textwrap.dedent(text), "deck.yaml")
    assert loaded.deck is None or not loaded.problems
    return [str(p) for p in loaded.problems]


HEAD = """\
schema_version: 1
id: demo
title: Demo
cards:
"""


def card(body: str) -> str:
    """A deck whose single card starts on line 5 (its first key at column 5)."""
    return HEAD + textwrap.indent(textwrap.dedent(body), "    ").replace("    ", "  - ", 1)


def test_a_valid_deck_has_no_problems() -> None:
    loaded = load_deck_text(
        card("""\
        id: keys
        type: predict
        code: print(1)
        answer: 1
        match: exact
        """),
        "deck.yaml",
    )
    assert loaded.problems == []
    assert loaded.deck is not None
    only = loaded.deck.cards[0]
    assert (only.key, only.type, only.match) == ("demo/keys", CardType.PREDICT, MatchMode.EXACT)
    assert only.expected_output == "1"
    assert only.pos is not None and (only.pos.line, only.pos.col) == (5, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # syntax
        ("a: [1, 2\nb: 3\n", "deck.yaml:2:2: YAML syntax error"),
        ("a: 1\n---\nb: 2\n", "deck.yaml:2:1: YAML syntax error"),
        ("", "deck.yaml:1:1: the file is empty"),
        ("- 1\n- 2\n", "deck.yaml:1:1: a deck must be a map of fields, not a list"),
        # schema_version
        ("id: demo\ntitle: D\ncards: []\n", "deck.yaml:1:1: demo: missing 'schema_version'"),
        (
            "schema_version: 2\nid: demo\ntitle: D\ncards: []\n",
            "deck.yaml:1:17: demo: unsupported schema_version '2'",
        ),
        # deck fields
        (
            HEAD.replace("title", "titel"),
            "deck.yaml:3:1: demo: unknown field 'titel' in a deck; did you mean 'title'?",
        ),
        (
            HEAD.replace("title", "titel"),
            "deck.yaml:1:1: demo: the deck is missing required field 'title'",
        ),
        (
            HEAD.replace("id: demo", "id: Demo Deck"),
            "deck.yaml:2:5: Demo Deck: 'id' must be a slug",
        ),
        (HEAD + "  []\n", "deck.yaml:5:3: demo: 'cards' is empty"),
        (
            HEAD.replace("title: Demo", "title: [Demo]"),
            "deck.yaml:3:8: demo: 'title' must be a string or a language map, not a list",
        ),
        (
            HEAD.replace("title: Demo", "title: {en: Demo, xx: Nope}"),
            "deck.yaml:3:19: demo: unknown language code 'xx' in 'title'",
        ),
        (
            HEAD.replace("title: Demo", "title: {ko: 데모}"),
            "deck.yaml:3:8: demo: the language map in 'title' needs an 'en' entry",
        ),
        (
            HEAD.replace("title: Demo", "title: Demo\nrequires: {torch: '2.1'}"),
            "deck.yaml:4:19: demo: requires.torch: '2.1' is not a version specifier",
        ),
        (
            HEAD.replace("title: Demo", "title: Demo\nrequires: {numpy: '>=1'}"),
            "deck.yaml:4:12: demo: unknown requirement 'numpy'",
        ),
        (
            HEAD.replace("title: Demo", "title: Demo\ntitle: Again"),
            "deck.yaml:4:1: demo: duplicate key 'title' (first at line 3)",
        ),
        # cards
        (
            card("id: a\ntype: predikt\n"),
            "deck.yaml:6:11: demo/a: unknown card type 'predikt' "
            "(types: flip, predict, choice, code, cloze); did you mean 'predict'?",
        ),
        (
            card("id: a\nprompt: x\n"),
            "deck.yaml:5:5: demo/a: a card is missing required field 'type'",
        ),
        (
            card("id: Not_A_Slug\ntype: flip\nprompt: p\nanswer: a\n"),
            "deck.yaml:5:9: demo/Not_A_Slug: 'id' must be a slug",
        ),
        (
            card("type: flip\nprompt: p\nanswer: a\n"),
            "deck.yaml:5:5: demo: this flip card is missing required field 'id'",
        ),
        (
            card("id: a\ntype: flip\npromt: p\nanswer: a\n"),
            "deck.yaml:7:5: demo/a: unknown field 'promt' in flip cards; did you mean 'prompt'?",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\noptions: [x, y]\n"),
            "deck.yaml:9:5: demo/a: 'options' is not a field of flip cards (it belongs to choice "
            "cards)",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\n"),
            "deck.yaml:5:5: demo/a: this flip card is missing required field 'answer'",
        ),
        (
            card("id: a\ntype: flip\nanswer: a\n"),
            "deck.yaml:5:5: demo/a: this flip card is missing required field 'prompt'",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\ntimeout: -1\n"),
            "deck.yaml:9:14: demo/a: 'timeout' must be more than 0",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\ntimeout: soon\n"),
            "deck.yaml:9:14: demo/a: 'timeout' must be a number of seconds",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\ngroup: Big Group\n"),
            "deck.yaml:9:12: demo/a: 'group' must be a slug",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\ngroup: a/b/c\n"),
            "deck.yaml:9:12: demo/a: 'group' must be a slug (this deck's group) or 'deck-id/slug'",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\ngroup: other-deck/\n"),
            "deck.yaml:9:12: demo/a: 'group' must be a slug",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\nproof: >\n  x = 1\n  assert x\n"),
            "deck.yaml:9:12: demo/a: 'proof' is code: write it as a literal block (|)",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\nproof: [assert 1]\n"),
            "deck.yaml:9:12: demo/a: 'proof' must be",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\ntags: tagged\n"),
            "deck.yaml:9:11: demo/a: 'tags' must be a list of slugs",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: a\ntags: [ok, Not Ok]\n"),
            "deck.yaml:9:16: demo/a: 'tag' must be a slug",
        ),
        (
            card("id: a\ntype: flip\nprompt: {en: p, kr: q, zz: r}\nanswer: a\n"),
            "deck.yaml:7:28: demo/a: unknown language code 'zz' in 'prompt'",
        ),
        (
            card("id: a\ntype: flip\nprompt: p\nanswer: {en: a, ko: ' '}\n"),
            "deck.yaml:8:25: demo/a: 'answer.ko' is empty",
        ),
        (
            card("id: a\ntype: flip\nprompt: ''\nanswer: a\n"),
            "deck.yaml:7:13: demo/a: 'prompt' is empty",
        ),
        # code cards
        (
            card("id: a\ntype: code\nprompt: p\ncheck: assert x\n"),
            "deck.yaml:5:5: demo/a: this code card is missing required field 'solution'",
        ),
        (
            card("id: a\ntype: code\nprompt: p\nsolution: x = 1\n"),
            "deck.yaml:5:5: demo/a: this code card is missing required field 'check'",
        ),
        (
            card("id: a\ntype: code\nprompt: p\nsolution: x = 1\ncheck: assert x\nwrong: x = 2\n"),
            "deck.yaml:10:12: demo/a: 'wrong' must be a list of strings",
        ),
        # cloze
        (
            card("id: a\ntype: cloze\ncode: x = 1\n"),
            "deck.yaml:7:11: demo/a: cloze code has no blanks",
        ),
        # choice
        (
            card("id: a\ntype: choice\nprompt: p\noptions: [x, y]\n"),
            "deck.yaml:8:14: demo/a: no correct option",
        ),
        (
            card("id: a\ntype: choice\nprompt: p\noptions: [x, y]\nanswer: 2\n"),
            "deck.yaml:9:13: demo/a: answer index 2 is out of range: the card has 2 options "
            "(0 to 1)",
        ),
        (
            card("id: a\ntype: choice\nprompt: p\noptions: [x, y]\nanswer: [0, -1]\n"),
            "deck.yaml:9:13: demo/a: answer index -1 is out of range",
        ),
        (
            card("id: a\ntype: choice\nprompt: p\noptions: [x, y]\nanswer: []\n"),
            "deck.yaml:9:13: demo/a: no correct option: 'answer' is an empty list",
        ),
        (
            card("id: a\ntype: choice\nprompt: p\noptions: [x, y]\nanswer: first\n"),
            "deck.yaml:9:13: demo/a: an answer index must be a whole number",
        ),
        (
            card("id: a\ntype: choice\nprompt: p\noptions: [x]\nanswer: 0\n"),
            "deck.yaml:8:14: demo/a: 'options' needs at least two options",
        ),
        (
            card("id: a\ntype: choice\nprompt: p\noptions:\n  - {text: x, truth: 'True'}\n  - y\n"),
            "deck.yaml:10:9: demo/a: every option needs a 'truth' once one has it",
        ),
        (
            card("id: a\ntype: choice\nprompt: p\noptions:\n  - {txt: x}\n  - y\nanswer: 1\n"),
            "deck.yaml:9:10: demo/a: unknown field 'txt' in an option; did you mean 'text'?",
        ),
        # predict
        (
            card("id: a\ntype: predict\ncode: print(1)\nmatch: fuzzy\n"),
            "deck.yaml:8:12: demo/a: unknown match mode 'fuzzy'",
        ),
        (
            card("id: a\ntype: predict\ncode: [print(1)]\n"),
            "deck.yaml:7:11: demo/a: 'code' must be a string, not a list",
        ),
        # vary
        (
            card("id: a\ntype: predict\nvary: {n: [1, 2]}\ncode: print($m)\n"),
            "deck.yaml:8:11: demo/a: 'code' uses $m, which vary does not define (vary defines: n)",
        ),
        (
            card("id: a\ntype: predict\nvary: {n: [1, 2]}\ncode: print($n)\nexplain: costs $5\n"),
            "deck.yaml:9:14: demo/a: 'explain' has a '$' not followed by a variable name; write $$",
        ),
        (
            card("id: a\ntype: predict\nvary: {n: []}\ncode: print(1)\n"),
            "deck.yaml:7:15: demo/a: vary.n must be a non-empty list of values",
        ),
        (
            card("id: a\ntype: predict\nvary: {2n: [1]}\ncode: print(1)\n"),
            "deck.yaml:7:12: demo/a: vary variable '2n' must be a Python identifier",
        ),
        (
            card("id: a\ntype: predict\nvary: {n: [[1]]}\ncode: print($n)\n"),
            "deck.yaml:7:16: demo/a: vary.n values must be strings, numbers or booleans",
        ),
        (
            card(
                "id: a\ntype: choice\nprompt: p\nvary: {n: [1]}\noptions:\n  - {text: x, truth: "
                "'$k > 0'}\n  - {text: y, truth: 'False'}\n"
            ),
            "deck.yaml:10:9: demo/a: 'options' uses $k",
        ),
        # safety
        (
            card("id: a\ntype: predict\ncode: !!python/object/apply:os.system ['true']\n"),
            "deck.yaml:7:11: tag '!!python/object/apply:os.system' is not allowed",
        ),
    ],
)
def test_problem_is_reported_at_its_node(text: str, expected: str) -> None:
    found = problems(text)
    assert any(p.startswith(expected) for p in found), "\n".join(found)


def test_duplicate_card_ids_point_at_the_second() -> None:
    text = HEAD + "  - {id: a, type: flip, prompt: p, answer: x}\n" * 2
    assert problems(text) == ["deck.yaml:6:10: demo/a: duplicate card id 'a' (first at line 5)"]


def test_every_problem_is_reported_at_once() -> None:
    text = """\
    schema_version: 1
    id: demo
    titel: Demo
    cards:
      - {id: a, type: flip, promt: p, answer: x}
      - {id: b, type: choice, prompt: p, options: [x, y], answer: 3}
      - {id: c, type: cloze, code: nothing}
    """
    found = problems(text)
    assert [p.split(": ")[0] for p in found] == [
        "deck.yaml:1:1",
        "deck.yaml:3:1",
        "deck.yaml:5:5",
        "deck.yaml:5:25",
        "deck.yaml:6:63",
        "deck.yaml:7:32",
    ]


def test_a_problem_prints_file_line_col_deck_card_message() -> None:
    from quiz.deck.model import SourcePos
    from quiz.deck.problems import Problem

    pos = SourcePos("d.yaml", 3, 7)
    assert str(Problem(pos, "deck", "card", "bad")) == "d.yaml:3:7: deck/card: bad"
    assert str(Problem(pos, "deck", None, "bad")) == "d.yaml:3:7: deck: bad"
    assert str(Problem(pos, None, None, "bad")) == "d.yaml:3:7: bad"


def test_a_broken_option_does_not_shift_the_others() -> None:
    text = card("id: a\ntype: choice\nprompt: p\noptions:\n  - {txt: x}\n  - y\nanswer: 1\n")
    assert not any("out of range" in p for p in problems(text))


def test_merge_keys_fill_in_without_being_duplicates() -> None:
    text = """\
    schema_version: 1
    id: demo
    title: Demo
    cards:
      - &base {id: a, type: flip, prompt: p, answer: x}
      - <<: *base
        id: b
    """
    loaded = load_deck_text(textwrap.dedent(text), "deck.yaml")
    assert loaded.problems == []
    assert loaded.deck is not None
    assert [c.id for c in loaded.deck.cards] == ["a", "b"]


def test_scalars_keep_their_written_form() -> None:
    loaded = load_deck_text(card("id: a\ntype: predict\ncode: print('1.50')\nanswer: 1.50\n"), "d")
    assert loaded.deck is not None
    assert loaded.deck.cards[0].expected_output == "1.50"


def test_predict_and_cloze_prompts_default() -> None:
    loaded = load_deck_text(card("id: a\ntype: cloze\ncode: x = {{1}}\n"), "d")
    assert loaded.deck is not None
    assert loaded.deck.cards[0].prompt.get() == "Fill in the blanks."


def test_a_group_may_name_another_decks_group() -> None:
    loaded = load_deck_text(
        card("id: a\ntype: flip\nprompt: p\nanswer: a\ngroup: other-deck/init-order\n"),
        "deck.yaml",
    )
    assert loaded.problems == [] and loaded.deck is not None
    assert loaded.deck.cards[0].sibling_group == "other-deck/init-order"
    local = load_deck_text(card("id: a\ntype: flip\nprompt: p\nanswer: a\ngroup: g\n"), "d.yaml")
    assert local.deck is not None and local.deck.cards[0].sibling_group == "demo/g"
