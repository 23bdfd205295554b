"""Connects to a pathname UNIX socket the host listens on (as an ssh-agent or docker socket)."""

import socket

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
    conn.connect("@UNIX_SOCKET@")
    conn.sendall(b"leaked")
