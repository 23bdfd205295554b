"""Starts 64 threads that spin on the CPU, and spins itself."""

import threading


def spin() -> None:
    while True:
        pass


for _ in range(64):
    threading.Thread(target=spin, daemon=True).start()
spin()
