"""The bundled decks: every card proven by `quiz check --strict`, and the shape issues 6 and 13
promise.

Counts, the type mix, `vary` use, Korean coverage, the Korean glossary and sibling groups are
product requirements: a deck edit that breaks one of them fails the build like any other
regression.

Two rules are decided here, since a test cannot read meaning:
- A `group` says its cards test one fact. Structurally that means every card of a group shares a
  tag with every other (a common subject), and a group has at least two cards across all decks
  (a lone member is a typo in a group id, e.g. a misspelt `other-deck/slug`).
- The glossary's forbidden variants are read from the "PyTorch terms" table of
  docs/glossary-ko.md (the "App terms" table is about the app's screens, whose everyday words
  such as 이전 or 시간 decks need). A variant with a parenthesised condition ("모델 (when the
  text means a module)") depends on meaning and is left to reviewers, and so is one that another
  row uses as its term. A variant is found where a word starts (particles may follow it); a
  forbidden verb (`얼리다`) in its conjugated forms too (`얼린`, `얼려요`). Code spans are not
  Korean text and are not searched.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz.deck.library import discover, load_library
from quiz.deck.model import Card, CardType, Deck, Text
from quiz.deck.requires import installed_version
from quiz.deck.verify import unproven
from quiz.paths import bundled_decks_dir

MINIMUM_CARDS = {
    "tensor-parameter-buffer": 40,
    "hooks": 40,
    "containers": 25,
    "module-basics": 20,
    "state-dict": 15,
    "autograd-basics": 20,
}
TOTAL_CARDS = 266
CODE_OR_CLOZE_SHARE = 0.35
PREDICT_SHARE = 0.30
VARY_CARDS = 25
LANG = "ko"
GLOSSARY = Path(__file__).resolve().parent.parent / "docs" / "glossary-ko.md"
GLOSSARY_SECTION = "PyTorch terms"


@pytest.fixture(scope="module")
def decks() -> dict[str, Deck]:
    library = load_library(discover([], bundled=True, user=False))
    problems = [str(p) for load in library.failures for p in load.problems]
    assert not problems, "\n".join(problems)
    return {deck.id: deck for deck in library.decks}


@pytest.fixture(scope="module")
def cards(decks: dict[str, Deck]) -> list[Card]:
    return [card for deck in decks.values() for card in deck.cards]


# -- size and mix ----------------------------------------------------------------------------


def test_every_promised_deck_has_its_cards(decks: dict[str, Deck]) -> None:
    for deck_id, minimum in MINIMUM_CARDS.items():
        assert deck_id in decks, f"missing deck {deck_id}"
        assert len(decks[deck_id].cards) >= minimum, deck_id


def test_total_cards(cards: list[Card]) -> None:
    assert len(cards) >= TOTAL_CARDS, f"{len(cards)} cards, at least {TOTAL_CARDS} promised"


def test_code_or_cloze_share(cards: list[Card]) -> None:
    kinds = Counter(card.type for card in cards)
    share = (kinds[CardType.CODE] + kinds[CardType.CLOZE]) / len(cards)
    assert share >= CODE_OR_CLOZE_SHARE, f"{share:.1%} code or cloze: {dict(kinds)}"


def test_predict_share(cards: list[Card]) -> None:
    kinds = Counter(card.type for card in cards)
    share = kinds[CardType.PREDICT] / len(cards)
    assert share >= PREDICT_SHARE, f"{share:.1%} predict: {dict(kinds)}"


def test_vary_count(cards: list[Card]) -> None:
    count = sum(1 for card in cards if card.vary)
    assert count >= VARY_CARDS, f"{count} cards with vary, at least {VARY_CARDS} promised"


def test_every_card_explains_and_links_the_docs(cards: list[Card]) -> None:
    for card in cards:
        assert card.explain is not None and card.explain.get().strip(), card.key
        assert card.refs, card.key
        assert all(ref.startswith("https://") for ref in card.refs), card.key


# -- every answer proven ---------------------------------------------------------------------


def test_every_answer_is_established_by_execution(cards: list[Card]) -> None:
    """The static half of `quiz check --strict`, without a sandbox: no card is proven only by
    its author's word (a flip without proof, a choice without truths or proof)."""
    found = [f"{card.key}: {why}" for card in cards if (why := unproven(card)) is not None]
    assert not found, f"{len(found)} cards not proven by execution:\n" + "\n".join(found)


@pytest.mark.slow
@pytest.mark.timeout(900)  # every card of every deck, proofs included, on a shared machine
def test_quiz_check_strict_proves_every_bundled_card() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "quiz",
            "check",
            "--strict",
            "--json",
            "--no-cache",
            str(bundled_decks_dir()),
        ],
        capture_output=True,
        text=True,
        timeout=880,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    failed = [f"{r['deck']}/{r['card']}: {r['message']}" for r in rows if r["status"] != "pass"]
    assert not failed, f"{len(failed)} cards not proven:\n" + "\n".join(failed)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(rows) >= TOTAL_CARDS


# -- Korean ----------------------------------------------------------------------------------


def _texts(deck: Deck) -> Iterator[tuple[str, Text]]:
    """(where, text) for every human-readable text of a deck."""
    yield f"{deck.id}: title", deck.title
    if deck.description is not None:
        yield f"{deck.id}: description", deck.description
    for card in deck.cards:
        fields: list[tuple[str, Text | None]] = [
            ("prompt", card.prompt),
            ("hint", card.hint),
            ("explain", card.explain),
            ("answer", card.answer_text),
        ]
        fields += [(f"options[{i}]", option.text) for i, option in enumerate(card.options)]
        for name, text in fields:
            if text is not None:
                yield f"{card.key}: {name}", text


def test_korean_on_every_text_of_every_deck(decks: dict[str, Deck]) -> None:
    missing = [
        where
        for deck in decks.values()
        for where, text in _texts(deck)
        if LANG not in text.languages or not text.by_lang[LANG].strip()
    ]
    assert not missing, f"{len(missing)} texts without '{LANG}':\n" + "\n".join(missing)


_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3
_MEDIALS, _FINALS = 21, 28
# Conjugation contracts a stem's last vowel with 어/아: 리+어 -> 려, 우+어 -> 워, 오+아 -> 와.
_CONTRACTED = {20: (6,), 13: (14,), 8: (9,), 18: (4,), 0: (0,), 4: (4,)}
# Finals a conjugated syllable may gain: none, ㄴ (-ㄴ), ㄹ (-ㄹ), ㅂ (-ㅂ니다), ㅆ (past).
_ENDING_FINALS = (0, 4, 8, 17, 20)


def _jamo(syllable: str) -> tuple[int, int, int] | None:
    code = ord(syllable) - _HANGUL_BASE
    if not 0 <= code <= _HANGUL_LAST - _HANGUL_BASE:
        return None
    return code // (_MEDIALS * _FINALS), code // _FINALS % _MEDIALS, code % _FINALS


def _syllable(initial: int, medial: int, final: int) -> str:
    return chr(_HANGUL_BASE + (initial * _MEDIALS + medial) * _FINALS + final)


def _conjugations(verb: str) -> str:
    """A regex for the forms of a dictionary-form verb: 동결하다 -> 동결(하|해|한|...),
    얼리다 -> 얼(리|린|릴|립|려|렸...)."""
    stem = verb[:-1]
    if stem.endswith("하"):
        return re.escape(stem[:-1]) + "(하|해|한|할|합|했)"
    last = _jamo(stem[-1])
    if last is None or last[2] != 0:  # a stem ending in a consonant keeps its syllable
        return re.escape(stem)
    initial, medial, _ = last
    forms = [_syllable(initial, medial, final) for final in _ENDING_FINALS]
    forms += [_syllable(initial, m, f) for m in _CONTRACTED.get(medial, ()) for f in (0, 20)]
    return re.escape(stem[:-1]) + "(" + "|".join(dict.fromkeys(forms)) + ")"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def forbidden_variants(glossary: str) -> dict[str, str]:
    """Regex -> 'variant (use TERM)' for each checkable forbidden variant of the terms table."""
    rows: list[tuple[str, list[str]]] = []
    section = ""
    for line in glossary.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif section == GLOSSARY_SECTION and line.startswith("|") and not set(line) <= set("|-"):
            cells = _cells(line)
            if len(cells) == 3 and cells[0] != "English" and not set(cells[0]) <= {"-"}:
                rows.append((cells[1], [v.strip() for v in cells[2].split(",")]))
    used = {term.strip() for use, _ in rows for term in re.split(r"[/;,]", use)}
    found: dict[str, str] = {}
    for use, variants in rows:
        for variant in variants:
            if not variant or "(" in variant or variant in used:
                continue  # conditional (a reviewer's call), or another row's term
            pattern = _conjugations(variant) if variant.endswith("다") else re.escape(variant)
            # A word starts it (particles follow, but 넘기기 holds no 기기, 복사본 no 사본).
            found[_WORD_START + pattern] = f"{variant} (use {use})"
    return found


_WORD_START = r"(?<![가-힣A-Za-z])"
_CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)


def test_the_glossary_is_parsed() -> None:
    variants = forbidden_variants(GLOSSARY.read_text(encoding="utf-8"))
    assert len(variants) >= 30, "the glossary's PyTorch terms table was not found or changed"
    assert any(v.startswith("러닝 통계 ") for v in variants.values())


SAMPLE_GLOSSARY = """\
## PyTorch terms

| English | Use (한국어) | Do not use |
|---|---|---|
| freeze | 고정하다 | 얼리다, 동결하다 |
| copy | 복사본 | 사본, 모델 (when the text means a copy) |
| module | 모듈 | 복사본 |

## App terms

| English | Use (한국어) | Do not use |
|---|---|---|
| back | 뒤로 | 이전 |
"""


def test_forbidden_variants_are_read_as_decided() -> None:
    variants = forbidden_variants(SAMPLE_GLOSSARY)
    by_word = {why.split(" ")[0]: re.compile(pattern) for pattern, why in variants.items()}
    assert set(by_word) == {"얼리다", "동결하다", "사본"}  # not conditional, a term, or app text
    assert by_word["얼리다"].search("얼린 파라미터") and by_word["얼리다"].search("얼려요")
    assert not by_word["얼리다"].search("얼룩")
    assert by_word["동결하다"].search("동결해요") and by_word["동결하다"].search("동결한")
    assert by_word["사본"].search("사본을") and not by_word["사본"].search("복사본을")


def test_no_glossary_violation(decks: dict[str, Deck]) -> None:
    variants = forbidden_variants(GLOSSARY.read_text(encoding="utf-8"))
    compiled = [(re.compile(pattern), why) for pattern, why in variants.items()]
    found = []
    for deck in decks.values():
        for where, text in _texts(deck):
            korean = _CODE.sub(" ", text.by_lang.get(LANG, ""))
            for pattern, why in compiled:
                match = pattern.search(korean)
                if match:
                    found.append(f"{where}: '{match.group()}' is {why}")
    assert not found, f"{len(found)} glossary violations:\n" + "\n".join(found)


def test_no_text_names_the_torch_it_was_written_against(decks: dict[str, Deck]) -> None:
    """A card true "in torch 2.13" is written with `requires` instead: its text holds for every
    torch it runs on, and the installed version is no part of a lesson."""
    version = installed_version("torch")
    if version is None:
        pytest.skip("torch is not installed")
    major_minor = ".".join(version.split(".")[:2])
    named = re.compile(rf"(?<![0-9.]){re.escape(major_minor)}(?![0-9])")
    found = [
        f"{where} ({lang}): names torch {major_minor}"
        for deck in decks.values()
        for where, text in _texts(deck)
        for lang, value in text.by_lang.items()
        if named.search(_CODE.sub(" ", value))
    ]
    assert not found, "\n".join(found)


# -- groups ----------------------------------------------------------------------------------


def _groups(cards: list[Card]) -> dict[str, list[Card]]:
    groups: dict[str, list[Card]] = {}
    for card in cards:
        if card.sibling_group is not None:
            groups.setdefault(card.sibling_group, []).append(card)
    return groups


def test_group_members_share_a_subject(cards: list[Card]) -> None:
    """Cards of one group test one fact: each pair shares a tag."""
    found = []
    for group, members in sorted(_groups(cards).items()):
        for i, card in enumerate(members):
            for other in members[i + 1 :]:
                if not set(card.tags) & set(other.tags):
                    found.append(f"{group}: {card.key} and {other.key} share no tag")
    assert not found, "groups of cards that test different facts:\n" + "\n".join(found)


def test_every_group_has_siblings(cards: list[Card]) -> None:
    """A group of one is a typo in a group id (a cross-deck `deck-id/slug` that names none)."""
    lonely = [f"{group}: only {m[0].key}" for group, m in _groups(cards).items() if len(m) < 2]
    assert not lonely, "groups with a single card:\n" + "\n".join(sorted(lonely))


def _program(card: Card) -> str | None:
    """What a card runs for its lesson (code and solution), whitespace-normalised; None when it
    is too short to tell two cards apart (a line of imports)."""
    source = "\n".join(part for part in (card.code, card.solution) if part)
    lines = [line.split() for line in source.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    return "\n".join(" ".join(words) for words in lines)


def _one_group(same: list[Card]) -> bool:
    groups = {card.sibling_group for card in same}
    return len(groups) == 1 and None not in groups


def test_cards_that_run_the_same_program_are_siblings(cards: list[Card]) -> None:
    """The same code in two cards tests one fact twice: they share a group (or one goes)."""
    by_program: dict[str, list[Card]] = {}
    for card in cards:
        program = _program(card)
        if program is not None:
            by_program.setdefault(program, []).append(card)
    found = [
        " and ".join(card.key for card in same)
        for same in by_program.values()
        if len(same) > 1 and not _one_group(same)
    ]
    assert not found, "cards running the same code outside one group:\n" + "\n".join(found)
