"""A wrong answer that says its answer ended before it did (on the harness's channel), then
starts a thread that keeps writing the right answer into the namespace: if the sandbox stopped
the run's leftovers only at that first word, the thread would still be there for the check."""

import os
import threading
import time

os.write(3, b'{"answered": true}\n')
time.sleep(0.05)  # let the worker act on it


def _keep_right() -> None:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        globals()["result"] = 42


threading.Thread(target=_keep_right, daemon=True).start()
result = 0
