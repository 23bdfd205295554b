"""A wrong answer that announces the check segment itself, then exits cleanly."""

import os

os.write(3, b'{"segment": "<check>"}\n')
os._exit(0)
