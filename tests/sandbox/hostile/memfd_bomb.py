"""Fills 20 memfds of 60 MiB: memory that belongs to no process's address space."""

import os

fds = []
chunk = b"x" * (1024 * 1024)
for i in range(20):
    fd = os.memfd_create(f"bomb{i}")
    for _ in range(60):
        os.write(fd, chunk)
    fds.append(fd)
print("filled", len(fds))
