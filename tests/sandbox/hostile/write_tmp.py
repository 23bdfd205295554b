"""Writes into the host's /tmp, outside the run's own scratch directory."""

with open("/tmp/@MARKER@", "w") as f:
    f.write("written from the sandbox")
