"""A card's `proof`: loaded on every card type, run by `quiz check` after the setup and the card's
code, failing with the proof's own line in the deck file; and `--strict`, which fails a card
whose answer nothing runs."""

from __future__ import annotations

import json
import textwrap
import traceback
from pathlib import Path

import pytest

from quiz.deck.checking import check_decks
from quiz.deck.judge import Answer, judge
from quiz.deck.loader import load_deck_text
from quiz.deck.model import PROOF_BODY, CardType
from quiz.deck.session import CheckSession
from quiz.deck.verify import proof_request, unproven, verify_card
from quiz.sandbox.protocol import CARD, PROOF, SETUP, RunResult, RunStatus
from tests.deck.fakes import ExecRunner
from tests.deck.helpers import deck_from, one_card


class TracingRunner(ExecRunner):
    """ExecRunner whose tracebacks keep the segments' frames, as the real sandbox's do."""

    @staticmethod
    def _raised(exc: BaseException, segment: str, stdout: str) -> RunResult:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<")]
        text = "".join(traceback.format_list(frames))
        text += "".join(traceback.format_exception_only(type(exc), exc))
        return RunResult(
            RunStatus.ERROR, stdout, exception=type(exc).__name__, traceback=text, segment=segment
        )


FLIP = """\
id: f
type: flip
prompt: Does a plain tensor attribute show up in parameters()?
answer: No.
proof: |
  import types
  m = types.SimpleNamespace(x=1)
  assert m.x == 1
  assert m.x == 2, "the claim is wrong"
"""


def test_proof_is_loaded_on_every_card_type_and_positioned() -> None:
    _, card = one_card(FLIP)
    assert card.proof is not None and card.proof.startswith("import types\n")
    # The card's map is at line 6 of the generated deck; `proof: |` is its 5th line and the
    # proof's first line of code the next one, indented two past the key.
    body, start = card.field_pos[PROOF_BODY], card.pos
    assert start is not None and (body.line, body.col) == (start.line + 5, start.col + 2)
    for extra in (
        "type: predict\ncode: print(1)\n",
        "type: choice\nprompt: p\noptions: [a, b]\nanswer: 0\n",
        "type: code\nprompt: p\nsolution: x = 1\ncheck: assert x == 1\n",
        "type: cloze\ncode: x = {{1}}\n",
    ):
        _, other = one_card(f"id: c\n{extra}proof: assert 1 + 1 == 2\n")
        assert other.proof == "assert 1 + 1 == 2"


def test_a_proof_must_be_a_string() -> None:
    text = "schema_version: 1\nid: d\ntitle: T\ncards:\n  - {id: f, type: flip, prompt: p, "
    loaded = load_deck_text(text + "answer: a, proof: [1]}\n", "d.yaml")
    assert loaded.deck is None
    assert any("proof" in p.message for p in loaded.problems)


async def test_a_failing_proof_fails_the_card_at_the_proofs_line() -> None:
    deck, card = one_card(FLIP)
    [check] = await verify_card(deck, card, TracingRunner())
    assert not check.ok
    assert check.message == (
        "proof: the proof raised AssertionError: the claim is wrong "
        '(proof line 4: assert m.x == 2, "the claim is wrong")'
    )
    body = card.field_pos[PROOF_BODY]
    assert check.pos is not None and check.pos.line == body.line + 3  # the 4th line of the proof


async def test_a_passing_proof_proves_a_flip_card() -> None:
    deck, card = one_card(FLIP.replace("m.x == 2", "m.x != 2"))
    [check] = await verify_card(deck, card, TracingRunner())
    assert (check.ok, check.message) == (True, "proven by its proof")


async def test_the_proof_runs_after_the_setup_and_the_cards_code() -> None:
    card = "id: c\ntype: choice\nprompt: p\ncode: y = x + 1\noptions: [a, b]\nanswer: 1\n"
    deck, built = one_card(card + "proof: assert (x, y) == (1, 2)\n", setup="x = 1")
    runner = TracingRunner()
    [check] = await verify_card(deck, built, runner)
    assert check.ok, check.message
    [request] = [r for r in runner.requests if r.segments[-1].name == PROOF]
    assert [s.name for s in request.segments] == [SETUP, CARD, PROOF]
    assert not request.evaluate  # the proof runs alone: it cannot change what the truths see


async def test_choice_truths_and_proof_both_count() -> None:
    card = (
        "id: c\ntype: choice\nprompt: p\ncode: x = [1]\n"
        "options:\n  - {text: one, truth: len(x) == 1}\n  - {text: two, truth: len(x) == 2}\n"
    )
    deck, built = one_card(card + "proof: assert x == [2]\n")
    [check] = await verify_card(deck, built, TracingRunner())
    assert not check.ok and check.message.startswith("proof: the proof raised AssertionError")


async def test_a_predict_card_whose_code_raises_proves_after_the_setup_alone() -> None:
    card = "id: p\ntype: predict\ncode: int('x')\nanswer: ValueError\n"
    deck, built = one_card(card + "proof: assert int('7') == 7\n")
    runner = TracingRunner()
    [check] = await verify_card(deck, built, runner)
    assert check.ok, check.message
    proof_runs = [r for r in runner.requests if r.segments[-1].name == PROOF]
    assert [[s.name for s in r.segments] for r in proof_runs] == [[CARD, PROOF], [PROOF]]


def test_a_cloze_proof_runs_after_the_original_fills() -> None:
    deck, card = one_card("id: z\ntype: cloze\ncode: x = {{40}} + 2\nproof: assert x == 42\n")
    request = proof_request(deck, card)
    assert [(s.name, s.source) for s in request.segments] == [
        (CARD, "x = 40 + 2"),
        (PROOF, "assert x == 42"),
    ]


async def test_a_proof_that_exits_early_is_no_proof() -> None:
    deck, card = one_card(
        "id: f\ntype: flip\nprompt: p\nanswer: a\nproof: |\n  import sys\n  sys.exit()\n"
        "  assert False\n"
    )
    [check] = await verify_card(deck, card, TracingRunner())
    assert not check.ok and "exited before the proof ran to its end" in check.message


async def test_vary_substitutes_into_the_proof() -> None:
    deck, card = one_card(
        "id: f\ntype: flip\nprompt: p $n\nanswer: a\nvary: {n: [1, 2]}\nproof: assert $n < 2\n"
    )
    checks = await verify_card(deck, card, TracingRunner())
    assert [c.ok for c in checks] == [True, False]


def test_an_unknown_vary_name_in_a_proof_is_a_load_problem() -> None:
    text = (
        "schema_version: 1\nid: d\ntitle: T\ncards:\n  - id: f\n    type: flip\n    prompt: p $n\n"
        "    answer: a\n    vary: {n: [1]}\n    proof: assert $m\n"
    )
    loaded = load_deck_text(text, "d.yaml")
    assert any("$m" in p.message for p in loaded.problems)


# -- --strict ------------------------------------------------------------------------------

STRICT_DECK = """\
schema_version: 1
id: s
title: S
cards:
  - {id: flip-bare, type: flip, prompt: p, answer: a}
  - {id: flip-proven, type: flip, prompt: p, answer: a, proof: assert True}
  - {id: choice-static, type: choice, prompt: p, options: [a, b], answer: 0}
  - {id: choice-proven, type: choice, prompt: p, options: [a, b], answer: 0, proof: assert 1}
  - id: choice-truths
    type: choice
    prompt: p
    options: [{text: a, truth: 'True'}, {text: b, truth: 'False'}]
  - {id: predict, type: predict, code: print(1), answer: 1}
"""


def test_unproven_names_exactly_the_cards_nothing_runs() -> None:
    deck = deck_from(STRICT_DECK)
    found = {card.id: unproven(card) for card in deck.cards}
    assert {k for k, v in found.items() if v is not None} == {"flip-bare", "choice-static"}
    assert "add a 'proof'" in (found["flip-bare"] or "")
    assert "'truth'" in (found["choice-static"] or "")
    assert all(c.type in (CardType.FLIP, CardType.CHOICE, CardType.PREDICT) for c in deck.cards)


async def test_strict_fails_unproven_cards_even_when_cached(tmp_path: Path) -> None:
    from quiz.deck.cache import CheckCache

    deck = deck_from(STRICT_DECK)
    cache = CheckCache(tmp_path / "cache.json", torch_version="test")
    plain = await check_decks([deck], ExecRunner(), cache=cache)
    assert {r.card: r.status for r in plain} == dict.fromkeys(
        ["flip-bare", "flip-proven", "choice-static", "choice-proven", "choice-truths", "predict"],
        "pass",
    )
    strict = await check_decks([deck], ExecRunner(), cache=cache, strict=True)
    failed = {r.card for r in strict if r.status == "fail"}
    assert failed == {"flip-bare", "choice-static"}


def test_quiz_check_strict_exit_status_and_json(tmp_path: Path) -> None:
    import io

    deck_file = tmp_path / "s.yaml"
    deck_file.write_text(STRICT_DECK, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    session = CheckSession(
        [deck_file],
        as_json=True,
        use_cache=False,
        strict=True,
        make_runner=lambda: (ExecRunner(), 4),
        out=out,
        err=err,
    )
    assert session.once() == 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {line["card"] for line in lines if line["status"] == "fail"} == {
        "flip-bare",
        "choice-static",
    }
    lenient = CheckSession(
        [deck_file], use_cache=False, make_runner=lambda: (ExecRunner(), 4), out=io.StringIO()
    )
    assert lenient.once() == 0


def test_quiz_check_points_into_the_proof_in_the_file(tmp_path: Path) -> None:
    import io

    deck_file = tmp_path / "d.yaml"
    deck_file.write_text(
        textwrap.dedent(
            """\
            schema_version: 1
            id: d
            title: D
            cards:
              - id: f
                type: flip
                prompt: p
                answer: a
                proof: |
                      x = 1
                      assert x == 2
            """
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    session = CheckSession(
        [deck_file],
        use_cache=False,
        make_runner=lambda: (TracingRunner(), 4),
        out=out,
        err=io.StringIO(),
    )
    assert session.once() == 1
    # Line 11 of the file, at the column where its code starts (the file's real indentation).
    assert f"{deck_file}:11:11: d/f: FAIL: proof: the proof raised AssertionError" in out.getvalue()


@pytest.mark.parametrize("flag", [[], ["--strict"]])
def test_the_cli_accepts_strict(flag: list[str]) -> None:
    from quiz.cli import build_parser

    args = build_parser().parse_args(["check", *flag])
    assert args.strict is bool(flag)


@pytest.mark.parametrize(
    ("card_yaml", "answer"),
    [
        ("type: predict\ncode: print(1)\n", Answer(text="1")),
        (
            "type: choice\nprompt: p\ncode: x = 1\noptions: [a, b]\nanswer: 0\n",
            Answer(choices=frozenset({0})),
        ),
        (
            "type: choice\nprompt: p\ncode: x = 1\n"
            "options: [{text: a, truth: x == 1}, {text: b, truth: x == 2}]\n",
            Answer(choices=frozenset({0})),
        ),
        (
            "type: code\nprompt: p\nsolution: x = 1\ncheck: assert x == 1\n",
            Answer(text="x = 1"),
        ),
        ("type: cloze\ncode: x = {{1}}\ncheck: assert x == 1\n", Answer(fills=("1",))),
        ("type: flip\nprompt: p\nanswer: a\n", Answer(text="")),
    ],
)
async def test_studying_never_runs_or_sends_the_proof(card_yaml: str, answer: Answer) -> None:
    deck, card = one_card(f"id: c\n{card_yaml}proof: assert 'secret' == 'secret'\n")
    runner = TracingRunner()
    await judge(deck, card, answer, runner)
    sent = [s for r in runner.requests for s in r.segments]
    assert all(s.name != PROOF and "secret" not in s.source for s in sent)
