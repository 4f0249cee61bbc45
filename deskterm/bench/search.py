"""The customer search against its floor: the same fragment through the index on the bare
driver (``python -m deskterm.bench.search [--db FILE] [--runs N]``).

Three characters or more: within 3× the raw FTS5 trigram query that returns the same
rows (PostgreSQL: the raw pg_trgm query). One or two (a surname, a given name): within
5 ms by their own route, the raw lookup of the name's characters printed beside.
"""

from __future__ import annotations

import argparse
import functools
import sqlite3
import sys
from pathlib import Path
from typing import Any

from deskterm.bench.common import Figure, alternated_ms

#: (what, fragment, route): the desk's kinds of search on the large data set.
FRAGMENTS = (
    ("phone digits, 5 (found ~40×)", "13112", "trigram"),
    ("phone digits found nowhere", "99999", "trigram"),
    ("name, 3 characters", "Tom Hu", "trigram"),
    ("name, 2 characters (surname + given name)", "王伟", "chars"),
    ("name, 2 letters (a surname in pinyin)", "Hu", "chars"),
    ("name, 3 letters, common (in 1% of names)", "ang", "trigram"),
    ("name, 1 character (a common given name)", "娜", "chars"),
)

#: Fragments found nowhere at any size: the index's own cost, with nothing to return,
#: for the growth curve (a fragment found in a share of customers returns more of them
#: in a larger shop, whatever the index).
NOWHERE = (
    ("phone digits found nowhere", "9990999", "trigram"),
    ("name, 3+ characters found nowhere", "Qxz Qxz", "trigram"),
    ("name, 2 characters found nowhere", "鑫淼", "chars"),
)

_COLUMNS = """c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at"""


def floor_sql(route: str, postgresql: bool) -> str:
    """The plainest single statement that returns the search's rows for one fragment."""
    if postgresql:
        return f"""SELECT {_COLUMNS} FROM customer AS c JOIN staff AS s ON s.id = c.owner_id
WHERE c.name ILIKE %s OR c.phone LIKE %s
ORDER BY c.last_contact_at DESC NULLS LAST LIMIT 50"""
    table = "customer_trigram" if route == "trigram" else "customer_chars"
    return f"""SELECT {_COLUMNS} FROM customer AS c JOIN staff AS s ON s.id = c.owner_id
WHERE c.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)
ORDER BY c.last_contact_at DESC LIMIT 50"""


def floor_params(fragment: str, route: str, postgresql: bool) -> tuple[Any, ...]:
    """The floor statement's values for ``fragment``."""
    from deskterm.domain.phone import phone_search_digits
    from deskterm.storage.queries import search_match

    digits = phone_search_digits(fragment)
    is_phone = fragment.isdigit()
    if postgresql:
        return (f"%{fragment}%", f"%{digits}%" if len(digits) >= 3 else "")
    match = search_match(None if is_phone else fragment, digits if len(digits) >= 3 else None)
    assert match is not None and match[0] == route, (fragment, match)
    return (match[1],)


def _rows(raw: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
    return list(raw.execute(sql, params).fetchall())


def measure(
    db: Path,
    runs: int,
    server: str | None = None,
    fragments: tuple[tuple[str, str, str], ...] = FRAGMENTS,
) -> list[Figure]:
    """The search figures on ``db`` (or on ``server``, a copy of it)."""
    from dateutil import parser as date_parser

    from deskterm.clock import FixedClock
    from deskterm.services import customers
    from deskterm.services.maintenance import open_context

    clock = FixedClock(date_parser.isoparse("2026-11-20T10:40"))
    ctx = open_context(server or db, clock, start_of_day=False)
    raw: Any
    if server is None:
        raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        floor_of = "raw FTS5 query, sqlite3"
    else:
        import psycopg

        raw = psycopg.connect(ctx.db.conninfo, autocommit=True)  # type: ignore[attr-defined]
        floor_of = "raw pg_trgm query, psycopg"
    figures = []
    try:
        for what, fragment, route in fragments:
            sql = floor_sql(route, server is not None)
            params = floor_params(fragment, route, server is not None)
            found = customers.search(ctx, fragment)
            floor_rows = raw.execute(sql, params).fetchall()
            # The floor is also a witness: the same customers (ranked differently).
            assert {c.id for c in found} <= {r[0] for r in floor_rows} or len(floor_rows) == 50, (
                fragment
            )
            ours, base = alternated_ms(
                functools.partial(customers.search, ctx, fragment),
                functools.partial(_rows, raw, sql, params),
                runs,
            )
            short = route == "chars"
            figures.append(
                Figure(
                    f"customer search: {what} ({len(found)} shown)",
                    ours,
                    base,
                    floor_of,
                    max_ratio=None if short else 3,
                    limit=5 if short else None,
                )
            )
    finally:
        raw.close()
        ctx.db.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the search figures for one database (a scratch copy is not needed: reads)."""
    from deskterm.bench.__main__ import DEFAULT_DB, to_table

    p = argparse.ArgumentParser(prog="python -m deskterm.bench.search")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--runs", type=int, default=21)
    p.add_argument("--server", metavar="ADDRESS")
    args = p.parse_args(argv)
    figures = measure(args.db, args.runs, args.server)
    print(to_table(figures))
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
