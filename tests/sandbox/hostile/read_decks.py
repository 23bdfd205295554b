"""Reads a deck file (its answers and solutions) from where quiz keeps them."""

with open("@DECK_FILE@", encoding="utf-8") as f:
    print(f.read()[:200])
