"""`quiz host [DECK...]`: host a peer session; participants answer from their own terminals."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quiz.errors import QuizError
from quiz.i18n import _

if TYPE_CHECKING:
    from quiz.deck.model import Deck
    from quiz.peer.hub import Hub
    from quiz.peer.results import ResultsWriter
    from quiz.peer.web import WebParticipants

DEFAULT_PORT = 8765


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "host",
        help=_("host a peer session: a study group answers, the host grades by running"),
        description=_(
            "Host a peer session. Participants run `quiz join ADDRESS` and enter the join code; "
            "every answer is graded here, in the sandbox. Binds 127.0.0.1 unless --bind says "
            "otherwise (--bind 0.0.0.0 for a LAN)."
        ),
    )
    parser.add_argument(
        "deck", nargs="*", metavar="DECK", help=_("deck ids or deck files (default: every deck)")
    )
    parser.add_argument("--cards", type=int, default=10, metavar="N", help=_("questions (10)"))
    parser.add_argument(
        "--time", type=float, default=30.0, metavar="SECONDS", help=_("seconds per question (30)")
    )
    parser.add_argument("--scoring", choices=("speed", "accuracy"), default="speed")
    parser.add_argument(
        "--bind", default="127.0.0.1", metavar="ADDR", help=_("address to listen on")
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=_("port ({port})").format(port=DEFAULT_PORT)
    )
    parser.add_argument("--max", type=int, default=64, metavar="N", help=_("participant cap (64)"))
    parser.add_argument(
        "--resume", action="store_true", help=_("reopen the last session with its scores")
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help=_(
            "no screen: print events as JSON lines and read commands (next, reveal, ...) "
            "from stdin, for scripts"
        ),
    )
    parser.add_argument(
        "--lang",
        default=argparse.SUPPRESS,
        metavar="CODE",
        help=_("show deck text in this language"),
    )
    parser.add_argument(
        "--web",
        action="store_true",
        help=_("also serve the participant app to browsers (on --bind, at --web-port)"),
    )
    parser.add_argument(
        "--web-port", type=int, default=8766, metavar="PORT", help=_("the browsers' port (8766)")
    )
    parser.set_defaults(func=run)


def lan_addresses(bind: str) -> list[str]:
    """The addresses to share: the bound one, or this machine's LAN address for 0.0.0.0."""
    if bind not in ("0.0.0.0", "", "::"):
        return [bind]
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            # No packet is sent: connecting a UDP socket only picks the outgoing interface.
            probe.connect(("192.0.2.1", 9))
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    return found or ["127.0.0.1"]


def check_port_free(bind: str, port: int) -> None:
    """A taken port or an address this machine lacks is a clear error before any screen opens."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((bind, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise QuizError(
                _("cannot listen on {address}: {reason} (another session? try --port)").format(
                    address=f"{bind}:{port}", reason=reason
                ),
                title=_("Host"),
            ) from None


def _validate(args: argparse.Namespace) -> None:
    if args.cards < 1:
        raise QuizError(_("--cards must be at least 1"), title=_("Host"))
    if not 3 <= args.time <= 3600:
        raise QuizError(_("--time must be between 3 and 3600 seconds"), title=_("Host"))
    between = _("{option} must be between {low} and {high}")
    if not 1 <= args.max <= 1000:
        raise QuizError(between.format(option="--max", low=1, high=1000), title=_("Host"))
    if not 0 <= args.port <= 65535:
        raise QuizError(between.format(option="--port", low=0, high=65535), title=_("Host"))
    if not 0 <= args.web_port <= 65535:
        raise QuizError(between.format(option="--web-port", low=0, high=65535), title=_("Host"))
    if args.web and args.web_port != 0 and args.web_port == args.port:
        raise QuizError(_("--web-port must differ from --port"), title=_("Host"))


def _deck_files(args: argparse.Namespace) -> list[Path]:
    from quiz.deck.library import discover, expand

    named = [Path(d).expanduser() for d in args.deck if Path(d).expanduser().exists()]
    extra = [Path(p).expanduser() for p in args.decks]
    if named and len(named) == len(args.deck):
        return expand([*named, *extra])
    return discover([*named, *extra])


def _decks(files: list[Path], wanted: list[str]) -> list[Deck]:
    from quiz.deck.library import load_library

    library = load_library(files)
    ids = [w for w in wanted if not Path(w).expanduser().exists()]
    if not ids:
        files_named = {Path(w).expanduser().resolve() for w in wanted}
        if files_named:
            chosen = [d for d in library.decks if Path(d.path).resolve() in files_named]
            return chosen or library.decks
        return library.decks
    missing = [i for i in ids if library.deck(i) is None]
    if missing:
        known = ", ".join(d.id for d in library.decks)
        raise QuizError(
            _("no deck with id {ids} (decks: {known})").format(ids=", ".join(missing), known=known),
            title=_("Host"),
        )
    return [d for d in library.decks if d.id in ids]


def build_hub(args: argparse.Namespace, lang: str) -> Hub:
    from quiz.peer.hub import Hub
    from quiz.peer.journal import Journal, session_path
    from quiz.peer.plan import choose, restore
    from quiz.peer.scoring import Scoring
    from quiz.sandbox.pool import shared_pool

    path = session_path()
    if args.resume:
        if not path.exists():
            raise QuizError(_("there is no session to resume"), title=_("Host"))
        journal = Journal(path, fresh=False)
        meta = journal.meta()
        if "questions" not in meta:
            raise QuizError(_("the saved session is incomplete; start a new one"), title=_("Host"))
        files = [Path(f) for f in meta.get("files", [])]
        questions = restore(_decks(files, []), meta["questions"])
        hub = Hub(
            questions,
            shared_pool(),
            journal,
            code=meta["code"],
            scoring=Scoring(meta["scoring"]),
            seconds=float(meta["seconds"]),
            max_participants=int(meta["max"]),
            lang=meta.get("lang", lang),
        )
        hub.restore()
        return hub
    files = _deck_files(args)
    questions = choose(_decks(files, args.deck), args.cards, random.Random())
    hub = Hub(
        questions,
        shared_pool(),
        Journal(path, fresh=True),
        scoring=Scoring(args.scoring),
        seconds=args.time,
        max_participants=args.max,
        lang=lang,
    )
    hub.save_plan()
    hub.journal.set_meta(files=sorted({q.deck.path for q in questions}))
    return hub


def run(args: argparse.Namespace) -> int:
    from quiz.config import load_config
    from quiz.peer.results import ResultsWriter

    _validate(args)
    check_port_free(args.bind, args.port)
    if args.web:
        check_port_free(args.bind, args.web_port)
    lang = getattr(args, "lang", None) or load_config().lang
    hub = build_hub(args, lang)
    addresses = lan_addresses(args.bind)
    results = ResultsWriter(hub)
    web = _web(args, hub, addresses) if args.web else None
    if args.headless:
        return asyncio.run(_headless(hub, args.bind, args.port, addresses, web, results))
    from quiz.tui.peer.host_app import HostApp

    app = HostApp(
        hub,
        bind=args.bind,
        port=args.port,
        addresses=addresses,
        resume=args.resume,
        web=web,
        results=results,
    )
    app.run()
    hub.journal.close()
    _say_results(results)
    if str(hub.phase) != "end":
        print(
            "quiz: "
            + _("session kept; `quiz host --resume` reopens it (code {code})").format(code=hub.code)
        )
    return 0


def _web(args: argparse.Namespace, hub: Hub, addresses: list[str]) -> WebParticipants:
    try:
        from quiz.peer.web import WebParticipants
    except ImportError as exc:
        raise QuizError(
            _(
                "--web needs the textual-serve package ({module} is missing): "
                "pip install textual-serve"
            ).format(module=exc.name),
            title=_("Host"),
        ) from None
    return WebParticipants(
        code=hub.code,
        cap=hub.max_participants,
        bind=args.bind,
        port=args.web_port,
        hosts=addresses,
        lang=getattr(args, "lang", None),
    )


def _say_results(results: ResultsWriter) -> None:
    if results.paths:
        where = _(" and ").join(map(str, results.paths))
        print("quiz: " + _("the session's results are in {paths}").format(paths=where))
    elif results.error:
        print(f"quiz: {results.error}", file=sys.stderr)


def _emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def _headless(
    hub: Hub,
    bind: str,
    port: int,
    addresses: list[str],
    web: WebParticipants | None = None,
    results: ResultsWriter | None = None,
) -> int:
    """The hub without a screen: one JSON line per change, commands from stdin."""
    hub.listeners.append(
        lambda what: _emit(
            event=what, phase=str(hub.phase), index=hub.index, answered=hub.answered()
        )
    )
    if results is not None:
        hub.listeners.append(
            lambda what: (
                _emit(event="results", paths=[str(p) for p in results.paths], error=results.error)
                if what == "end"
                else None
            )
        )
    bound = await hub.start(bind, port)
    await hub.reopen()
    extra: dict[str, Any] = {}
    if web is not None:
        extra = {"web_port": await web.start(bound), "web": web.urls()}
    _emit(event="ready", code=hub.code, port=bound, addresses=addresses, **extra)
    try:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            command, _, argument = line.strip().partition(" ")
            if not line or command == "quit":
                break
            if command == "next":
                await hub.next()
            elif command == "reveal":
                await hub.reveal()
            elif command == "skip":
                await hub.skip()
            elif command == "pause":
                hub.pause()
            elif command == "lock":
                hub.lock()
            elif command == "kick" and argument.isdigit():
                await hub.kick(int(argument))
            elif command == "end":
                await hub.end()
            elif command == "scores":
                _emit(event="scores", board=hub.scoreboard())
            elif command:
                _emit(event="error", message=f"unknown command {command!r}")
    finally:
        if web is not None:
            await web.stop()
        await hub.stop()
        hub.journal.close()
    return 0
