"""Anki interop: `.apkg` export of proven cards (genanki) and import of Anki decks (`anki`)."""
