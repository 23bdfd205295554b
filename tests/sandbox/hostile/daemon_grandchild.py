"""Starts a setsid daemon that outlives the run, then tries to leave a file behind."""

import ctypes
import os
import time

NAME = "@TOKEN@"
MARKER = "@MARKER@"

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        # A name the test can find in /proc, whoever this process belongs to by then.
        ctypes.CDLL(None).prctl(15, NAME.encode()[:15], 0, 0, 0)
        time.sleep(0.5)
        for folder in ("/tmp", "@HOST_HOME@"):
            try:
                with open(os.path.join(folder, MARKER), "w") as f:
                    f.write("I survived the run")
            except OSError:
                pass
        time.sleep(30)
    os._exit(0)
print("daemon started")
