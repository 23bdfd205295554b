"""A wrong answer that leaves a process and a thread behind to read its check off the control
pipe (and print it) once the harness asks for it."""

import os
import threading


def steal() -> None:
    try:
        data = os.read(4, 1 << 20)
    except OSError:
        return
    os.write(1, b"stolen:" + data + b"\n")


if os.fork() == 0:
    steal()
    os._exit(0)
threading.Thread(target=steal, daemon=True).start()
