"""Allocates without end in pure Python: the address-space cap must stop it as `memory`."""

chunks = []
while True:
    chunks.append(bytearray(16 * 1024 * 1024))
