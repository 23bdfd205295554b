"""Closes every file descriptor, its result channel included, then tries to print."""

import os

os.closerange(0, 1 << 16)
print("nobody can hear this")
