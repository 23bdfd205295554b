"""The app's own text in the learner's language: gettext catalogs shipped in quiz/locale.

Deck text carries its own languages (`{en: ..., ko: ...}`); this module translates everything
else: screens, footers, verdicts, errors. English is the source text and the fallback, so a
missing catalog or message shows English, never an error.

The catalogs are made with Babel from the files babel.cfg names; after changing the text, run
    python scripts/update_catalogs.py
which extracts quiz/locale/quiz.pot, merges it into each quiz.po (keeping the translations and
the .po's header) and compiles the quiz.mo; fill in the messages it lists as untranslated and
run it again. `--check` changes nothing and fails if a catalog is stale. The compiled .mo files
are committed, so the wheel ships them with no build step.
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "quiz"

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(lang: str | None) -> None:
    """Translate from now on into `lang` (e.g. "ko"); None or "en" means the English source."""
    global _translations, _language
    code = (lang or "en").strip() or "en"
    _language = code
    _translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)


def language() -> str:
    return _language


def _(message: str) -> str:
    """`message` in the current language (English when there is no translation)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message that agrees with `n` (Korean has one form for every count)."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks text for the catalog where it is defined; `_()` translates it where it is shown."""
    return message
