"""Many rows into one table with one ``executemany`` on the driver, inside a session's
transaction: for an import's thousands of rows, where an ORM object (or SQLAlchemy's
processing of each bound value) per row costs several times the insert itself.

The rows are plain tuples in the order of the columns named; a moment goes in as
:func:`stored` gives it (SQLite's UTC text, or the aware value a server takes), made once
for the many rows that share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from deskterm.storage import orm
from deskterm.storage.queries import Raw, cursor_of, to_stored


def stored(cur: Raw, at: datetime) -> Any:
    """``at`` as the driver stores it: UTC text on SQLite (as SQLModel writes it), the
    aware datetime on PostgreSQL."""
    return at if cur.postgresql else to_stored(at)


def raw(session: orm.Session) -> Raw:
    """The driver cursor of ``session``'s transaction (the write lock it holds)."""
    return cursor_of(session)


def insert_many(
    cur: Raw, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table``."""
    if not rows:
        return
    mark = "%s" if cur.postgresql else "?"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    cur.cursor.executemany(sql, rows)
