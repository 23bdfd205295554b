"""Writes into the host user's home directory."""

import os

with open(os.path.join("@HOST_HOME@", "@MARKER@"), "w") as f:
    f.write("written from the sandbox")
