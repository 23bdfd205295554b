"""Spins forever on one core: the wall-clock timeout must end it."""

while True:
    pass
