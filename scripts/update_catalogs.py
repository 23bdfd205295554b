"""Bring the app's gettext catalogs up to date with the source: extract, merge, compile.

    python scripts/update_catalogs.py           # rewrite quiz.pot, every quiz.po and quiz.mo
    python scripts/update_catalogs.py --check   # change nothing; exit 1 if anything is stale

1. Extract every message that the files babel.cfg names mark with `_`, `N_` or `ngettext` into
   quiz/locale/quiz.pot (no header, no source locations, sorted: a diff shows only what changed).
2. Merge that template into each quiz/locale/<lang>/LC_MESSAGES/quiz.po: a translation already
   made is kept, a new message gets an empty one to fill in, and a message that left the source
   is kept as obsolete (`#~`, so its translation comes back if the message does) unless
   --drop-obsolete. The .po's own header (its comments and metadata) is kept byte for byte and
   the entries are written 100 columns wide. `pybabel update` would do neither.
3. Compile each .po into its .mo (fuzzy entries left out), which the package ships. A .mo whose
   translations are already the .po's is left alone: only its header's dates would change.

It prints, per language, how many messages still lack a translation and which.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "quiz" / "locale"
DOMAIN = "quiz"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
MAPPING = ROOT / "babel.cfg"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PO_WIDTH = 100

MessageId = str | tuple[str, ...]


def extract(root: Path = ROOT, mapping: Path = MAPPING) -> Catalog:
    """Every marked message of the files `mapping` (a babel.cfg) names, as a template."""
    with mapping.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    template = Catalog(domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def template_text(template: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, template, no_location=True, omit_header=True, sort_output=True)
    return out.getvalue()


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _shown(message: Message) -> str:
    return message.id if isinstance(message.id, str) else " | ".join(message.id)


def _blank(message: Message) -> str | tuple[str, ...]:
    return ("",) if isinstance(message.id, tuple | list) else ""


def _translated(string: object) -> bool:
    if isinstance(string, tuple | list):
        return bool(string) and all(string)
    return bool(string)


def merge(template: Catalog, po_text: str, *, drop_obsolete: bool = False) -> tuple[str, list[str]]:
    """The .po `po_text` brought up to `template`, and the messages still untranslated."""
    header, _blank_line, _entries = po_text.partition("\n\n")
    old = read_po(io.StringIO(po_text))
    merged = Catalog(locale=old.locale, domain=DOMAIN)
    merged.mime_headers = old.mime_headers
    untranslated: list[str] = []
    for message in template:
        if not message.id:
            continue
        prior = old.get(message.id, message.context)
        if prior is None:
            prior = old.obsolete.get(_key(message))  # a message that came back
        string = prior.string if prior is not None else _blank(message)
        flags = set(message.flags)
        if prior is not None and prior.fuzzy:
            flags.add("fuzzy")
        if not _translated(string):
            untranslated.append(_shown(message))
        merged.add(message.id, string, flags=flags, context=message.context)
    for message in [] if drop_obsolete else [*old, *old.obsolete.values()]:
        if message.id and message.id not in template:
            kept = Message(message.id, message.string, flags=message.flags)
            merged.obsolete[_key(message)] = kept
    out = io.BytesIO()
    write_po(out, merged, width=PO_WIDTH, no_location=True, omit_header=True, sort_output=True)
    return header + "\n\n" + out.getvalue().decode("utf-8"), untranslated


def compiled(po_text: str) -> bytes:
    out = io.BytesIO()
    write_mo(out, read_po(io.StringIO(po_text)), use_fuzzy=False)
    return out.getvalue()


def _messages(mo: bytes) -> dict[MessageId, object]:
    """A compiled catalog's translations, without its header (whose dates change each run)."""
    catalog = read_mo(io.BytesIO(mo))
    return {m.id if isinstance(m.id, str) else tuple(m.id): m.string for m in catalog if m.id}


def _current(path: Path, data: bytes) -> bool:
    if not path.exists():
        return False
    if path.suffix == ".mo":
        return _messages(path.read_bytes()) == _messages(data)
    return path.read_bytes() == data


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def update(*, check: bool, drop_obsolete: bool) -> int:
    """Write (or, with `check`, only compare) the template and every catalog; 1 if stale."""
    template = extract()
    wanted: dict[Path, bytes] = {TEMPLATE: template_text(template)}
    for po in catalogs():
        text, untranslated = merge(
            template, po.read_text(encoding="utf-8"), drop_obsolete=drop_obsolete
        )
        wanted[po] = text.encode("utf-8")
        wanted[po.with_suffix(".mo")] = compiled(text)
        language = po.parent.parent.name
        print(f"{language}: {len(template)} messages, {len(untranslated)} untranslated")
        for shown in untranslated:
            print(f"  {shown!r}")
    stale = [path for path, data in wanted.items() if not _current(path, data)]
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path.relative_to(ROOT)}")
        if not check:
            path.write_bytes(wanted[path])
    return 1 if check and stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is out of date"
    )
    parser.add_argument(
        "--drop-obsolete",
        action="store_true",
        help="remove the translations of messages the source no longer has",
    )
    args = parser.parse_args(argv)
    return update(check=args.check, drop_obsolete=args.drop_obsolete)


if __name__ == "__main__":
    sys.exit(main())
