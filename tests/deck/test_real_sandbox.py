"""The deck checker and judge against the real sandbox pool, with real torch in its workers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from quiz.deck.judge import Answer, judge
from quiz.deck.model import PROOF_BODY, Card
from quiz.deck.verify import verify_card
from quiz.outcome import Outcome
from tests.deck.helpers import deck_from

try:
    from quiz.sandbox.pool import SandboxPool
except ImportError as exc:  # pragma: no cover - only while the sandbox is being built
    pytest.skip(f"the sandbox pool is not importable: {exc}", allow_module_level=True)

DECK = deck_from("""\
schema_version: 1
id: real
title: Real
setup: |
  import torch
  from torch import nn
cards:
  - id: state-dict-keys
    type: predict
    code: |
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.w = nn.Parameter(torch.ones(2))
              self.register_buffer("b", torch.zeros(2))
              self.t = torch.ones(2)
      print(sorted(M().state_dict()))
    answer: "['b', 'w']"
  - id: matmul-mismatch
    type: predict
    code: torch.ones(2) @ torch.ones(3)
    answer: RuntimeError
  - id: which-registered
    type: choice
    prompt: Which are registered?
    vary: {n: [2, 3]}
    code: m = nn.Linear($n, $n)
    options:
      - {text: weight, truth: "'weight' in dict(m.named_parameters())"}
      - {text: a plain tensor, truth: "False"}
    answer: 0
  - id: make-buffer
    type: code
    prompt: register a buffer
    starter: "class M(nn.Module):\\n    pass"
    solution: |
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.register_buffer("b", torch.zeros(1))
    check: assert "b" in dict(M().named_buffers())
  - id: freeze
    type: cloze
    code: "w = nn.Parameter(torch.ones(1))\\nw.requires_grad_({{False}})"
    check: assert not w.requires_grad
  - id: cpu-keeps-graph
    type: flip
    prompt: Does .cpu() on a CPU tensor detach it?
    answer: No, it returns the same tensor.
    proof: |
      x = torch.ones(2, requires_grad=True)
      y = x * 2
      assert y.cpu() is y and y.cpu().grad_fn is not None
  - id: spins
    type: code
    prompt: loop
    timeout: 1
    solution: x = 1
    check: assert x == 1
""")


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=1) as running:
        yield running


@pytest.mark.parametrize("card", [c for c in DECK.cards if c.id != "spins"], ids=lambda c: c.id)
async def test_each_card_type_is_proven(pool: SandboxPool, card: Card) -> None:
    checks = await verify_card(DECK, card, pool)
    assert all(c.ok for c in checks), [str(c) for c in checks]


async def test_a_wrong_claim_is_disproven_with_the_real_output(pool: SandboxPool) -> None:
    card = DECK.card("state-dict-keys")
    assert card is not None
    [check] = await verify_card(DECK, replace(card, expected_output="['b', 't', 'w']"), pool)
    assert not check.ok
    assert check.message == (
        "claims \"['b', 't', 'w']\" (auto match) but the code prints \"['b', 'w']\""
    )


async def test_a_failing_proof_points_at_its_line(pool: SandboxPool) -> None:
    card = DECK.card("cpu-keeps-graph")
    assert card is not None and card.proof is not None
    broken = replace(card, proof=card.proof.replace("is not None", "is None"))
    [check] = await verify_card(DECK, broken, pool)
    assert not check.ok and check.message.startswith("proof: the proof raised AssertionError")
    body = card.field_pos[PROOF_BODY]
    assert check.pos is not None and check.pos.line == body.line + 2


async def test_a_hanging_answer_times_out(pool: SandboxPool) -> None:
    card = DECK.card("spins")
    assert card is not None
    result = await judge(DECK, card, Answer(text="while True:\n    pass"), pool)
    assert result.outcome is Outcome.TIMEOUT


async def test_a_learner_answer_that_raises_fails(pool: SandboxPool) -> None:
    card = DECK.card("make-buffer")
    assert card is not None
    result = await judge(DECK, card, Answer(text="raise ValueError('no')"), pool)
    assert result.outcome is Outcome.FAIL
    assert "ValueError" in result.detail
