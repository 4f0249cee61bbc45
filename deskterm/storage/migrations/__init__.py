"""Schema migrations: numbered SQL files, applied in order, tracked by ``PRAGMA user_version``.

A schema change is always a new ``vNNN.sql`` file, never an edit of an old one
and never "delete the database".
"""

from __future__ import annotations

import sqlite3
from importlib import resources

_FILES = sorted(
    f.name for f in resources.files(__package__).iterdir() if f.name.endswith(".sql")
)
LATEST = len(_FILES)


def script(version: int) -> str:
    """The SQL of migration ``version`` (1-based)."""
    return resources.files(__package__).joinpath(f"v{version:03d}.sql").read_text("utf-8")


def migrate(con: sqlite3.Connection, current: int) -> int:
    """Apply every migration after ``current`` in one transaction; return the new version.

    SQLite DDL is transactional, so a failed migration leaves the file as it was.
    ``con`` must be in autocommit mode (isolation_level=None).
    """
    if current >= LATEST:
        return current
    body = "\n".join(script(v) for v in range(current + 1, LATEST + 1))
    con.executescript(f"BEGIN IMMEDIATE;\n{body}\nPRAGMA user_version = {LATEST};\nCOMMIT;")
    return LATEST
