"""`quiz anki export` / `quiz anki import`: take proven cards to Anki, bring Anki decks in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.i18n import _, ngettext

EXIT_FAILED, EXIT_INVALID = 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "anki",
        help=_("export proven cards to an Anki package, or import an Anki package as a deck"),
        description=_(
            "Anki interop. `export` proves every card and writes the proven ones as Anki notes "
            "(predict backs are the real output). `import` turns an Anki package into a deck of "
            "flip cards. See docs/anki.md."
        ),
    )
    actions = parser.add_subparsers(dest="anki_action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help=_("write proven cards as an Anki package (.apkg)"),
        description=_(
            "Prove every card of the decks under PATH (the bundled decks when none is given) and "
            "write the proven ones to FILE.apkg, one Anki deck per quiz deck. A card that fails "
            "its check is not exported: the command lists them and writes nothing, exiting 1, "
            "unless --skip-failing."
        ),
    )
    export.add_argument("paths", nargs="*", metavar="PATH", help=_("deck files or folders"))
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.apkg")
    export.add_argument(
        "--lang",
        dest="export_lang",
        default=None,
        metavar="CODE",
        help=_("the language of the card text (default: --lang before the command, or config)"),
    )
    export.add_argument(
        "--skip-failing",
        action="store_true",
        help=_("export the proven cards even when some fail their check"),
    )
    imp = actions.add_parser(
        "import",
        help=_("write the cards of an Anki package as a deck of flip cards"),
        description=_(
            "Read FILE.apkg or FILE.colpkg with Anki's own library (the quiz[anki] extra) and "
            "write DECK.yaml: Basic, reversed and Cloze cards become flip cards, media are copied "
            "beside the deck, and what cannot be converted is listed."
        ),
    )
    imp.add_argument("file", type=Path, metavar="FILE.apkg|FILE.colpkg")
    imp.add_argument("-o", "--output", required=True, type=Path, metavar="DECK.yaml")
    imp.add_argument(
        "--deck", default=None, metavar="NAME", help=_("only this Anki deck (and subdecks)")
    )
    imp.add_argument(
        "--with-history",
        action="store_true",
        help=_("also add the Anki review log to your quiz reviews, so scheduling continues"),
    )
    imp.add_argument("--force", action="store_true", help=_("overwrite DECK.yaml if it exists"))
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
        raise QuizError(
            _("--lang {code} is not an ISO 639-1 language code (e.g. en, ko)").format(
                code=repr(lang)
            )
        )
    return str(lang)


def _export(args: argparse.Namespace) -> int:
    import asyncio

    from quiz.deck.checking import LimitedRunner
    from quiz.deck.library import expand, load_library
    from quiz.interop.export import plan_export, write_package
    from quiz.paths import bundled_decks_dir

    output: Path = args.output
    if output.suffix.lower() != ".apkg":
        raise QuizError(_("{path}: the output must be an .apkg file").format(path=output))
    lang = _lang(args)
    paths = [Path(p) for p in [*args.paths, *getattr(args, "decks", [])]]
    library = load_library(expand(paths or [bundled_decks_dir()]))
    for failure in library.failures:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
    if library.failures:
        print(
            "quiz anki export: " + _("some decks could not be loaded; nothing written"),
            file=sys.stderr,
        )
        return EXIT_INVALID
    if not library.decks:
        raise QuizError(_("no decks to export"))

    def make_runner() -> tuple[Any, int]:
        from quiz.sandbox.pool import shared_pool

        pool = shared_pool()
        return pool, 2 * pool.size

    plan = asyncio.run(plan_export(library.decks, LimitedRunner(make_runner), lang=lang))
    for skipped in plan.skipped:
        print(f"quiz anki export: {skipped}", file=sys.stderr)
    for failed in plan.failures:
        print("quiz anki export: " + _("not exported: {card}").format(card=failed), file=sys.stderr)
    failing = len(plan.failures)
    if plan.failures and not args.skip_failing:
        print(
            "quiz anki export: "
            + _(
                "{n} card(s) fail their check; nothing written "
                "(fix them, or pass --skip-failing to export the rest)"
            ).format(n=failing),
            file=sys.stderr,
        )
        return EXIT_FAILED
    count = write_package(library.decks, plan.notes, output, lang)
    cards = len({note.card.key for note in plan.notes})
    decks = len(library.decks)
    print(
        _("wrote {notes} notes ({cards} cards, {decks} decks) to {path}").format(
            notes=count, cards=cards, decks=decks, path=output
        )
    )
    if plan.failures:
        print(_("left out {n} failing card(s)").format(n=failing))
    return 0


def _import(args: argparse.Namespace) -> int:
    from quiz.interop.anki_import import convert, copy_media, slugify, write_deck
    from quiz.interop.anki_read import read_package

    output: Path = args.output
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise QuizError(_("{path}: the output must be a .yaml deck file").format(path=output))
    if output.exists() and not args.force:
        raise QuizError(_("{path} exists; pass --force to overwrite it").format(path=output))
    deck_id = slugify(output.stem)
    if not deck_id:
        raise QuizError(
            _("{path}: the file name gives no deck id (use letters and digits)").format(path=output)
        )
    media_folder = f"{output.stem}-media"
    with read_package(args.file, deck=args.deck) as package:
        if not package.cards and not package.unconverted:
            raise QuizError(_("{path}: no cards to import").format(path=args.file))
        title = args.deck or (package.decks[0] if len(package.decks) == 1 else output.stem)
        result = convert(package, deck_id, title, f"{media_folder}/")
        if not result.cards:
            for item in result.unconverted:
                print(
                    "quiz anki import: " + _("not converted: {item}").format(item=item),
                    file=sys.stderr,
                )
            raise QuizError(_("{path}: none of its cards can be converted").format(path=args.file))
        copy_media(result, package.media_dir, output.parent / media_folder)
        write_deck(result, output, args.file.name)
        skipped_reviews = package.skipped_reviews
    for item in result.unconverted:
        print("quiz anki import: " + _("not converted: {item}").format(item=item), file=sys.stderr)
    for note in result.lossy:
        print("quiz anki import: " + _("changed: {note}").format(note=note), file=sys.stderr)
    for name in result.missing_media:
        print(
            "quiz anki import: "
            + _("media file missing from the package: {name}").format(name=name),
            file=sys.stderr,
        )
    flips = len(result.cards)
    wrote = ngettext(
        "wrote {n} flip card to {path}", "wrote {n} flip cards to {path}", flips
    ).format(n=flips, path=output)
    if result.media:
        wrote += _(", {n} media files in {folder}").format(
            n=len(result.media), folder=output.parent / media_folder
        )
    print(wrote)
    if args.with_history:
        from quiz.interop.history import import_history
        from quiz.srs.store import Store

        with Store.open() as store:
            imported = import_history(store, deck_id, result.cards)
        print(
            _(
                "imported {added} Anki reviews ({skipped} already in the log; "
                "{rescheduled} reschedulings skipped); {cards} cards scheduled"
            ).format(
                added=imported.added,
                skipped=imported.skipped,
                rescheduled=skipped_reviews,
                cards=imported.cards,
            )
        )
    return 0
