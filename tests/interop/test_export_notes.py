"""`quiz anki export` without the sandbox: torch-free cards run in-process (ExecRunner), and the
package is opened with the official `anki` library to see what Anki sees."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from quiz.cli import main
from quiz.deck import vary
from quiz.deck.model import Deck
from quiz.interop import export
from quiz.interop.export import VARY_LIMIT, note_guid, plan_export, write_package
from tests.deck.fakes import ExecRunner
from tests.deck.helpers import deck_from
from tests.interop.ankitools import collection, import_apkg, notes, predict_back

DECK_YAML = """\
schema_version: 1
id: plain
title: {en: Plain Python, ko: 순수 파이썬}
description: Cards that need no torch.
cards:
  - id: sum-prints
    type: predict
    tags: [arith, printing]
    code: |
      x = 2 + 3
      print(x, "<b>")
    explain: {en: Two plus three., ko: 둘 더하기 셋.}
    refs: [https://docs.python.org/3/library/functions.html#print]
  - id: divide-by-zero
    type: predict
    code: 1 / 0
    answer: ZeroDivisionError
  - id: which-are-even
    type: choice
    prompt: Which are even?
    code: values = [1, 2, 4]
    options:
      - {text: "`values[0]`", truth: "values[0] % 2 == 0"}
      - {text: "`values[1]`", truth: "values[1] % 2 == 0"}
      - {text: "`values[2]`", truth: "values[2] % 2 == 0"}
  - id: fill-the-call
    type: cloze
    code: |
      print({{len::a builtin}}([1, 2]), "a::b")
  - id: write-double
    type: code
    prompt: Write `double(x)`.
    starter: |
      def double(x):
          pass
    solution: |
      def double(x):
          return 2 * x
    check: assert double(4) == 8
  - id: what-is-a-list
    type: flip
    prompt: {en: What is a list?, ko: 리스트란?}
    answer: A mutable sequence.
    vary: {a: [1, 2, 3, 4, 5], b: [1, 2, 3, 4, 5]}
"""

WRONG_YAML = """\
schema_version: 1
id: wrong
title: Wrong
cards:
  - id: claims-four
    type: predict
    code: print(2 + 3)
    answer: "4"
  - id: fine
    type: flip
    prompt: Fine?
    answer: Yes.
"""


def _deck(text: str = DECK_YAML) -> Deck:
    return deck_from(text)


def _plan(deck: Deck, lang: str = "en") -> export.ExportPlan:
    return asyncio.run(plan_export([deck], ExecRunner(), lang=lang))


def _by_card(plan: export.ExportPlan) -> dict[str, list[export.ExportedNote]]:
    found: dict[str, list[export.ExportedNote]] = {}
    for note in plan.notes:
        found.setdefault(note.card.id, []).append(note)
    return found


def test_each_card_type_becomes_the_note_anki_shows(tmp_path: Path) -> None:
    deck = _deck()
    plan = _plan(deck)
    assert plan.failures == [] and plan.skipped == []
    package = tmp_path / "plain.apkg"
    assert write_package([deck], plan.notes, package, "en") == len(plan.notes)
    with collection(tmp_path / "anki") as col:
        log = import_apkg(col, package)
        assert len(log.new) == len(plan.notes)
        by_guid = notes(col)
        by_card = _by_card(plan)

        predict = by_guid[by_card["sum-prints"][0].guid]
        assert predict_back(predict["Back"]) == ("5 <b>\n", None)  # escaped, shown exactly
        assert '<pre class="quiz-code">' in predict["Front"]
        assert "<span style=" in predict["Front"]  # highlighted with inline styles
        assert "Two plus three." in predict["Extra"]
        assert "https://docs.python.org/3/library/functions.html#print" in predict["Extra"]
        assert sorted(predict.tags) == ["arith", "printing"]
        assert predict.note_type()["name"] == "quiz (code)"  # type: ignore[index]

        raised = by_guid[by_card["divide-by-zero"][0].guid]
        assert predict_back(raised["Back"]) == ("", "ZeroDivisionError")

        choice = by_guid[by_card["which-are-even"][0].guid]
        assert choice["Front"].count("<li ") == 3
        assert '<li value="2">' in choice["Back"] and '<li value="3">' in choice["Back"]
        assert '<li value="1">' not in choice["Back"]

        code = by_guid[by_card["write-double"][0].guid]
        assert "Starting from" in code["Front"] and "pass" in code["Front"]
        assert "return" in code["Back"] and "assert" not in code["Back"]

        cloze_note = by_guid[by_card["fill-the-call"][0].guid]
        assert cloze_note.note_type()["name"] == "quiz (cloze)"  # type: ignore[index]
        assert "{{c1::len::a builtin}}" in cloze_note["Text"]
        assert "QZBLANK" not in cloze_note["Text"]
        (card,) = cloze_note.cards()  # every blank is one deletion: one card, as quiz asks it
        assert "[a builtin]" in card.question()
        assert "a&#58;&#58;b" not in card.question()  # only fills are entity-escaped
        assert ">len<" in card.answer()


def test_predict_back_is_the_run_not_the_yaml_claim() -> None:
    # The claim holds under `auto` matching (equal as Python literals) but is not the output.
    deck = _deck(
        DECK_YAML.replace(
            "    code: 1 / 0\n    answer: ZeroDivisionError\n",
            '    code: print([1, 2])\n    answer: "[1,2]"\n',
        )
    )
    outputs = {n.card.id: n.content.back for n in _plan(deck).notes}
    assert predict_back(outputs["divide-by-zero"]) == ("[1, 2]\n", None)


def test_vary_cards_export_a_seeded_sample_past_the_cap() -> None:
    deck = _deck()
    card = deck.card("what-is-a-list")
    assert card is not None and vary.combination_count(card) == 25 > VARY_LIMIT
    first = [n.guid for n in _by_card(_plan(deck))["what-is-a-list"]]
    again = [n.guid for n in _by_card(_plan(deck))["what-is-a-list"]]
    assert len(first) == VARY_LIMIT == len(set(first))
    assert first == again
    expected = [note_guid(vary.instantiate(card, b)) for b in vary.sample(card, VARY_LIMIT)]
    assert first == expected


def test_guids_follow_the_card_key_not_its_text_or_language() -> None:
    english = {n.card.key: n.guid for n in _plan(_deck()).notes if not n.card.instance}
    korean_plan = _plan(_deck(), lang="ko")
    korean = {n.card.key: n.guid for n in korean_plan.notes if not n.card.instance}
    edited = _deck(DECK_YAML.replace("Two plus three.", "Five."))
    changed = {n.card.key: n.guid for n in _plan(edited).notes if not n.card.instance}
    assert english == korean == changed
    flip = next(n for n in korean_plan.notes if n.card.id == "what-is-a-list")
    assert "리스트란?" in flip.content.front
    assert export.anki_deck_name(_deck(), "ko") == "quiz::순수 파이썬"


def test_reexport_updates_only_the_edited_note(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.json"
    first = tmp_path / "first.apkg"
    deck = _deck()
    plan = _plan(deck)
    write_package([deck], plan.notes, first, "en", timestamp=1_700_000_000, ledger=ledger)
    edited = _deck(DECK_YAML.replace("Two plus three.", "Five by addition."))
    again = tmp_path / "again.apkg"
    write_package(
        [edited], _plan(edited).notes, again, "en", timestamp=1_700_000_100, ledger=ledger
    )
    with collection(tmp_path / "anki") as col:
        assert len(import_apkg(col, first).new) == len(plan.notes)
        log = import_apkg(col, again)
        assert len(log.new) == 0
        (updated,) = log.updated
        assert len(log.duplicate) == len(plan.notes) - 1
        note = col.get_note(updated.id.nid)  # type: ignore[arg-type]
        assert note["Source"] == "plain/sum-prints" and "Five by addition." in note["Extra"]
        # Without the ledger (a fresh cache) every note is newer: rewritten, still none added.
        write_package([edited], _plan(edited).notes, again, "en", ledger=tmp_path / "fresh.json")
        log = import_apkg(col, again)
        assert len(log.new) == 0 and len(log.updated) == len(plan.notes)


def test_a_failing_card_is_not_exported_and_the_command_says_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deck_file = tmp_path / "wrong.yaml"
    deck_file.write_text(WRONG_YAML, encoding="utf-8")
    runner = ExecRunner()
    runner.size = 1  # type: ignore[attr-defined]
    monkeypatch.setattr("quiz.sandbox.pool.shared_pool", lambda: runner)
    out = tmp_path / "wrong.apkg"

    assert main(["anki", "export", str(deck_file), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "wrong/claims-four" in err and "claims '4'" in err
    assert "1 card(s) fail their check; nothing written" in err
    assert not out.exists()

    assert main(["anki", "export", str(deck_file), "-o", str(out), "--skip-failing"]) == 0
    captured = capsys.readouterr()
    assert "wrote 1 notes (1 cards, 1 decks)" in captured.out
    with collection(tmp_path / "anki") as col:
        import_apkg(col, out)
        assert [n["Source"] for n in notes(col).values()] == ["wrong/fine"]


def test_export_refuses_a_deck_that_does_not_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\nid: Not A Slug\ntitle: x\ncards: []\n", encoding="utf-8")
    assert main(["anki", "export", str(broken), "-o", str(tmp_path / "x.apkg")]) == 2
    assert "broken.yaml" in capsys.readouterr().err
    assert main(["anki", "export", str(broken), "-o", str(tmp_path / "x.zip")]) == 2
    assert "must be an .apkg file" in capsys.readouterr().err


def test_proving_and_reading_a_card_share_one_run_per_request() -> None:
    runner = ExecRunner()
    deck = _deck()
    asyncio.run(plan_export([deck], runner))
    assert len(runner.requests) == len(set(runner.requests))
    predict_runs = [r for r in runner.requests if "print(x" in r.segments[-1].source]
    assert len(predict_runs) == 1  # verify_card's run also gave the note its back


def test_the_language_comes_from_either_lang_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deck_file = tmp_path / "plain.yaml"
    deck_file.write_text(DECK_YAML, encoding="utf-8")
    runner = ExecRunner()
    runner.size = 1  # type: ignore[attr-defined]
    monkeypatch.setattr("quiz.sandbox.pool.shared_pool", lambda: runner)
    for argv in (["--lang", "ko", "anki", "export"], ["anki", "export", "--lang", "ko"]):
        out = tmp_path / "ko.apkg"
        assert main([*argv, str(deck_file), "-o", str(out)]) == 0
        with collection(tmp_path / f"anki-{len(argv[0])}") as col:
            import_apkg(col, out)
            assert "quiz::순수 파이썬" in {d.name for d in col.decks.all_names_and_ids()}
    assert main(["anki", "export", "--lang", "xx", str(deck_file), "-o", str(out)]) == 2
    assert "not an ISO 639-1 language code" in capsys.readouterr().err


def test_an_exported_package_imports_back_as_flip_cards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck()
    plan = _plan(deck)
    package = tmp_path / "plain.apkg"
    write_package([deck], plan.notes, package, "en", ledger=tmp_path / "ledger.json")
    out = tmp_path / "back" / "plain-again.yaml"
    out.parent.mkdir()
    assert main(["anki", "import", str(package), "-o", str(out)]) == 0
    capsys.readouterr()
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert document["title"] == "quiz::Plain Python"
    assert len(document["cards"]) == len(plan.notes)
    sums = [c for c in document["cards"] if "plain/sum-prints" in c["answer"]]
    assert len(sums) == 1
    assert sums[0]["prompt"].endswith('```\nx = 2 + 3\nprint(x, "<b>")\n```')
    assert sums[0]["answer"].startswith("```\n5 <b>\n```\n\nTwo plus three.")
    assert sums[0]["tags"] == ["arith", "printing"]
    assert main(["check", "--no-cache", str(out)]) == 0
