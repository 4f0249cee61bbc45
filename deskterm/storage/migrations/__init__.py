"""Schema migrations: numbered steps, applied in order, the same steps on both databases.

Each step is ``vNNN.sql`` for SQLite (tracked by ``PRAGMA user_version``) and its twin
``postgresql/vNNN.sql`` for PostgreSQL (tracked in the ``schema_version`` table): the
same tables, columns, keys and indexes, spelled in each dialect (identity columns,
``TIMESTAMPTZ``, the audit triggers). ``tests/test_postgres.py`` proves the twins give
the same schema. A schema change is always a new step in both, never an edit of an old
one and never "delete the database".
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from typing import Any

_FILES = sorted(f.name for f in resources.files(__package__).iterdir() if f.name.endswith(".sql"))
LATEST = len(_FILES)

#: The dialects a step is written for; the folder of each step's file.
DIALECTS = {"sqlite": "", "postgresql": "postgresql/"}


def script(version: int, dialect: str = "sqlite") -> str:
    """The SQL of migration ``version`` (1-based) for ``dialect``."""
    name = f"{DIALECTS[dialect]}v{version:03d}.sql"
    return resources.files(__package__).joinpath(name).read_text("utf-8")


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


def migrate_postgresql(con: Any, current: int) -> int:
    """Apply every PostgreSQL step after ``current`` on a psycopg connection, inside the
    caller's transaction (PostgreSQL DDL is transactional too); return the new version."""
    if current >= LATEST:
        return current
    for version in range(current + 1, LATEST + 1):
        con.execute(script(version, "postgresql"))  # no parameters: several statements
    con.execute("UPDATE schema_version SET version = %s", (LATEST,))
    return LATEST
