"""Facts about the sandbox for `quiz doctor`, found without importing torch."""

from __future__ import annotations

from importlib import metadata


def torch_version() -> str | None:
    """The installed torch's version from its package metadata, or None if torch is missing.

    The host process must never import torch (only sandbox workers do), so this reads the
    distribution's metadata instead of `torch.__version__`.
    """
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None
