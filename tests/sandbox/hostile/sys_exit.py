"""Exits with a non-zero code through SystemExit."""

import sys

print("leaving")
sys.exit(3)
