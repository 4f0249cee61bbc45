"""Schema step 6: level clocks of existing customers from their level history.

Before issue 15 a bounce (hot → warm → hot) restarted the level's clock: ``level_since``
was set to the last change. The desk now derives it from the level history
(``domain.clocks.level_clock_start``), so a shop upgraded from an older version has some
customers whose stored clock starts later than the history says — their at-risk or
reassign date postponed by a bounce. This step recomputes every customer's clock once,
in the upgrade's transaction, and only ever moves a clock *earlier*: it never postpones
anything, and a clock the history agrees with keeps its exact time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deskterm.domain.clocks import LevelEntry, level_clock_start
from deskterm.storage.queries import from_stored, to_stored

_DEFAULT_ZONE = "Asia/Shanghai"


def _zone(value: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(value or _DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(_DEFAULT_ZONE)


def repaired_clocks(
    customers: Iterable[tuple[Any, ...]], changes: Iterable[tuple[Any, ...]], zone: ZoneInfo
) -> list[tuple[datetime, int]]:
    """``(new level_since, customer id)`` for every customer whose stored clock starts
    later than its level history says.

    ``customers``: (id, level, level_since, owner_since, created_at);
    ``changes``: (customer id, from_level, to_level, at), oldest first.
    """

    def day(value: Any) -> date:
        at = from_stored(value)
        assert at is not None  # NOT NULL columns
        return at.astimezone(zone).date()

    history: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in changes:
        history[row[0]].append(row)
    out: list[tuple[datetime, int]] = []
    for cid, level, level_since, owner_since, created in customers:
        rows = history.get(cid, [])
        entries = [LevelEntry(day(at), to) for _, _, to, at in rows]
        first = rows[0][1] if rows else level
        if first:
            entries.insert(0, LevelEntry(day(created), first))
        if not entries or entries[-1].level != level:
            continue  # history and stored level disagree: leave it to `check`, change nothing
        start = level_clock_start(entries, day(owner_since))
        if start < day(level_since):
            out.append((datetime.combine(start, time(0), zone).astimezone(UTC), cid))
    return out


_CUSTOMERS = "SELECT id, level, level_since, owner_since, created_at FROM customer ORDER BY id"
_CHANGES = (
    "SELECT customer_id, from_level, to_level, at FROM level_change ORDER BY customer_id, at, id"
)
_ZONE = "SELECT value FROM setting WHERE key = 'shop.timezone'"


def repair_sqlite(con: Any) -> None:
    """Step 6 on an SQLite file (sqlite3 connection, inside the migration)."""
    found = con.execute(_ZONE).fetchone()
    fixes = repaired_clocks(
        con.execute(_CUSTOMERS).fetchall(),
        con.execute(_CHANGES).fetchall(),
        _zone(found[0] if found else None),
    )
    con.executemany(
        "UPDATE customer SET level_since = ? WHERE id = ?",
        [(to_stored(at), cid) for at, cid in fixes],
    )


def repair_postgresql(con: Any) -> None:
    """Step 6 on a server (psycopg connection, inside the migration)."""
    found = con.execute(_ZONE).fetchone()
    fixes = repaired_clocks(
        con.execute(_CUSTOMERS).fetchall(),
        con.execute(_CHANGES).fetchall(),
        _zone(found[0] if found else None),
    )
    with con.cursor() as cur:
        cur.executemany("UPDATE customer SET level_since = %s WHERE id = %s", fixes)
