"""Prints without end: the output cap must stop it and keep the first bytes."""

while True:
    print("flood " * 20)
