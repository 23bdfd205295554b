"""Kills the process that forked it (its worker), then carries on as if nothing happened."""

import os
import signal
import time

os.kill(os.getppid(), signal.SIGKILL)
time.sleep(0.2)
print("still here")
