"""`quiz sandbox status|start|stop`: show and control the per-user sandbox service.

status  whether a service runs, its versions, workers, clients and idle time (exit 1: none runs)
start   start one if none answers (or replace a stale one) and wait until its workers are warm
stop    stop it: runs in flight are cancelled, its workers killed
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from quiz.errors import QuizError
from quiz.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help=_("show, start or stop the background sandbox service"),
        description=_(
            "Commands that run code share one warm sandbox service per user, started by the "
            "first of them and ended after an idle period (config: sandbox_service_idle_minutes)."
        ),
    )
    parser.add_argument("action", choices=("status", "start", "stop"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.set_defaults(func=run)


def _describe(info: dict[str, Any]) -> list[str]:
    ident = info.get("identity", {})
    warm = _("warm") if info.get("ready") else _("warming up")
    idle = float(info.get("idle_timeout_s", 0))
    # The labels on the left stay as they are: they name the fields of --json.
    return [
        "pid      "
        + _("{pid}, up {seconds} s").format(
            pid=info.get("pid"), seconds=f"{float(info.get('uptime_s', 0)):.0f}"
        ),
        f"socket   {info.get('socket')}",
        f"versions quiz {ident.get('quiz')}, torch {ident.get('torch')}",
        "workers  "
        + _("{n} ({state}), memory cap {mb} MiB").format(
            n=info.get("size"), state=warm, mb=info.get("memory_mb")
        ),
        "clients  "
        + _("{clients}; runs {running} running, {queued} queued, {served} served").format(
            clients=info.get("clients"),
            running=info.get("running"),
            queued=info.get("queued"),
            served=info.get("served"),
        ),
        "idle     "
        + _("{seconds} s (ends after {minutes} min idle)").format(
            seconds=f"{float(info.get('idle_s', 0)):.0f}", minutes=f"{idle / 60:g}"
        ),
    ]


def _print(info: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(info, indent=2))
    else:
        print("\n".join(_describe(info)))


def run(args: argparse.Namespace) -> int:
    from quiz.config import load_config
    from quiz.sandbox import client

    path = str(client.socket_path())
    no_service = _("no sandbox service is running (socket {path})")
    no_answer = _("the sandbox service did not answer: {error}")
    if args.action == "status":
        try:
            info = client.query("status")
        except client.NoService:
            if args.json:
                _print({"running": False, "socket": path}, True)
            else:
                print(no_service.format(path=path))
            return 1
        except client.ServiceGone as exc:
            raise QuizError(no_answer.format(error=exc)) from None
        _print({"running": True, "socket": path, **info}, args.json)
        return 0
    if args.action == "stop":
        try:
            reply = client.query("stop")
        except client.NoService:
            print(no_service.format(path=path))
            return 0
        except client.ServiceGone as exc:
            raise QuizError(no_answer.format(error=exc)) from None
        pid = int(reply.get("pid", 0))
        if pid and not client.wait_gone(pid):
            raise QuizError(
                _("the sandbox service (pid {pid}) did not end within 15 s").format(pid=pid)
            )
        print(_("stopped the sandbox service (pid {pid})").format(pid=pid))
        return 0
    config = load_config()
    runner = client.ServiceClient(
        client.settings_for(
            config.sandbox_workers, config.sandbox_memory_mb, config.sandbox_output_kb * 1024
        )
    )
    try:
        runner.connection()
        if not runner.wait_ready():
            why = runner.protections()[0].why
            raise QuizError(_("the sandbox service's workers did not start: {why}").format(why=why))
        info = client.query("status")
    finally:
        runner.close()
    _print({"running": True, "socket": path, **info}, args.json)
    return 0
