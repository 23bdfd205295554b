"""Facts about the sandbox for `quiz doctor`, found without importing torch."""

from __future__ import annotations

from quiz.deck.requires import installed_version


def torch_version() -> str | None:
    """The installed torch's version from its package metadata, or None if torch is missing.

    The host process must never import torch (only sandbox workers do), so this reads the
    distribution's metadata, the one way every part of quiz reads installed versions.
    """
    return installed_version("torch")
