"""Opening packages with the official `anki` library: the proof that Anki reads what we write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition, ImportResponse
from anki.notes import Note

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


@contextmanager
def collection(folder: Path) -> Iterator[Collection]:
    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def import_apkg(col: Collection, package: Path) -> ImportResponse.Log:
    """Import as Anki's File > Import does by default: a note updates when the package is newer."""
    options = ImportAnkiPackageOptions(
        with_scheduling=True, merge_notetypes=True, update_notes=IF_NEWER
    )
    request = ImportAnkiPackageRequest(package_path=str(package), options=options)
    return col.import_anki_package(request).log


def notes(col: Collection) -> dict[str, Note]:
    """Every note in the collection, by GUID."""
    return {note.guid: note for note in (col.get_note(nid) for nid in col.find_notes(""))}


_OUTPUT = re.compile(r'^<pre class="quiz-output">(.*)</pre>$', re.DOTALL)
_RAISES = re.compile(r'^<div class="quiz-raises">raises <code>(\w+)</code></div>$')


def predict_back(back: str) -> tuple[str, str | None]:
    """(stdout, exception) that a predict note's Back field shows."""
    if back == '<div class="quiz-raises">(prints nothing)</div>':
        return "", None
    raised = _RAISES.match(back)
    if raised:
        return "", raised.group(1)
    shown = _OUTPUT.match(back)
    assert shown, f"not a predict back: {back!r}"
    return unescape(shown.group(1)), None
