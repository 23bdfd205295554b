"""`quiz anki import`: a collection built and exported by the official `anki` library itself
(Basic, reversed, Cloze with media, tags, reviews) comes back as a valid deck of flip cards."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions

from quiz.cli import main
from quiz.deck.fields import SLUG_PATTERN
from quiz.interop.anki_import import slugify
from quiz.srs.store import Store

CLOZE_TEXT = (
    '{{{{c1::state_dict}}}} returns an {{{{c2::OrderedDict::type}}}}<br><img src="{media}">'
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


class Built:
    """What the test put into the Anki collection, to compare the import with."""

    def __init__(self) -> None:
        self.guids: dict[str, str] = {}  # label -> note guid
        self.eases: dict[str, list[int]] = {}  # quiz card id -> ratings, in order


def _build(folder: Path) -> tuple[Path, Path, Built]:
    """An Anki collection made with anki, exported as .apkg (one deck) and .colpkg (all)."""
    folder.mkdir()
    built = Built()
    col = Collection(str(folder / "source.anki2"))
    try:
        deck = col.decks.id("Torch basics")
        other = col.decks.id("Other")
        assert deck is not None and other is not None
        (folder / "dot.png").write_bytes(PNG)
        media = col.media.add_file(str(folder / "dot.png"))

        def add(kind: str, label: str, fields: dict[str, str], tags: list[str], did: int) -> int:
            note = col.new_note(col.models.by_name(kind))  # type: ignore[arg-type]
            for name, value in fields.items():
                note[name] = value
            note.tags = tags
            col.add_note(note, did)  # type: ignore[arg-type]
            built.guids[label] = note.guid
            return int(note.id)

        basic = add(
            "Basic",
            "basic",
            {
                "Front": "What does <code>nn.Parameter</code> do?",
                "Back": "Registers a tensor<br>as a <b>parameter</b>",
            },
            ["torch", "Module::Params"],
            deck,
        )
        reversed_ = add(
            "Basic (and reversed card)",
            "reversed",
            {"Front": "buffer", "Back": "state that is <i>saved</i> but not trained"},
            ["torch"],
            deck,
        )
        cloze = add(
            "Cloze",
            "cloze",
            {"Text": CLOZE_TEXT.format(media=media)},
            [],
            deck,
        )
        add("Basic (type in the answer)", "typed", {"Front": "2 + 2", "Back": "4"}, [], deck)
        add("Basic", "empty-back", {"Front": "no answer here", "Back": ""}, [], deck)
        add("Basic", "elsewhere", {"Front": "in another deck", "Back": "yes"}, [], other)

        def answer(note_id: int, ord_: int, eases: list[int], quiz_id: str) -> None:
            card = next(c for c in col.get_note(note_id).cards() if c.ord == ord_)  # type: ignore[arg-type]
            for ease in eases:
                card = col.get_card(card.id)
                card.start_timer()
                col.sched.answerCard(card, ease)  # type: ignore[arg-type]
            built.eases[quiz_id] = eases

        base = {label: slugify(guid) for label, guid in built.guids.items()}
        answer(basic, 0, [3, 3], base["basic"])
        answer(reversed_, 1, [1], base["reversed"] + "-card-2")
        answer(cloze, 0, [4], base["cloze"])
        # A "set due date" is a revlog entry too, but not a review: it must not become one.
        col.sched.set_due_date([next(iter(col.get_note(cloze).card_ids()))], "0")  # type: ignore[arg-type]

        apkg = folder / "torch.apkg"
        options = ExportAnkiPackageOptions(with_scheduling=True, with_media=True)
        col.export_anki_package(out_path=str(apkg), options=options, limit=DeckIdLimit(deck))  # type: ignore[arg-type]
        colpkg = folder / "everything.colpkg"
        col.export_collection_package(str(colpkg), include_media=True, legacy=False)
    finally:
        col.close()
    return apkg, colpkg, built


@pytest.fixture
def packages(tmp_path: Path) -> tuple[Path, Path, Built]:
    return _build(tmp_path / "anki")


def _import(package: Path, out: Path, *extra: str) -> int:
    return main(["anki", "import", str(package), "-o", str(out), *extra])


def _cards(path: Path) -> dict[str, dict[str, object]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {card["id"]: card for card in document["cards"]}


def test_apkg_becomes_flip_cards_with_media_tags_and_a_listing(
    packages: tuple[Path, Path, Built], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apkg, _, built = packages
    out = tmp_path / "deck" / "torch-basics.yaml"
    out.parent.mkdir()
    assert _import(apkg, out) == 0
    captured = capsys.readouterr()
    assert "wrote 6 flip cards" in captured.out and "1 media files" in captured.out
    assert "not converted: note" in captured.err and "its back is empty" in captured.err
    assert "tag 'Module::Params' became 'module-params'" in captured.err
    assert "a typed answer became a self-graded flip card" in captured.err

    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert document["id"] == "torch-basics" and document["title"] == "Torch basics"
    cards = _cards(out)
    assert all(re.match(SLUG_PATTERN, card_id) for card_id in cards)
    base = {label: slugify(guid) for label, guid in built.guids.items()}
    assert set(cards) == {
        base["basic"],
        base["reversed"],
        base["reversed"] + "-card-2",
        base["cloze"],
        base["cloze"] + "-c2",
        base["typed"],
    }
    basic = cards[base["basic"]]
    assert basic["type"] == "flip"
    assert basic["prompt"] == "What does `nn.Parameter` do?"
    assert basic["answer"] == "Registers a tensor\\\nas a **parameter**"
    assert basic["tags"] == ["module-params", "torch"]
    forward, backward = cards[base["reversed"]], cards[base["reversed"] + "-card-2"]
    assert (forward["prompt"], forward["answer"]) == (
        "buffer",
        "state that is *saved* but not trained",
    )
    assert (backward["prompt"], backward["answer"]) == (forward["answer"], forward["prompt"])
    assert forward["group"] == backward["group"] == base["reversed"]  # siblings: not the same day
    typed = cards[base["typed"]]
    assert (typed["prompt"], typed["answer"]) == ("2 + 2", "4")

    first, second = cards[base["cloze"]], cards[base["cloze"] + "-c2"]
    image = "![](torch-basics-media/dot.png)"
    assert first["prompt"] == f"**\\[...\\]** returns an OrderedDict\\\n{image}"
    assert first["answer"] == f"**state_dict** returns an OrderedDict\\\n{image}"
    assert second["prompt"] == f"state_dict returns an **\\[type\\]**\\\n{image}"
    assert (out.parent / "torch-basics-media" / "dot.png").read_bytes() == PNG
    assert "in another deck" not in out.read_text(encoding="utf-8")  # the .apkg held one deck

    assert main(["check", "--no-cache", str(out)]) == 0


def test_history_becomes_quiz_reviews_once(
    packages: tuple[Path, Path, Built], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apkg, _, built = packages
    out = tmp_path / "torch-basics.yaml"
    assert _import(apkg, out, "--with-history") == 0
    printed = capsys.readouterr().out
    assert "imported 4 Anki reviews (0 already in the log; 1 reschedulings skipped)" in printed
    with Store.open() as store:
        for card_id, eases in built.eases.items():
            key = f"torch-basics/{card_id}"
            assert [e.rating for e in store.events(key)] == eases, key
            assert store.card(key, "torch-basics").reps == len(eases)
        assert store.card(f"torch-basics/{slugify(built.guids['typed'])}", "torch-basics").reps == 0

    assert _import(apkg, out, "--with-history", "--force") == 0
    assert "imported 0 Anki reviews (4 already in the log" in capsys.readouterr().out


def test_colpkg_and_deck_filter(
    packages: tuple[Path, Path, Built], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apkg, colpkg, built = packages
    from_apkg, everything, only = (tmp_path / d / "torch.yaml" for d in ("a", "all", "only"))
    for path in (from_apkg, everything, only):
        path.parent.mkdir()
    assert _import(apkg, from_apkg) == 0
    assert _import(colpkg, everything) == 0
    assert slugify(built.guids["elsewhere"]) in _cards(everything)
    assert _import(colpkg, only, "--deck", "Torch basics") == 0
    assert _cards(only) == _cards(from_apkg)  # same ids and text from either package kind
    capsys.readouterr()
    assert _import(colpkg, tmp_path / "c.yaml", "--deck", "Nope") == 2
    assert "no deck named 'Nope'" in capsys.readouterr().err


def test_clear_errors_instead_of_tracebacks(
    packages: tuple[Path, Path, Built],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    apkg, _, _ = packages
    out = tmp_path / "x.yaml"
    out.write_text("keep me", encoding="utf-8")
    assert _import(apkg, out) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me"

    assert _import(tmp_path / "missing.apkg", tmp_path / "y.yaml") == 2
    assert "no such file" in capsys.readouterr().err
    not_anki = tmp_path / "junk.apkg"
    not_anki.write_bytes(b"not a zip")
    assert _import(not_anki, tmp_path / "y.yaml") == 2
    assert "Anki cannot read it" in capsys.readouterr().err

    monkeypatch.setitem(sys.modules, "anki.collection", None)  # as if the extra were missing
    assert _import(apkg, tmp_path / "z.yaml") == 2
    err = capsys.readouterr().err
    assert "pip install 'quiz[anki]'" in err and "Traceback" not in err
