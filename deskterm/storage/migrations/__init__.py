"""Schema migrations: numbered steps, applied in order, the same steps on both databases.

Each step is ``vNNN.sql`` for SQLite (tracked by ``PRAGMA user_version``) and its twin
``postgresql/vNNN.sql`` for PostgreSQL (tracked in the ``schema_version`` table): the
same tables, columns, keys and indexes, spelled in each dialect (identity columns,
``TIMESTAMPTZ``, the audit triggers). ``tests/test_postgres.py`` proves the twins give
the same schema. A schema change is always a new step in both, never an edit of an old
one and never "delete the database".

A step may also need Python (SQLite has no SHA-256): :data:`PYTHON_STEPS` names it per
version and dialect. It runs after every SQL step of the upgrade, in the same
transaction, so an upgrade is still all or nothing.
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


#: Version -> dialect -> the dotted name of a function(connection) run after the SQL.
PYTHON_STEPS: dict[int, dict[str, str]] = {
    5: {
        "sqlite": "deskterm.storage.audit_chain:chain_existing_sqlite",
        "postgresql": "deskterm.storage.audit_chain:chain_existing_postgresql",
    },
    6: {
        "sqlite": "deskterm.storage.level_clock_repair:repair_sqlite",
        "postgresql": "deskterm.storage.level_clock_repair:repair_postgresql",
    },
}


def _python_steps(con: Any, current: int, dialect: str) -> None:
    """Run the Python part of every step after ``current``, in version order."""
    from importlib import import_module

    for version in range(current + 1, LATEST + 1):
        name = PYTHON_STEPS.get(version, {}).get(dialect)
        if name is not None:
            module, function = name.split(":")
            getattr(import_module(module), function)(con)


def migrate(con: sqlite3.Connection, current: int) -> int:
    """Apply every migration after ``current`` in one transaction; return the new version.

    SQLite DDL is transactional, so a failed migration leaves the file as it was.
    ``con`` must be in autocommit mode (isolation_level=None).
    """
    if current >= LATEST:
        return current
    body = "\n".join(script(v) for v in range(current + 1, LATEST + 1))
    # executescript commits an open transaction before it starts, never after it ends:
    # the transaction begun here stays open for the Python steps.
    try:
        con.executescript(f"BEGIN IMMEDIATE;\n{body}")
        _python_steps(con, current, "sqlite")
        con.execute(f"PRAGMA user_version = {LATEST}")
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    return LATEST


def migrate_postgresql(con: Any, current: int) -> int:
    """Apply every PostgreSQL step after ``current`` on a psycopg connection, inside the
    caller's transaction (PostgreSQL DDL is transactional too); return the new version."""
    if current >= LATEST:
        return current
    for version in range(current + 1, LATEST + 1):
        con.execute(script(version, "postgresql"))  # no parameters: several statements
    _python_steps(con, current, "postgresql")
    con.execute("UPDATE schema_version SET version = %s", (LATEST,))
    return LATEST
