"""How a peer session holds up under a class: N participants on loopback, beside bare websockets.

    python bench/peer_load.py [--clients 300] [--runner sandbox|fake] [--timeout 180]

The hub runs in this process (with the real sandbox pool unless --runner fake); the participants
run in --procs other processes, each its own WebSocket connection. They join, answer 5 questions
(choice, predict, code, predict, choice; every code answer is different, so each is its own
sandbox run), each 0.5-1 s after its question arrives (people read first), and the bench prints:
join p50/p99 (connect to welcome), question fan-out p50/p99 (the hub's send to each client's
receipt), answer ack p50/p99, grading throughput (answers graded per second from the first
answer to the last grade), errors, and the hub's RSS. After each question a bare
`websockets.broadcast` of a frame of the same size goes to the same clients from a plain server
in this process: its fan-out is printed beside the hub's, with the ratio.

Targets: 300 participants, fan-out p99 <= 30 ms and within 1.5x of the bare broadcast, 0 errors,
every answer acknowledged and graded. Printed, never asserted: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

DECK = """\
schema_version: 1
id: peer-bench
title: Peer bench
setup: |
  import torch
  from torch import nn
cards:
  - id: is-parameter
    type: choice
    prompt: Which of these does `parameters()` yield?
    code: |
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.w = nn.Parameter(torch.ones(2))
              self.register_buffer("b", torch.zeros(2))
      names = [n for n, _ in M().named_parameters()]
    options:
      - {text: "w", truth: "'w' in names"}
      - {text: "b", truth: "'b' in names"}
  - id: state-keys
    type: predict
    prompt: What does this print?
    code: |
      m = nn.Linear(2, 3)
      print(sorted(m.state_dict()))
  - id: add-buffer
    type: code
    prompt: Register a buffer `running` of zeros(3) on `m`.
    code: |
      m = nn.Module()
    starter: |
      m.register_buffer(...)
    check: |
      assert "running" in dict(m.named_buffers())
    solution: |
      m.register_buffer("running", torch.zeros(3))
  - id: count-params
    type: predict
    prompt: What does this print?
    code: |
      print(sum(p.numel() for p in nn.Linear(4, 2).parameters()))
  - id: train-flag
    type: choice
    prompt: After `m.eval()`, what is `m.training`?
    code: |
      m = nn.Dropout()
      m.eval()
    options:
      - {text: "True", truth: "m.training is True"}
      - {text: "False", truth: "m.training is False"}
"""

ANSWERS: dict[str, dict[str, Any]] = {
    "is-parameter": {"choices": [0]},
    "state-keys": {"text": "['bias', 'weight']"},
    "count-params": {"text": "10"},
    "train-flag": {"choices": [1]},
}


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- the participants' process -----------------------------------------------------------------


async def participant(number: int, url: str, bare_url: str, code: str, out: dict[str, Any]) -> None:
    start = time.perf_counter()
    async with connect(url, compression=None, max_size=None, proxy=None) as ws:
        await ws.send(json.dumps({"v": 1, "type": "join", "code": code, "name": f"p{number}"}))
        reply = json.loads(await ws.recv())
        if reply["type"] != "welcome":
            out["errors"].append(f"join: {reply}")
            return
        out["join"].append(time.perf_counter() - start)
        # The bare server's connection opens after the join, so it is not in the join time.
        bare = await connect(bare_url, compression=None, max_size=None, proxy=None)
        out["joined"] += 1
        bare_task = asyncio.create_task(bare_reader(bare, out))
        sent_at = 0.0
        try:
            async for frame in ws:
                received = time.time()
                message = json.loads(frame)
                kind = message["type"]
                if kind == "question":
                    out["fanout"].append(received - message["sent"])
                    # People read before they answer, and not all at once.
                    await asyncio.sleep(random.uniform(0.5, 1.0))
                    card = message["card"]
                    parts = ANSWERS.get(card["id"]) or {
                        "text": f'm.register_buffer("running", torch.zeros(3))  # p{number}\n'
                    }
                    sent_at = time.perf_counter()
                    answer = {"v": 1, "type": "answer", "question": message["question"], **parts}
                    await ws.send(json.dumps(answer))
                    out["answers"] += 1
                elif kind == "ack":
                    out["ack"].append(time.perf_counter() - sent_at)
                    out["acked"] += 1
                elif kind == "error":
                    out["errors"].append(message["code"])
                elif kind == "bye":
                    break
        finally:
            bare_task.cancel()
            await bare.close()


async def bare_reader(ws: Any, out: dict[str, Any]) -> None:
    async for frame in ws:
        out["bare"].append(time.time() - json.loads(frame)["sent"])


async def participants_main(url: str, bare_url: str, code: str, count: int, first: int) -> None:
    out: dict[str, Any] = {
        "join": [], "fanout": [], "ack": [], "bare": [], "errors": [],
        "joined": 0, "answers": 0, "acked": 0,
    }  # fmt: skip
    # Joins arrive in waves of 50, as a class does when the code goes up.
    tasks = []
    for number in range(count):
        tasks.append(asyncio.create_task(participant(first + number, url, bare_url, code, out)))
        if number % 50 == 49:
            await asyncio.sleep(0.05)
    while out["joined"] + len(out["errors"]) < count:
        await asyncio.sleep(0.05)
    print("joined", flush=True)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    out["errors"] += [repr(r) for r in results if isinstance(r, BaseException)]
    print(json.dumps(out), flush=True)


# -- the hub's process -------------------------------------------------------------------------


async def hub_main(args: argparse.Namespace) -> None:
    from quiz.deck.loader import load_deck
    from quiz.peer.hub import Hub, Phase
    from quiz.peer.journal import Journal
    from quiz.peer.plan import Question

    folder = Path(tempfile.mkdtemp(prefix="peer-bench-"))
    deck_file = folder / "peer-bench.yaml"
    deck_file.write_text(DECK)
    loaded = load_deck(deck_file)
    assert loaded.deck is not None, loaded.problems
    questions = [Question(loaded.deck, card) for card in loaded.deck.cards]
    if args.runner == "fake":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from quiz.sandbox.protocol import RunResult, RunStatus
        from tests.deck.fakes import CannedRunner

        runner: Any = CannedRunner(lambda request: RunResult(RunStatus.OK, values=("True",)))
    else:
        from quiz.sandbox.pool import shared_pool

        started = time.perf_counter()
        runner = shared_pool()
        runner.wait_ready(60)
        print(f"sandbox pool ready in {time.perf_counter() - started:.1f} s")
    hub = Hub(
        questions,
        runner,
        Journal(folder / "session.db", fresh=True),
        seconds=60,
        max_participants=args.clients,
    )
    hub.save_plan()
    port = await hub.start("127.0.0.1", 0)

    bare_clients: set[ServerConnection] = set()

    async def bare_handler(conn: ServerConnection) -> None:
        bare_clients.add(conn)
        try:
            await conn.wait_closed()
        finally:
            bare_clients.discard(conn)

    bare = await serve(bare_handler, "127.0.0.1", 0, compression=None)
    bare_port = bare.sockets[0].getsockname()[1]
    base, extra = divmod(args.clients, args.procs)
    shares = [base + (i < extra) for i in range(args.procs)]
    offsets = [sum(shares[:i]) for i in range(len(shares))]
    crowds = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--participants",
                f"ws://127.0.0.1:{port}",
                f"ws://127.0.0.1:{bare_port}",
                hub.code,
                str(share),
                str(offset),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for share, offset in zip(shares, offsets, strict=True)
    ]
    for crowd in crowds:
        assert crowd.stdout is not None
        await asyncio.to_thread(crowd.stdout.readline)  # "joined"
    grading: list[float] = []
    graded = 0
    marks: dict[str, float] = {}

    def mark(what: str) -> None:
        if what == "answer":
            marks.setdefault("first", time.perf_counter())
        elif what == "graded":
            marks["last"] = time.perf_counter()

    hub.listeners.append(mark)
    for index in range(len(questions)):
        marks.clear()
        await asyncio.sleep(0.3)  # as quiet as the bare broadcast's moment
        await hub.next()
        frame_size = len(hub._question_frame())
        while hub.phase is Phase.QUESTION:
            await asyncio.sleep(0.01)
        grading.append(marks.get("last", 0.0) - marks.get("first", 0.0))
        graded += sum(v for k, v in hub.counts.items() if k != "no-answer")
        print(f"question {index + 1}: {hub.counts}", flush=True)
        await asyncio.sleep(0.3)
        # The bare broadcast: a frame of the same size, to the same clients.
        pad = "x" * max(frame_size - 40, 0)
        broadcast(bare_clients, json.dumps({"sent": time.time(), "pad": pad}))
        await asyncio.sleep(0.3)
    hub_rss = rss_mb()
    await hub.end()
    out: dict[str, Any] = {}
    for crowd in crowds:
        assert crowd.stdout is not None
        part = json.loads(await asyncio.to_thread(crowd.stdout.readline))
        crowd.wait()
        crowd.stdout.close()
        for key, value in part.items():
            out[key] = out.get(key, 0 if isinstance(value, int) else []) + value
    await hub.stop()
    bare.close()
    ms = 1000.0
    fan = [v * ms for v in out["fanout"]]
    bare_fan = [v * ms for v in out["bare"]]
    expected = args.clients * len(questions)
    print()
    print(
        f"participants      {out['joined']}/{args.clients} joined, runner {args.runner},"
        f" {args.procs} client processes"
    )
    print(
        f"join              p50 {percentile(out['join'], 0.5) * ms:7.1f} ms"
        f"   p99 {percentile(out['join'], 0.99) * ms:7.1f} ms"
    )
    print(
        f"fan-out (hub)     p50 {percentile(fan, 0.5):7.1f} ms"
        f"   p99 {percentile(fan, 0.99):7.1f} ms"
        f"   ({len(fan)} receipts)"
    )
    print(
        f"fan-out (bare)    p50 {percentile(bare_fan, 0.5):7.1f} ms"
        f"   p99 {percentile(bare_fan, 0.99):7.1f} ms   ({len(bare_fan)} receipts)"
    )
    ratio = percentile(fan, 0.99) / max(percentile(bare_fan, 0.99), 1e-9)
    print(f"fan-out p99 ratio {ratio:7.2f}x the bare broadcast")
    print(
        f"ack               p50 {percentile(out['ack'], 0.5) * ms:7.1f} ms"
        f"   p99 {percentile(out['ack'], 0.99) * ms:7.1f} ms"
    )
    print(
        f"answers           {out['answers']} sent, {out['acked']} acknowledged, {graded} graded"
        f" (of {expected})"
    )
    print(
        f"grading           {graded / max(sum(grading), 1e-9):7.1f} answers/s"
        f"   (first answer to last grade: {', '.join(f'{g:.2f}' for g in grading)} s)"
    )
    print(f"errors            {len(out['errors'])} {out['errors'][:5]}")
    print(f"hub RSS           {hub_rss:7.1f} MiB")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--participants":
        url, bare_url, code, count, first = sys.argv[2:7]
        asyncio.run(participants_main(url, bare_url, code, int(count), int(first)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--runner", choices=("sandbox", "fake"), default="sandbox")
    parser.add_argument(
        "--procs",
        type=int,
        default=2,
        help="participant processes (receipt times are taken "
        "on their event loops, so one loop for 300 sockets would time its own backlog)",
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds before giving up")
    args = parser.parse_args()

    async def bounded() -> None:
        async with asyncio.timeout(args.timeout):
            await hub_main(args)

    asyncio.run(bounded())


if __name__ == "__main__":
    main()
