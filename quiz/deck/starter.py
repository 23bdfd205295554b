"""The commented starter deck `quiz new DECK_ID` writes: one card of each type, all provable."""

from __future__ import annotations

import re
from string import Template

from quiz.deck.fields import SLUG_MAX, SLUG_PATTERN
from quiz.errors import QuizError

_STARTER = Template("""\
# A quiz deck. `quiz check $deck_id.yaml` validates it and proves every card by running it.
# For completion in editors: `quiz schema > quiz-deck.schema.json`, then keep the next line.
# yaml-language-server: $$schema=./quiz-deck.schema.json
schema_version: 1
id: $deck_id                # a slug, stable forever: review history is keyed by it
title: $title
description: What this deck teaches, in a sentence.
setup: |                    # runs before every card's code, in the same fresh namespace
  import torch
  from torch import nn

cards:
  # flip: self-graded, as in Anki. Any text field may be a map of languages ({en: ..., ko: ...}).
  # `proof` (any card type): assertions `quiz check` runs after the setup and the card's code,
  # proving the answer; `quiz check --strict` wants one on every flip card.
  - id: what-is-a-parameter # a slug, unique in this deck and stable forever
    type: flip
    prompt:
      en: What makes a tensor an nn.Parameter?
      ko: 텐서를 nn.Parameter로 만드는 것은 무엇인가요?
    answer: Wrapping it in `nn.Parameter`; assigning that to a module attribute registers it.
    explain: Registered parameters are what `.parameters()` yields and optimizers update.
    proof: |
      m = nn.Module()
      m.w = nn.Parameter(torch.ones(2))
      m.t = torch.ones(2)
      assert [name for name, _ in m.named_parameters()] == ["w"]
    refs: [https://pytorch.org/docs/stable/generated/torch.nn.parameter.Parameter.html]

  # predict: the learner types what the code prints (or the exception class it raises).
  # `answer` is optional; `quiz check` proves it equals the real output.
  - id: linear-weight-shape
    type: predict
    vary: {n_out: [2, 3]}   # one combination per review, substituted as $$n_out or $${n_out}
    code: |
      layer = nn.Linear(4, $$n_out)
      print(tuple(layer.weight.shape))
    answer: "($${n_out}, 4)"
    explain: nn.Linear stores its weight as (out_features, in_features).
    refs: [https://pytorch.org/docs/stable/generated/torch.nn.Linear.html]

  # choice: each option's `truth` is a Python expression evaluated after `code`;
  # a static `answer` (0-based index or list) is optional and must agree with the truths.
  - id: what-state-dict-saves
    type: choice
    prompt: Which of these does `state_dict()` include?
    code: |
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.w = nn.Parameter(torch.ones(2))
              self.register_buffer("b", torch.zeros(2))
              self.t = torch.ones(2)
      keys = set(M().state_dict())
    options:
      - {text: the parameter `w`, truth: "'w' in keys"}
      - {text: the buffer `b`, truth: "'b' in keys"}
      - {text: the plain tensor `t`, truth: "'t' in keys"}
    answer: [0, 1]
    explain: Parameters and persistent buffers are saved; plain tensor attributes are not.
    refs: [https://pytorch.org/docs/stable/generated/torch.nn.Module.html]

  # code: the learner edits `starter`; `check` runs after their code in the same namespace.
  # `solution` must pass; `starter` and every `wrong` entry must fail.
  - id: register-a-buffer
    type: code
    prompt: Give `Scaler` a buffer named `scale` holding `torch.ones(3)`.
    starter: |
      class Scaler(nn.Module):
          def __init__(self):
              super().__init__()
              self.scale = torch.ones(3)
    solution: |
      class Scaler(nn.Module):
          def __init__(self):
              super().__init__()
              self.register_buffer("scale", torch.ones(3))
    wrong:
      - |
        class Scaler(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(3))
    check: |
      assert "scale" in dict(Scaler().named_buffers()), "scale is not a buffer"
    hint: nn.Module has a method for exactly this.
    explain: A buffer is saved and moved with the module but is not trained.
    refs: [https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_buffer]

  # cloze: blanks are {{original}} or {{original::hint}}. With a `check`, any fill that
  # passes is right; without one, fills must match the original text.
  - id: freeze-a-parameter
    type: cloze
    prompt: Freeze the weight so the optimizer leaves it alone.
    code: |
      layer = nn.Linear(2, 2)
      layer.weight.{{requires_grad::attribute}} = {{False}}
    check: |
      assert not layer.weight.requires_grad
    explain: A parameter with requires_grad=False gets no gradient, so optimizers skip it.
    refs: [https://pytorch.org/docs/stable/notes/autograd.html]
""")


def starter_deck(deck_id: str) -> str:
    """The starter deck's text for `deck_id` (a QuizError when it is not a slug)."""
    if not re.match(SLUG_PATTERN, deck_id) or len(deck_id) > SLUG_MAX:
        raise QuizError(
            f"{deck_id!r} is not a deck id: use lowercase letters and digits joined by single "
            "hyphens, e.g. my-first-deck",
            title="Bad deck id",
        )
    title = deck_id.replace("-", " ").capitalize()
    return _STARTER.substitute(deck_id=deck_id, title=title)
