"""Small decks for the TUI tests: one card of each type, in English and Korean."""

from __future__ import annotations

from quiz.deck.model import Card, CardType, ChoiceOption, Deck, SourcePos, Text


def _text(en: str, ko: str | None = None) -> Text:
    return Text({"en": en, "ko": ko} if ko else {"en": en})


PREDICT = Card(
    id="state-dict-keys",
    type=CardType.PREDICT,
    deck_id="basics",
    prompt=_text("What does this print?", "이 코드는 무엇을 출력합니까?"),
    code="m = M()\nprint(sorted(m.state_dict()))",
    expected_output="['b', 'w']",
    explain=_text("Parameters and persistent buffers are saved; plain attributes are not."),
    hint=_text("Buffers count too."),
    refs=("https://pytorch.org/docs/stable/generated/torch.nn.Module.html",),
    tags=("state-dict",),
)

PREDICT_LINES = Card(
    id="named-buffers",
    type=CardType.PREDICT,
    deck_id="basics",
    prompt=_text("What does this print?"),
    code="for name, _ in m.named_buffers():\n    print(name)",
    expected_output="running_mean\nrunning_var\nnum_batches_tracked",
    tags=("buffers",),
)

CODE = Card(
    id="register-buffer",
    type=CardType.CODE,
    deck_id="basics",
    prompt=_text("Give `M` a buffer `steps` holding `torch.zeros(1)`."),
    starter="class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n",
    check="assert 'steps' in dict(M().named_buffers())",
    solution="...",
    hint=_text("`self.register_buffer(name, tensor)`"),
    tags=("buffers",),
)

CHOICE = Card(
    id="what-moves",
    type=CardType.CHOICE,
    deck_id="basics",
    prompt=_text("Which of these does `m.to('cuda')` move?"),
    options=(
        ChoiceOption(_text("parameters", "파라미터")),
        ChoiceOption(_text("buffers")),
        ChoiceOption(_text("plain tensor attributes")),
    ),
    answer_indexes=(0, 1),
    tags=("devices",),
)

CLOZE = Card(
    id="param-cloze",
    type=CardType.CLOZE,
    deck_id="basics",
    prompt=_text("Fill in the blanks."),
    code=(
        "self.w = {{nn.Parameter}}(torch.ones(2))\n"
        "self.{{register_buffer::method}}('b', torch.zeros(2))"
    ),
)

FLIP = Card(
    id="why-buffers",
    type=CardType.FLIP,
    deck_id="basics",
    prompt=_text("Why register a buffer instead of a plain attribute?", "왜 버퍼를 등록합니까?"),
    answer_text=_text("So it moves with `.to()` and is saved in the `state_dict`."),
)

BASICS = Deck(
    id="basics",
    title=_text("Tensor vs Parameter vs Buffer", "텐서와 파라미터와 버퍼"),
    cards=(PREDICT, CODE, CHOICE, CLOZE, FLIP, PREDICT_LINES),
    path="basics.yaml",
)

HOOK = Card(
    id="hook-order",
    type=CardType.FLIP,
    deck_id="hooks",
    prompt=_text("In which order do forward pre-hooks and forward hooks run?"),
    answer_text=_text("Pre-hooks before `forward`, hooks after it."),
    tags=("hooks",),
)

HOOKS = Deck(id="hooks", title=_text("Hooks", "훅"), cards=(HOOK,), path="hooks.yaml")


def only(*cards: Card) -> Deck:
    """The basics deck holding just `cards`, in order, to study card types end to end."""
    return Deck(id="basics", title=BASICS.title, cards=cards, path="basics.yaml")


BROKEN_POS = SourcePos("decks/broken.yaml", 12, 5)
