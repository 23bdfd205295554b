"""Connects to a port the host is listening on, over loopback, and sends data."""

import socket

with socket.create_connection(("127.0.0.1", int("@PORT@")), timeout=1) as conn:
    conn.sendall(b"leaked")
