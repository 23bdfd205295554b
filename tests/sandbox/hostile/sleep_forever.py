"""Sleeps forever using no CPU, so only the wall clock can end it."""

import time

while True:
    time.sleep(3600)
