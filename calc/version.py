"""The version of the calculations: what a stored answer is only reused by.

    VERSION == "0.1.0+3f2a9c01d4e7"      # the package version + a digest of calc's own files

A cached answer (the answer cache in the query store) is reused only by the same :data:`VERSION`.
The package version alone is not enough: a change to a formula, a parser or a message's arguments
without a version bump would otherwise serve answers the new code no longer gives.  So the version
carries a SHA-256 digest of every file in the ``calc`` package (its path inside the package and its
bytes; ``__pycache__`` and compiled files left out), computed once, when this module is first
imported: about a megabyte of source, a few milliseconds.

This is the one place calc reads a file, and it reads only its own source.  The digest does not
depend on where the package is installed, on the file system's order or on the time: the same files
give the same version on every machine.  Anything outside ``calc`` (the renderers, the bot) does not
change an answer's calculations, so it does not change the version: a cached answer is rendered
afresh by the current renderers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["DIGEST_CHARS", "MAX_VERSION_CHARS", "VERSION", "make_version", "package_version", "source_digest"]

DIGEST_CHARS = 12
"""Hex digits of the digest kept in the version (48 bits: no accidental collision between versions)."""

MAX_VERSION_CHARS = 32
"""The store keeps a version in 32 characters; the package part is cut so the digest always fits."""

_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


def source_digest(root: Path) -> str:
    """SHA-256 (hex) over every file under ``root``: each file's path relative to ``root`` (POSIX
    separators) and its bytes, in sorted path order.  Compiled files and ``__pycache__`` are skipped."""
    files = sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file()
        and not path.name.endswith(_SKIPPED_SUFFIXES)
        and not _SKIPPED_DIRS.intersection(path.relative_to(root).parts)
    )
    digest = hashlib.sha256()
    for name, path in files:
        data = path.read_bytes()
        # Length-prefixed, so that no two different trees hash the same byte stream.
        encoded = name.encode("utf-8", "surrogateescape")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def package_version() -> str:
    """The installed layerbot distribution's version, or ``dev`` when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("layerbot")
    except PackageNotFoundError:
        return "dev"


def make_version(package: str, digest: str) -> str:
    """``0.1.0`` and a hex digest → ``0.1.0+3f2a9c01d4e7`` (at most :data:`MAX_VERSION_CHARS` characters)."""
    tail = "+" + digest[:DIGEST_CHARS]
    return package[: MAX_VERSION_CHARS - len(tail)] + tail


VERSION: str = make_version(package_version(), source_digest(Path(__file__).resolve().parent))
"""The calculations' version: stored with every answer, the key (with the input's digest) of the cache."""
