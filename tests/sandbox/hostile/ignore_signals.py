"""Ignores SIGTERM and SIGINT and waits: only SIGKILL can end it."""

import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(0.1)
