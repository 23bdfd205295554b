"""Writes a 100 GB file into its scratch directory, one MiB at a time."""

chunk = b"\0" * (1 << 20)
with open("huge.bin", "wb") as f:
    for _ in range(100 * 1024):
        f.write(chunk)
