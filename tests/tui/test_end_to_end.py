"""The real parts together: YAML decks through the loader, answers through the real sandbox
pool, reviews into the real SQLite store; and `e` editing a deck file then reloading it."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fsrs import Rating
from textual.pilot import Pilot

from quiz.config import AppConfig
from quiz.outcome import Outcome
from quiz.tui.app import QuizApp, build_app
from quiz.tui.checker import SandboxChecker
from quiz.tui.screens.study import StudyScreen
from quiz.tui.widgets.deck_table import DeckTable
from tests.tui.fakes import FakeRunner, FrozenClock

DECK = textwrap.dedent(
    """\
    schema_version: 1
    id: e2e-tui
    title: End to end
    setup: |
      import torch
      from torch import nn
    cards:
      - id: state-dict-keys
        type: predict
        prompt: What does this print?
        code: |
          class M(nn.Module):
              def __init__(self):
                  super().__init__()
                  self.w = nn.Parameter(torch.ones(2))
                  self.register_buffer("b", torch.zeros(2))
          print(sorted(M().state_dict()))
        answer: "['b', 'w']"
      - id: flip-one
        type: flip
        prompt: Why buffers?
        answer: They move with the module.
    """
)


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "e2e.yaml").write_text(DECK, encoding="utf-8")
    return folder


async def open_deck(app: QuizApp, pilot: Pilot[int], deck_id: str) -> StudyScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    table = app.screen.query_one(DeckTable)
    row = [str(k.value) for k in table.rows].index(deck_id)
    table.move_cursor(row=row)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, StudyScreen)
    return app.screen


@pytest.fixture
def pool() -> Iterator[object]:
    from quiz.sandbox.pool import SandboxPool

    sandbox = SandboxPool(workers=1)
    yield sandbox
    sandbox.close()


@pytest.mark.slow
async def test_study_with_the_real_sandbox_and_store(deck_dir: Path, pool: object) -> None:
    from quiz.sandbox.pool import SandboxPool
    from quiz.srs.collection import Collection
    from quiz.srs.store import Store

    assert isinstance(pool, SandboxPool)
    torch_before = "torch" in sys.modules
    app = build_app(decks=[deck_dir], config=AppConfig(), checker=SandboxChecker(pool))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_deck(app, pilot, "e2e-tui")
        assert pool.wait_ready(timeout=180), "the sandbox never warmed up"
        await pilot.press(*"['b', 'w']", "enter")
        for _ in range(600):  # the check runs in a real sandbox child: wait up to 60 s
            await pilot.pause(0.1)
            if screen.phase == "judged":
                break
        assert screen.shown is not None and screen.shown.outcome is Outcome.PASS
        await pilot.press("space")  # accept the proposal (Good)
        await pilot.pause()
        assert screen.shown.key == "e2e-tui/flip-one"
    if not torch_before:
        assert "torch" not in sys.modules, "judging in the sandbox imported torch in the TUI"
    store = Store.open()
    try:
        collection = Collection(store, [])
        history = collection.history("e2e-tui/state-dict-keys")
        assert [(r.rating, r.outcome, r.answer_text) for r in history] == [
            (Rating.Good, Outcome.PASS, "['b', 'w']")
        ]
    finally:
        store.close()


async def test_edit_reloads_the_card_from_disk(deck_dir: Path, tmp_path: Path) -> None:
    # A stand-in editor: rewrites the flip card's prompt, as a learner would in $EDITOR.
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import pathlib, sys\n"
        "line, path = int(sys.argv[1].lstrip('+')), pathlib.Path(sys.argv[2])\n"
        "text = path.read_text()\n"
        "path.write_text(text.replace('Why buffers?', 'Why buffers, really?'))\n"
        "pathlib.Path(sys.argv[2] + '.line').write_text(str(line))\n",
        encoding="utf-8",
    )
    config = AppConfig(editor=f"{sys.executable} {editor}")
    app = build_app(
        decks=[deck_dir], config=config, checker=SandboxChecker(FakeRunner()), clock=FrozenClock()
    )
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_deck(app, pilot, "e2e-tui")
        assert screen.shown is not None
        await pilot.press("escape", "minus")  # bury the predict card: the flip card is next
        await pilot.pause()
        assert screen.shown.key == "e2e-tui/flip-one"
        await pilot.press("e")  # a flip card takes no typing: letter keys work at once
        await pilot.pause()
        assert screen.shown.card.prompt.get() == "Why buffers, really?"
        deck_file = deck_dir / "e2e.yaml"
        opened_at = int((deck_dir / "e2e.yaml.line").read_text())
        assert deck_file.read_text().splitlines()[opened_at - 1].strip() == "- id: flip-one"


async def test_an_edit_that_breaks_the_deck_keeps_the_card(deck_dir: Path, tmp_path: Path) -> None:
    editor = tmp_path / "breaker.py"
    editor.write_text(
        "import pathlib, sys\npathlib.Path(sys.argv[2]).write_text('cards: [')\n", encoding="utf-8"
    )
    config = AppConfig(editor=f"{sys.executable} {editor}")
    app = build_app(
        decks=[deck_dir], config=config, checker=SandboxChecker(FakeRunner()), clock=FrozenClock()
    )
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_deck(app, pilot, "e2e-tui")
        before = screen.shown
        await pilot.press("escape", "e")
        await pilot.pause()
        assert screen.shown is before, "a broken edit leaves the card on screen"
        assert isinstance(app.screen, StudyScreen)
