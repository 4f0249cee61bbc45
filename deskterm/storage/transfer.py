"""Copying a whole deskterm database into another, empty one: how a shop moves from its
SQLite file to the dealer group's PostgreSQL server (or back).

Both sides have the same schema (the twin migrations), so every table is copied row by
row in foreign-key order, read from one snapshot of the source and written in one
transaction on the target: all of it or nothing. Ids are kept (history, audit and
rotation logs refer to them), so a server's id counters are moved past them afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from deskterm.errors import StorageError
from deskterm.storage.engine import Database

BATCH = 2000  # rows per INSERT round trip: a dealer group's million callbacks in 500


def copy_everything(
    source: Database, target: Database, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target``; return rows per table."""
    # Imported here, which declares the tables: storage.models declares them only at a
    # first look, and a copy in a process of its own had listed none ("Copied 0 rows").
    from deskterm.storage.tables import Table

    tables = Table.metadata.sorted_tables  # parents before the rows that refer to them
    counts: dict[str, int] = {}
    with target.write() as ws:
        out = ws.connection()
        for table in tables:
            if out.execute(select(func.count()).select_from(table)).scalar():
                raise StorageError(
                    "{path} already holds data (table {table}): copy only into "
                    "a new, empty database.",
                    path=target.where,
                    table=table.name,
                )
        with source.read() as rs:
            inp = rs.connection().execution_options(yield_per=BATCH)
            for table in tables:
                n = 0
                result = inp.execute(select(table))
                for part in result.partitions():
                    out.execute(table.insert(), [dict(row._mapping) for row in part])
                    n += len(part)
                counts[table.name] = n
                if progress is not None:
                    progress(table.name, n)
        if target.dialect == "postgresql":
            for table in tables:
                if "id" in table.c and table.c.id.primary_key:
                    # The identity goes on after the highest id copied (or starts at 1).
                    out.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"
                    )
    # Fresh tables have no statistics yet: without them the first queries on a dealer
    # group's million callbacks are planned blind (the due list took twice as long).
    # Only the tables copied: a bare ANALYZE reads every schema of the database (each
    # showroom of a dealer group's server), and fails if another is dropped meanwhile.
    with target.engine.connect() as conn:
        for table in tables:
            conn.exec_driver_sql(f"ANALYZE {table.name}")
        conn.commit()
    return counts
