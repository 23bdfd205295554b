"""The bundled decks exported for real: every card proven in the sandbox, the package opened by
the official `anki` library, every predict back equal to what `quiz exec` prints for its code.

One sandbox pool for the module, one export of every bundled deck (CPU is scarce in CI)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from anki.collection import Collection

from quiz.deck import vary
from quiz.deck.library import expand, load_library
from quiz.deck.model import CardType, Deck, Text
from quiz.deck.requires import installed_version, unmet
from quiz.interop.export import VARY_LIMIT, ExportedNote, ExportPlan, plan_export, write_package
from quiz.paths import bundled_decks_dir
from quiz.sandbox.pool import SandboxPool
from quiz.sandbox.protocol import RunRequest, Segment
from tests.interop.ankitools import collection, import_apkg, notes, predict_back


@dataclass(frozen=True)
class Exported:
    decks: list[Deck]
    plan: ExportPlan
    package: Path
    col: Collection
    new_notes: int
    ledger: Path


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2, memory_mb=1024) as warm:
        yield warm


@pytest.fixture(scope="module")
def exported(pool: SandboxPool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    folder = tmp_path_factory.mktemp("bundled-export")
    library = load_library(expand([bundled_decks_dir()]))
    assert not library.failures
    started = time.perf_counter()
    plan = asyncio.run(plan_export(library.decks, pool))
    print(f"\nexported {len(plan.notes)} notes in {time.perf_counter() - started:.1f} s")
    package = folder / "bundled.apkg"
    # Written a minute in the past, so the re-export below is newer, as a later export is.
    ledger = folder / "ledger.json"
    write_package(
        library.decks, plan.notes, package, "en", timestamp=time.time() - 60, ledger=ledger
    )
    with collection(folder / "anki") as col:
        log = import_apkg(col, package)
        yield Exported(library.decks, plan, package, col, len(log.new), ledger)


def test_every_bundled_card_is_proven_and_becomes_notes(exported: Exported) -> None:
    assert [str(f) for f in exported.plan.failures] == []
    versions = {"torch": installed_version("torch")}
    expected = sum(
        min(vary.combination_count(card), VARY_LIMIT)
        for deck in exported.decks
        for card in deck.cards
        if not unmet(dict(deck.requires), versions) + unmet(dict(card.requires), versions)
    )
    assert len(exported.plan.notes) == expected
    assert exported.new_notes == expected
    assert len(exported.col.find_notes("")) == expected
    names = {name for name in (d.name for d in exported.col.decks.all_names_and_ids())}
    assert {f"quiz::{deck.title.get()}" for deck in exported.decks} <= names
    cloze_notes = [n for n in exported.plan.notes if n.card.type is CardType.CLOZE]
    assert cloze_notes and all(n.content.cloze for n in cloze_notes)


def _exec_request(deck: Deck, note: ExportedNote) -> RunRequest:
    """The request `quiz exec FILE.py` makes for a file holding the deck setup and the card code."""
    source = f"{deck.setup}\n{note.card.code}"
    return RunRequest((Segment("card.py", source),), timeout=5.0)


def test_every_predict_back_is_what_quiz_exec_prints(exported: Exported, pool: SandboxPool) -> None:
    by_guid = notes(exported.col)
    decks = {deck.id: deck for deck in exported.decks}
    predicts = [n for n in exported.plan.notes if n.card.type is CardType.PREDICT]
    assert predicts

    async def run_all() -> list[tuple[str, str | None]]:
        results = await asyncio.gather(
            *(pool.arun(_exec_request(decks[n.deck_id], n)) for n in predicts)
        )
        return [(r.stdout if r.ok else "", None if r.ok else r.exception) for r in results]

    for note, shown in zip(predicts, asyncio.run(run_all()), strict=True):
        assert predict_back(by_guid[note.guid]["Back"]) == shown, note.card.key


def test_the_quiz_exec_command_itself_agrees(exported: Exported, tmp_path: Path) -> None:
    decks = {deck.id: deck for deck in exported.decks}
    note = next(
        n for n in exported.plan.notes if n.card.type is CardType.PREDICT and n.card.instance
    )
    source = tmp_path / "card.py"
    source.write_text(f"{decks[note.deck_id].setup}\n{note.card.code}", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "quiz", "exec", str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    back = notes(exported.col)[note.guid]["Back"]
    assert proc.returncode == 0, proc.stderr
    assert predict_back(back) == (proc.stdout, None)


def test_reexport_after_editing_one_explain_updates_that_note_only(
    exported: Exported, pool: SandboxPool, tmp_path: Path
) -> None:
    deck = next(d for d in exported.decks if d.id == "module-basics")
    target = next(c for c in deck.cards if not c.vary and c.explain is not None)
    edited = replace(target, explain=Text.plain("Edited after the first export."))
    deck = replace(deck, cards=tuple(edited if c.id == target.id else c for c in deck.cards))
    plan = asyncio.run(plan_export([deck], pool))
    assert plan.failures == []
    package = tmp_path / "again.apkg"
    write_package([deck], plan.notes, package, "en", ledger=exported.ledger)

    before = len(exported.col.find_notes(""))
    log = import_apkg(exported.col, package)
    assert len(log.new) == 0
    (updated,) = log.updated
    assert len(log.duplicate) == len(plan.notes) - 1
    note = exported.col.get_note(updated.id.nid)  # type: ignore[arg-type]
    assert note["Source"] == target.key
    assert "Edited after the first export." in note["Extra"]
    assert len(exported.col.find_notes("")) == before
