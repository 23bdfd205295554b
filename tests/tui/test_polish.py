"""Issue 12's TUI findings, each pinned by the test that would have caught it: the verdict and
footers at 80x24, keys that match the focus, stale text, code output on a pass, editing a
bundled deck, custom study at 80 columns, hanging indents, Hangul emphasis, buried cards in
Browse, and a store that cannot save (read-only, locked)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from fsrs import Rating
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Button, Input, TextArea

from quiz.config import AppConfig
from quiz.errors import StoreBusy, StoreReadOnly
from quiz.outcome import Outcome
from quiz.sandbox.protocol import RunResult, RunStatus
from quiz.tui.app import QuizApp, build_app
from quiz.tui.checker import SandboxChecker
from quiz.tui.markdown import deck_parser
from quiz.tui.screens.confirm import ConfirmScreen
from quiz.tui.screens.study import StudyScreen
from quiz.tui.widgets.choice_answer import ChoiceList
from quiz.tui.widgets.code_block import CodeBlock
from quiz.tui.widgets.verdict import Verdict, VerdictView
from quiz.tui.wrapping import hang
from tests.tui.conftest import Harness
from tests.tui.decks import CHOICE, CODE, FLIP, PREDICT, only
from tests.tui.fakes import FakeRunner, FrozenClock, Judged

SMALL = (80, 24)


def screen_text(app: QuizApp) -> str:
    """What the terminal shows now, as plain text, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def footer_text(app: QuizApp) -> str:
    return screen_text(app).splitlines()[-1]


async def settle(pilot: Pilot[Any], app: QuizApp) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def study(pilot: Pilot[Any], app: QuizApp) -> StudyScreen:
    await settle(pilot, app)
    await pilot.press("enter")
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, StudyScreen)
    return screen


class TestVerdictAt80x24:
    async def test_predict_verdict_is_on_screen_after_submit(self, harness: Harness) -> None:
        # A card as tall as the bundled ones: on 24 rows its verdict starts below the answer.
        code = "\n".join(f"layer_{i} = nn.Linear({i}, {i + 1})" for i in range(10))
        card = replace_card(PREDICT, code=code)
        harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.FAIL, "['b', 'w']", "['w']")]
        app = harness.app([only(card)])
        async with app.run_test(size=SMALL) as pilot:
            await study(pilot, app)
            await pilot.press(*"['w']", "enter")
            await settle(pilot, app)
            shown = screen_text(app)
            assert "✗ Not quite" in shown
            assert "truth" in shown and "['b', 'w']" in shown
            assert "Again" in shown  # and the grades stay on screen too

    async def test_code_verdict_and_traceback_are_on_screen(self, harness: Harness) -> None:
        run = RunResult(
            status=RunStatus.ERROR,
            exception="AssertionError",
            traceback='  File "<check>", line 1, in <module>\nAssertionError',
            duration_ms=9.0,
        )
        harness.checker.verdicts[CODE.key] = [Judged(Outcome.FAIL, run=run)]
        starter = "".join(f"# step {i}: fill in\n" for i in range(12))
        app = harness.app([only(replace_card(CODE, starter=starter))])
        async with app.run_test(size=SMALL) as pilot:
            await study(pilot, app)
            await pilot.press("ctrl+s")
            await settle(pilot, app)
            shown = screen_text(app)
            assert "✗ Not quite" in shown
            assert "AssertionError" in shown

    async def test_footers_fit_in_80_columns(self, harness: Harness) -> None:
        harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.FAIL, "['b', 'w']", "['w']")]
        app = harness.app([only(PREDICT)])
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot, app)
            for expected in ("Study", "Quit"):  # home: first and last key both visible
                assert expected in footer_text(app)
            await study(pilot, app)
            assert "Submit" in footer_text(app) and "Undo" in footer_text(app)
            await pilot.press(*"x", "enter")
            await settle(pilot, app)
            footer = footer_text(app)
            assert "Grade" in footer and "Help" in footer, footer


class TestFooterFollowsFocus:
    async def test_typing_hides_letter_keys_and_offers_f_keys(self, harness: Harness) -> None:
        app = harness.app([only(PREDICT)])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await study(pilot, app)
            assert isinstance(screen.focused, Input)
            footer = footer_text(app)
            for gone in ("Bury", "Edit", "Help", "Home"):
                assert gone not in footer, (gone, footer)
            assert "F2 Hint" in footer and "F3 Undo" in footer, footer
            await pilot.press("escape")  # out of the field: letter commands are back
            await pilot.pause()
            footer = footer_text(app)
            assert "- Bury" in footer and "Home" in footer and "? Help" in footer, footer

    async def test_f2_gives_the_hint_without_leaving_the_editor(self, harness: Harness) -> None:
        app = harness.app([only(CODE)])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await study(pilot, app)
            editor = screen.focused
            assert isinstance(editor, TextArea)
            await pilot.press("h")  # types, as in any editor
            await pilot.press("f2")
            await pilot.pause()
            assert editor.text.startswith("hclass")
            assert screen.shown is not None and screen.shown.used_hint
            shown_text = screen_text(app)
            assert "self.register_buffer(name, tensor)" in shown_text
            assert "`self.register_buffer" not in shown_text, "the hint's code shows as code"
            assert screen.focused is editor

    async def test_f3_undoes_the_last_answer_from_a_text_field(self, harness: Harness) -> None:
        app = harness.app([only(FLIP, PREDICT)])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await study(pilot, app)
            await pilot.press("space", "3")
            await settle(pilot, app)
            assert screen.shown is not None and screen.shown.key == PREDICT.key
            assert isinstance(screen.focused, Input)
            await pilot.press("f3")
            await settle(pilot, app)
            assert harness.fake.answers == []
            assert screen.shown.key == FLIP.key


class TestVerdictContent:
    async def test_a_new_verdict_never_shows_the_last_explanation(self, harness: Harness) -> None:
        app = harness.app([only(PREDICT)])
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot, app)
            verdict = Verdict()
            await app.screen.mount(verdict)
            verdict.show(VerdictView(Outcome.PASS, explain="The OLD explanation."))
            await settle(pilot, app)
            assert "The OLD explanation." in screen_text(app)
            verdict.clear()
            verdict.show(VerdictView(Outcome.PASS, explain="The new one."))
            # Parsing the new text takes a moment (a thread): until then nothing stale shows.
            explain = verdict.query_one("#verdict-explain")
            blocks = " ".join(str(getattr(b, "_content", "")) for b in explain.query("*"))
            assert explain.has_class("-empty") or "OLD" not in blocks, blocks
            await pilot.pause()
            assert "The OLD explanation." not in screen_text(app)
            await settle(pilot, app)
            assert "The new one." in screen_text(app)

    async def test_a_passing_code_answer_shows_its_output(self, harness: Harness) -> None:
        run = RunResult(status=RunStatus.OK, stdout="steps: tensor([0.])\n", duration_ms=5.0)
        harness.checker.verdicts[CODE.key] = [Judged(Outcome.PASS, run=run)]
        app = harness.app([only(CODE)])
        async with app.run_test(size=(120, 36)) as pilot:
            await study(pilot, app)
            await pilot.press("ctrl+s")
            await settle(pilot, app)
            shown = screen_text(app)
            assert "✓ Correct" in shown
            assert "steps: tensor([0.])" in shown


EDITED_DECK = textwrap.dedent(
    """\
    schema_version: 1
    id: bundled-one
    title: Bundled
    cards:
      - id: flip-one
        type: flip
        prompt: Why buffers?
        answer: They move with the module.
    """
)


class TestEditBundledDeck:
    async def test_e_offers_a_copy_and_keeps_the_verdict(
        self, tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        bundled = tmp_path / "site-packages" / "quiz" / "decks"
        bundled.mkdir(parents=True)
        (bundled / "one.yaml").write_text(EDITED_DECK, encoding="utf-8")
        monkeypatch.setattr("quiz.tui.screens.study.bundled_decks_dir", lambda: bundled)
        monkeypatch.setattr("quiz.deck.library.bundled_decks_dir", lambda: bundled)
        editor = tmp_path / "editor.py"
        editor.write_text(
            "import pathlib, sys\npath = pathlib.Path(sys.argv[2])\n"
            "path.write_text(path.read_text().replace('Why buffers?', 'Why, really?'))\n",
            encoding="utf-8",
        )
        app = build_app(
            config=AppConfig(editor=f"{sys.executable} {editor}"),
            checker=SandboxChecker(FakeRunner()),
            clock=FrozenClock(),
        )
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await study(pilot, app)
            await pilot.press("space")  # flip: the answer shows, a grade is pending
            await settle(pilot, app)
            assert screen.phase == "judged"
            await pilot.press("e")
            await settle(pilot, app)
            assert isinstance(app.screen, ConfirmScreen)
            assert "bundled" in screen_text(app)
            await pilot.press("y")
            await settle(pilot, app)
            copy = quiz_home / "decks" / "one.yaml"
            assert "Why, really?" in copy.read_text(encoding="utf-8")
            assert "Why buffers?" in (bundled / "one.yaml").read_text(encoding="utf-8")
            assert app.screen is screen and screen.phase == "judged"
            assert screen.query_one(Verdict).is_shown
            await pilot.press("3")  # the pending grade still counts
            await settle(pilot, app)
        from quiz.tui.services import load_real_library

        library = load_real_library([])
        assert [Path(d.path) for d in library.decks if d.id == "bundled-one"] == [copy]
        assert not library.failures, "the copy replaces the bundled deck, no duplicate id"

    async def test_no_keeps_the_bundled_deck_untouched(
        self, tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        bundled = tmp_path / "decks"
        bundled.mkdir()
        (bundled / "one.yaml").write_text(EDITED_DECK, encoding="utf-8")
        monkeypatch.setattr("quiz.tui.screens.study.bundled_decks_dir", lambda: bundled)
        monkeypatch.setattr("quiz.deck.library.bundled_decks_dir", lambda: bundled)
        app = build_app(
            config=AppConfig(editor="false"),
            checker=SandboxChecker(FakeRunner()),
            clock=FrozenClock(),
        )
        async with app.run_test(size=(120, 36)) as pilot:
            await study(pilot, app)
            await pilot.press("e")
            await settle(pilot, app)
            await pilot.press("n")
            await settle(pilot, app)
            assert isinstance(app.screen, StudyScreen)
            assert not (quiz_home / "decks").exists()


class TestLayoutAt80Columns:
    async def test_custom_study_buttons_are_on_screen(self, harness: Harness) -> None:
        app = harness.app()
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot, app)
            await pilot.press("c")
            await settle(pilot, app)
            dialog = app.screen.query_one("#custom")
            for button in app.screen.query(Button):
                assert dialog.content_region.contains_region(button.region), button.id
            above_footer = "\n".join(screen_text(app).splitlines()[:-1])
            assert "Start  ^s" in above_footer and "Cancel" in above_footer

    async def test_a_long_deck_title_leaves_the_counts_on_screen(self, harness: Harness) -> None:
        from dataclasses import replace

        from quiz.deck.model import Text as DeckText

        title = "torch.compile, functional calls, parametrizations and hook traps"
        deck = replace(only(PREDICT), title=DeckText({"en": title}))
        app = harness.app([deck])
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot, app)
            header = next(r for r in screen_text(app).splitlines() if "Deck" in r)
            assert header.rstrip().endswith("Due"), header
            row = next(r for r in screen_text(app).splitlines() if "torch.compile" in r)
            assert row.rstrip().endswith("0"), row

    def test_hang_indents_continuation_lines(self) -> None:
        lines = hang(Content("› [ ] 1. a very long option text that goes on"), 20, 9)
        assert [line.plain for line in lines] == [
            "› [ ] 1. a very long",
            "         option text",
            "         that goes",
            "         on",
        ]

    async def test_long_options_and_code_wrap_under_their_text(self, harness: Harness) -> None:
        long = "plain tensor attributes, which the module does not register anywhere at all"
        from dataclasses import replace

        from quiz.deck.model import ChoiceOption
        from quiz.deck.model import Text as DeckText

        card = replace(
            CHOICE,
            options=(*CHOICE.options[:2], ChoiceOption(DeckText({"en": long}))),
            code="x = some_function_with_a_long_name(first_argument, second_argument, third)",
        )
        app = harness.app([only(card)])
        async with app.run_test(size=(50, 30)) as pilot:
            screen = await study(pilot, app)
            width = screen.query_one(ChoiceList).content_size.width
            text = screen_text(app)
            assert width < len(long)
            assert "\n" in text
            # The third option wraps: its second line starts under the text, past "› [ ] 3. ".
            rows = text.splitlines()
            first = next(i for i, row in enumerate(rows) if "3. plain tensor" in row)
            start = rows[first].index("3. plain") + len("3. ")
            assert (
                rows[first + 1][:start].strip() == "" and rows[first + 1][start : start + 1] != " "
            )
            block = screen.query_one("#study-code", CodeBlock)
            lines = [line.plain for line in block._lines(block.content_size.width)]
            assert len(lines) > 1 and lines[0].startswith("x =")
            assert all(line.startswith("    ") for line in lines[1:]), lines


def test_emphasis_right_before_hangul_renders() -> None:
    html = deck_parser().renderInline("**`state_dict`**에는 버퍼가 있어요")
    assert "<strong><code>state_dict</code></strong>에는" in html
    assert "*" not in html
    assert deck_parser().renderInline("2*3*4 and *a*b") == "2<em>3</em>4 and <em>a</em>b"


class TestStore:
    async def test_buried_card_shows_as_buried_in_browse(self, harness: Harness) -> None:
        app = harness.app([only(FLIP, PREDICT)])
        async with app.run_test(size=(120, 36)) as pilot:
            await study(pilot, app)
            await pilot.press("minus")
            await settle(pilot, app)
            await pilot.press("escape", "escape")
            await settle(pilot, app)
            await pilot.press("b")
            await settle(pilot, app)
            row = next(r for r in screen_text(app).splitlines() if FLIP.id in r)
            assert "buried" in row and "new" not in row, row

    async def test_home_warns_when_reviews_cannot_be_saved(self, harness: Harness) -> None:
        harness.engine.read_only = "the folder /x is read-only"
        app = harness.app()
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot, app)
            text = screen_text(app)
            assert "Reviews cannot be saved" in text and "read-only" in text

    async def test_a_store_that_cannot_open_leaves_only_working_keys(
        self, harness: Harness, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from quiz.errors import DatabaseDamaged

        def damaged(decks: object) -> None:
            raise DatabaseDamaged("the database at /x/quiz.db is damaged")

        monkeypatch.setattr(harness.engine, "collection", damaged)
        app = harness.app()
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot, app)
            assert "is damaged" in screen_text(app)
            footer = footer_text(app)
            assert "Study" not in footer and "Browse" not in footer, footer
            assert "Quit" in footer and "Help" in footer

    async def test_a_locked_store_keeps_the_answer_and_retries(
        self, harness: Harness, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("quiz.tui.screens.study_flow.RETRY_SECONDS", 1.5)
        app = harness.app([only(FLIP, PREDICT)])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await study(pilot, app)
            fake = harness.fake
            real_answer = fake.answer
            failures = [StoreBusy("the database is locked by another program")]

            def flaky(*args: Any, **kwargs: Any) -> None:
                if failures:
                    raise failures.pop()
                real_answer(*args, **kwargs)

            monkeypatch.setattr(fake, "answer", flaky)
            await pilot.press("space", "4")
            await settle(pilot, app)
            assert screen.shown is not None and screen.shown.key == FLIP.key
            assert screen.phase == "judged"
            assert "Not saved yet" in screen_text(app) and "locked" in screen_text(app)
            await pilot.pause(2.0)  # the retry timer fires and the store takes it
            await settle(pilot, app)
            assert [(a.key, a.rating) for a in fake.answers] == [(FLIP.key, Rating.Easy)]
            assert screen.shown.key == PREDICT.key

    async def test_a_read_only_store_says_the_answer_was_not_saved(
        self, harness: Harness, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        app = harness.app([only(FLIP, PREDICT)])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await study(pilot, app)

            def refuse(*args: Any, **kwargs: Any) -> None:
                raise StoreReadOnly("the folder /x is read-only")

            monkeypatch.setattr(harness.fake, "answer", refuse)
            await pilot.press("space", "3")
            await settle(pilot, app)
            # Kept on screen with the reason: moving on would drop it without a word.
            assert screen.shown is not None and screen.shown.key == FLIP.key
            assert screen.phase == "judged"
            text = screen_text(app)
            assert "Not saved" in text and "read-only" in text


class TestPreview:
    def test_answer_and_explanation_render_inline_code(self) -> None:
        from quiz.deck.model import Text as DeckText
        from quiz.tui.preview_card import answer_key

        card = replace_card(
            FLIP,
            answer_text=DeckText({"en": "So it moves with `.to()`."}),
            explain=DeckText({"en": "Buffers are in the `state_dict`."}),
        )
        key = answer_key(card, "en")
        assert "`" not in key.plain
        assert "So it moves with .to()." in key.plain and "in the state_dict." in key.plain

    async def test_a_broken_file_never_counts_proven_cards(self, tmp_path: Path) -> None:
        from quiz.tui.preview import PreviewApp
        from tests.tui.test_preview import DECK, PRINTS_TWO, checks_done, text

        path = tmp_path / "deck.yaml"
        path.write_text(DECK, encoding="utf-8")
        app = PreviewApp(path, runner=FakeRunner(PRINTS_TWO))
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await checks_done(app)
            await pilot.pause()
            assert "1 proven" in text(app, "#preview-status")
            path.write_text(DECK.replace("prompt: Why?", "promt: Why?"), encoding="utf-8")
            app.action_recheck()
            await pilot.pause()
            await checks_done(app)
            await pilot.pause()
            status = text(app, "#preview-status")
            assert "proven" not in status and "problems" in status, status


def replace_card(card: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(card, **changes)
