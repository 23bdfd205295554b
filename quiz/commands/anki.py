"""`quiz anki export` / `quiz anki import`: take proven cards to Anki, bring Anki decks in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from quiz.errors import QuizError

EXIT_FAILED, EXIT_INVALID = 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "anki",
        help="export proven cards to an Anki package, or import an Anki package as a deck",
        description=(
            "Anki interop. `export` proves every card and writes the proven ones as Anki notes "
            "(predict backs are the real output). `import` turns an Anki package into a deck of "
            "flip cards. See docs/anki.md."
        ),
    )
    actions = parser.add_subparsers(dest="anki_action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write proven cards as an Anki package (.apkg)",
        description=(
            "Prove every card of the decks under PATH (the bundled decks when none is given) and "
            "write the proven ones to FILE.apkg, one Anki deck per quiz deck. A card that fails "
            "its check is not exported: the command lists them and writes nothing, exiting 1, "
            "unless --skip-failing."
        ),
    )
    export.add_argument("paths", nargs="*", metavar="PATH", help="deck files or folders")
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.apkg")
    export.add_argument(
        "--lang",
        dest="export_lang",
        default=None,
        metavar="CODE",
        help="the language of the card text (default: --lang before the command, or config)",
    )
    export.add_argument(
        "--skip-failing",
        action="store_true",
        help="export the proven cards even when some fail their check",
    )
    imp = actions.add_parser(
        "import",
        help="write the cards of an Anki package as a deck of flip cards",
        description=(
            "Read FILE.apkg or FILE.colpkg with Anki's own library (the quiz[anki] extra) and "
            "write DECK.yaml: Basic, reversed and Cloze cards become flip cards, media are copied "
            "beside the deck, and what cannot be converted is listed."
        ),
    )
    imp.add_argument("file", type=Path, metavar="FILE.apkg|FILE.colpkg")
    imp.add_argument("-o", "--output", required=True, type=Path, metavar="DECK.yaml")
    imp.add_argument(
        "--deck", default=None, metavar="NAME", help="only this Anki deck (and subdecks)"
    )
    imp.add_argument(
        "--with-history",
        action="store_true",
        help="also add the Anki review log to your quiz reviews, so scheduling continues",
    )
    imp.add_argument("--force", action="store_true", help="overwrite DECK.yaml if it exists")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.anki_action == "export":
        return _export(args)
    return _import(args)


def _lang(args: argparse.Namespace) -> str:
    from quiz.config import load_config
    from quiz.deck.languages import ISO_639_1

    lang = args.export_lang or getattr(args, "lang", None) or load_config().lang
    if lang not in ISO_639_1:
        raise QuizError(f"--lang {lang!r} is not an ISO 639-1 language code (e.g. en, ko)")
    return str(lang)


def _export(args: argparse.Namespace) -> int:
    import asyncio

    from quiz.deck.checking import LimitedRunner
    from quiz.deck.library import expand, load_library
    from quiz.interop.export import plan_export, write_package
    from quiz.paths import bundled_decks_dir

    output: Path = args.output
    if output.suffix.lower() != ".apkg":
        raise QuizError(f"{output}: the output must be an .apkg file")
    lang = _lang(args)
    paths = [Path(p) for p in [*args.paths, *getattr(args, "decks", [])]]
    library = load_library(expand(paths or [bundled_decks_dir()]))
    for failure in library.failures:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
    if library.failures:
        print("quiz anki export: some decks could not be loaded; nothing written", file=sys.stderr)
        return EXIT_INVALID
    if not library.decks:
        raise QuizError("no decks to export")

    def make_runner() -> tuple[Any, int]:
        from quiz.sandbox.pool import shared_pool

        pool = shared_pool()
        return pool, 2 * pool.size

    plan = asyncio.run(plan_export(library.decks, LimitedRunner(make_runner), lang=lang))
    for skipped in plan.skipped:
        print(f"quiz anki export: {skipped}", file=sys.stderr)
    for failed in plan.failures:
        print(f"quiz anki export: not exported: {failed}", file=sys.stderr)
    if plan.failures and not args.skip_failing:
        print(
            f"quiz anki export: {len(plan.failures)} card(s) fail their check; nothing written "
            "(fix them, or pass --skip-failing to export the rest)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    count = write_package(library.decks, plan.notes, output, lang)
    cards = len({note.card.key for note in plan.notes})
    print(f"wrote {count} notes ({cards} cards, {len(library.decks)} decks) to {output}")
    if plan.failures:
        print(f"left out {len(plan.failures)} failing card(s)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from quiz.interop.anki_import import convert, copy_media, slugify, write_deck
    from quiz.interop.anki_read import read_package

    output: Path = args.output
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise QuizError(f"{output}: the output must be a .yaml deck file")
    if output.exists() and not args.force:
        raise QuizError(f"{output} exists; pass --force to overwrite it")
    deck_id = slugify(output.stem)
    if not deck_id:
        raise QuizError(f"{output}: the file name gives no deck id (use letters and digits)")
    media_folder = f"{output.stem}-media"
    with read_package(args.file, deck=args.deck) as package:
        if not package.cards and not package.unconverted:
            raise QuizError(f"{args.file}: no cards to import")
        title = args.deck or (package.decks[0] if len(package.decks) == 1 else output.stem)
        result = convert(package, deck_id, title, f"{media_folder}/")
        if not result.cards:
            for item in result.unconverted:
                print(f"quiz anki import: not converted: {item}", file=sys.stderr)
            raise QuizError(f"{args.file}: none of its cards can be converted")
        copy_media(result, package.media_dir, output.parent / media_folder)
        write_deck(result, output, args.file.name)
        skipped_reviews = package.skipped_reviews
    for item in result.unconverted:
        print(f"quiz anki import: not converted: {item}", file=sys.stderr)
    for note in result.lossy:
        print(f"quiz anki import: changed: {note}", file=sys.stderr)
    for name in result.missing_media:
        print(f"quiz anki import: media file missing from the package: {name}", file=sys.stderr)
    media = f", {len(result.media)} media files in {output.parent / media_folder}"
    print(f"wrote {len(result.cards)} flip cards to {output}" + (media if result.media else ""))
    if args.with_history:
        from quiz.interop.history import import_history
        from quiz.srs.store import Store

        with Store.open() as store:
            imported = import_history(store, deck_id, result.cards)
        print(
            f"imported {imported.added} Anki reviews ({imported.skipped} already in the log; "
            f"{skipped_reviews} reschedulings skipped); {imported.cards} cards scheduled"
        )
    return 0
