"""The app speaks Korean: every message of the app's own text has a Korean translation, the
compiled catalog shipped in the package matches its source, and `--lang ko` / the config's
`lang` turn screens, footers and verdicts Korean."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from quiz.config import AppConfig
from quiz.i18n import DOMAIN, LOCALE_DIR, _, set_language
from quiz.outcome import Outcome
from quiz.tui.app import build_app
from tests.tui.conftest import Harness
from tests.tui.decks import PREDICT, only
from tests.tui.fakes import Judged

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / f"{DOMAIN}.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def source_messages() -> set[str | tuple[str, str]]:
    """Every message the code marks, extracted from the files babel.cfg names (as
    scripts/update_catalogs.py does)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def korean() -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    with PO.open("rb") as f:
        catalog = read_po(f)
    return {
        (m.id if isinstance(m.id, str) else tuple(m.id)): m.string
        for m in catalog
        if m.id and not m.fuzzy
    }


def test_every_message_has_a_korean_translation() -> None:
    messages, ko = source_messages(), korean()
    # The screens, the commands and their help, the verdicts, deck loading and `quiz check`,
    # the store, presets, peer.
    assert len(messages) > 770
    untranslated = sorted(str(m) for m in messages if not ko.get(m))
    assert not untranslated, f"{len(untranslated)} messages lack Korean: {untranslated[:10]}"


def test_the_committed_template_is_up_to_date_with_the_source() -> None:
    # A message marked in the code but missing from quiz.pot (or one left behind there) means
    # scripts/update_catalogs.py was not run after the text changed.
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as f:
        template = read_po(f)
    committed = {m.id if isinstance(m.id, str) else (m.id[0], m.id[1]) for m in template if m.id}
    messages = source_messages()
    assert not messages - committed, f"not in quiz.pot: {sorted(map(str, messages - committed))}"
    assert not committed - messages, f"stale in quiz.pot: {sorted(map(str, committed - messages))}"


def test_babel_cfg_covers_every_module_that_translates() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, _options = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    patterns = [pattern for pattern, _method in method_map]
    uncovered = []
    for path in sorted((ROOT / "quiz").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "quiz/i18n.py" or "from quiz.i18n import" not in path.read_text("utf-8"):
            continue
        if not any(pathmatch(pattern, relative) for pattern in patterns):
            uncovered.append(relative)
    assert not uncovered, f"babel.cfg does not extract {uncovered}"


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_translations_keep_every_placeholder() -> None:
    for msgid, msgstr in korean().items():
        source = msgid if isinstance(msgid, str) else msgid[1]
        for text in [msgstr] if isinstance(msgstr, str) else list(msgstr):
            assert _fields(text) == _fields(source), (msgid, text)


def test_translations_speak_haeyo_not_hapnida() -> None:
    # One speech level: 해요체. A formal 합니다체 ending slipping in is a bug.
    for msgid, msgstr in korean().items():
        for text in [msgstr] if isinstance(msgstr, str) else list(msgstr):
            assert not re.search(r"(습니다|ㅂ니다|입니다|합니까|십시오)", text), (msgid, text)


def test_translations_avoid_the_glossary_s_forbidden_variants() -> None:
    table = (ROOT / "docs" / "glossary-ko.md").read_text(encoding="utf-8")
    forbidden: set[str] = set()
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "---"):
            continue
        for variant in cells[2].split(","):
            variant = variant.strip()
            # Notes in parentheses qualify a variant ("결과 (alone)"): too contextual to grep.
            if variant and "(" not in variant and not variant.isascii():
                forbidden.add(variant)
    assert "기울기" in forbidden and "러닝 통계" in forbidden
    for msgid, msgstr in korean().items():
        for text in [msgstr] if isinstance(msgstr, str) else list(msgstr):
            hits = [v for v in forbidden if v in text]
            assert not hits, (msgid, text, hits)


def test_the_compiled_catalog_matches_its_source() -> None:
    with (PO.with_suffix(".mo")).open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for msgid, msgstr in korean().items():
        if isinstance(msgid, str):
            assert compiled.gettext(msgid) == msgstr, msgid
        else:
            assert compiled.ngettext(msgid[0], msgid[1], 2) == msgstr[0], msgid


def test_set_language_falls_back_to_english() -> None:
    set_language("ko")
    assert _("Quit") == "끝내기"
    set_language("xx")
    assert _("Quit") == "Quit"
    set_language(None)
    assert _("Quit") == "Quit"


def screen_text(app: object) -> str:
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in strips)


async def test_lang_ko_translates_screens_footers_and_verdicts(harness: Harness) -> None:
    harness.checker.verdicts[PREDICT.key] = [Judged(Outcome.FAIL, "['b', 'w']", "['w']")]
    app = harness.app([only(PREDICT)], lang="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        home = screen_text(app)
        assert "모든 덱" in home and "끝내기" in home and "학습" in home
        await pilot.press("enter")
        await pilot.pause()
        assert "제출" in screen_text(app).splitlines()[-1]
        await pilot.press(*"['w']", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        judged = screen_text(app)
        assert "✗ 틀렸어요" in judged and "다시" in judged and "평가" in judged


@pytest.mark.parametrize("where", ["config", "argument"])
async def test_the_config_lang_and_the_argument_both_set_it(where: str) -> None:
    from tests.tui.fakes import FakeChecker, FakeEngine, FakeLibrary, FrozenClock

    clock = FrozenClock()
    app = build_app(
        config=AppConfig(lang="ko") if where == "config" else AppConfig(),
        lang="ko" if where == "argument" else None,
        library=FakeLibrary([only(PREDICT)]),
        engine=FakeEngine(clock),
        checker=FakeChecker(),
        clock=clock,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "끝내기" in screen_text(app)


@pytest.mark.parametrize(
    ("argv", "config", "expected"),
    [
        (["--lang", "ko", "locate"], "", "ko"),
        (["locate"], 'lang = "ko"\n', "ko"),
        (["locate"], "lang = [broken\n", "en"),  # a broken config must not block `quiz config`
    ],
)
def test_the_cli_sets_the_language(
    argv: list[str], config: str, expected: str, quiz_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from quiz.cli import main
    from quiz.i18n import language

    if config:
        quiz_home.mkdir(parents=True, exist_ok=True)
        (quiz_home / "config.toml").write_text(config, encoding="utf-8")
    main(argv)
    capsys.readouterr()
    assert language() == expected


def test_the_host_s_end_screen_summary_speaks_korean() -> None:
    from quiz.peer.results import ParticipantSummary, QuestionSummary, Results, summary_lines

    results = Results(
        "ABC123",
        "speed",
        [],
        [QuestionSummary(1, "hooks", "pre-hook", 3, 1, [("[2]", 2)])],
        [ParticipantSummary("ana", 5, 1, []), ParticipantSummary("bo", 0, 0, ["hooks/pre-hook"])],
    )
    set_language("ko")
    try:
        lines = summary_lines(results)
    finally:
        set_language("en")
    assert lines == [
        "문제별 (정답 수 / 답한 수; 가장 흔한 틀린 답):",
        "   1. hooks/pre-hook: 1/3  틀린 답: [2] ×2",
        "참가자별로 놓친 카드:",
        "  ana: 없음",
        "  bo: hooks/pre-hook",
    ]
    assert summary_lines(results)[1] == "   1. hooks/pre-hook: 1/3  wrong: [2] ×2"
