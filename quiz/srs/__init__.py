"""The review engine: FSRS scheduling, the SQLite store, Anki's daily queue, grading, stats.

Nothing here imports textual or torch (`quiz optimize` imports fsrs' Optimizer, and with it
torch, only inside its own command).
"""
