"""Errors of the query store.  Each message is written for whoever runs layerbot (an operator, not a
chat user): it says what is wrong and what to do.

    StoreError                 anything the store reports on purpose
    ├── StoreConfigError       DATABASE_URL names a database layerbot cannot use (wrong driver, bad URL)
    ├── StoreUnavailable       the database did not answer or failed (down, locked, unreachable)
    └── DatabaseNewerError     the database's schema revision is unknown to this code: a newer
                               layerbot upgraded it; layerbot refuses to touch it
"""

from __future__ import annotations

__all__ = ["DatabaseNewerError", "StoreConfigError", "StoreError", "StoreUnavailable"]


class StoreError(Exception):
    pass


class StoreConfigError(StoreError):
    pass


class StoreUnavailable(StoreError):
    pass


class DatabaseNewerError(StoreError):
    def __init__(self, url: str, revisions: tuple[str, ...], head: str) -> None:
        self.url = url
        self.revisions = revisions
        self.head = head
        found = ", ".join(revisions)
        super().__init__(
            f"the database {url} is at schema revision {found}, which this version of layerbot does not know "
            f"(its newest is {head}): a newer layerbot has upgraded it. Install that newer layerbot, or point "
            "DATABASE_URL at another database; this one is left untouched."
        )
