"""Hot-path reads as plain SQL: the statements a salesperson waits for on every screen.

Most reads go through SQLModel. The few that run on every refresh are written once
here as SQL text and run on a driver cursor (``Database.read_cursor``, or
:func:`cursor_of` inside a session), so the time they take is SQLite's plus
microseconds: the benchmark runs the same text in raw sqlite3 as its floor. Their
plans are asserted in ``tests/test_query_plans.py``.

Each statement is written once, in SQLite's spelling; :class:`Raw` runs it on either
database (on PostgreSQL: ``%s`` placeholders, ``strpos`` for ``instr``, ``ILIKE`` for
SQLite's case-blind ``LIKE``, no ``INDEXED BY``). Datetimes are stored the way SQLModel
stores them: in SQLite UTC naive text with microseconds, in PostgreSQL ``timestamptz``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

#: SQLAlchemy's SQLite DATETIME text: always with microseconds, so text order is time order.
_STORED = "%Y-%m-%d %H:%M:%S.%f"


def to_stored(at: datetime) -> str:
    """An aware datetime as the text SQLModel stores (UTC)."""
    return at.astimezone(UTC).strftime(_STORED)


def from_stored(value: str | datetime | None) -> datetime | None:
    """A stored datetime (SQLite's text, PostgreSQL's aware value) as an aware UTC one."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value + "+00:00")  # twice as fast as .replace(tzinfo=)


@lru_cache(maxsize=64)
def postgresql_sql(sql: str) -> str:
    """The PostgreSQL spelling of one statement of this module."""
    sql = re.sub(r"\s+INDEXED BY \w+", "", sql)
    sql = sql.replace("instr(", "strpos(").replace(" LIKE ", " ILIKE ")
    return sql.replace("?", "%s")


class Raw:
    """A driver cursor inside a read snapshot (or a session's transaction), and the
    dialect that says how to spell the statements of this module on it."""

    __slots__ = ("cursor", "postgresql")

    def __init__(self, cursor: Any, dialect: str) -> None:
        self.cursor = cursor
        self.postgresql = dialect == "postgresql"

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of ``sql`` (datetimes as stored: see :func:`from_stored`)."""
        if self.postgresql:
            self.cursor.execute(postgresql_sql(sql), tuple(params))
        else:
            self.cursor.execute(
                sql, tuple(to_stored(p) if isinstance(p, datetime) else p for p in params)
            )
        return self.cursor.fetchall()


# One salesperson's open callbacks due before a moment, with the customer and the newest
# note from a finished callback. Seeks ix_callback_open_due; the note comes from the
# customer's own callbacks (ix_callback_customer_id), a handful per customer.
DUE_CALLBACKS_SQL = """
SELECT cb.id, cb.due_at, c.id, c.name, c.phone, c.level, c.status, c.level_since,
       c.status_since, c.owner_since, c.last_contact_at, c.created_at, c.notes,
       (SELECT n.note FROM callback AS n
         WHERE n.customer_id = c.id AND n.status = 'done' AND n.note != ''
         ORDER BY n.done_at DESC, n.id DESC LIMIT 1)
FROM callback AS cb JOIN customer AS c ON c.id = cb.customer_id
WHERE cb.salesperson_id = ? AND cb.status = 'open' AND cb.due_at < ?
ORDER BY cb.due_at, cb.id
"""


def cursor_of(session: Session) -> Raw:
    """A driver cursor inside ``session``'s transaction (same snapshot, same lock)."""
    conn = session.connection()
    return Raw(conn.connection.cursor(), conn.dialect.name)


def due_callback_rows(cur: Raw, salesperson_id: int, before: datetime) -> list[tuple[Any, ...]]:
    """Rows of :data:`DUE_CALLBACKS_SQL` (datetimes still as stored)."""
    return cur.rows(DUE_CALLBACKS_SQL, (salesperson_id, before))


# Every configured level, as the domain's LevelRule fields in order.
LEVELS_SQL = """
SELECT code, rank, name_en, name_zh, horizon_months, callback_interval, to_marketing,
       escalation, escalation_after, lost_after, stall_grace
FROM level ORDER BY rank DESC
"""


def level_rows(cur: Raw) -> tuple[tuple[Any, ...], ...]:
    """The level table's rows (hashable, so the built rules can be cached on them)."""
    return tuple(cur.rows(LEVELS_SQL))


# Customers by a name fragment and/or phone digits, most recently contacted first. The
# inner query walks the covering ix_customer_search (last_contact_at, name, phone)
# backwards and stops at the limit without touching the table (a fragment found a few
# times in 200,000 customers reads the whole index: a quarter faster covered); only the
# hits are then read with their owner. {where} is built by customer_search_rows.
CUSTOMER_SEARCH_SQL = """
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM (SELECT id FROM customer INDEXED BY ix_customer_search WHERE {where}
      ORDER BY last_contact_at DESC LIMIT ?) AS hit
JOIN customer AS c ON c.id = hit.id JOIN staff AS s ON s.id = c.owner_id
"""


def customer_search_rows(
    cur: Raw,
    *,
    name: str | None,
    name_any_case: bool,
    digits: str | None,
    limit: int,
    whole_name: bool = False,
) -> list[tuple[Any, ...]]:
    """Rows of :data:`CUSTOMER_SEARCH_SQL`, most recently contacted first: name containing
    ``name`` (any ASCII case when ``name_any_case``; the whole name when ``whole_name``)
    or phone containing ``digits``."""
    conds: list[str] = []
    values: list[Any] = []
    if name is not None:
        wild = "" if whole_name else "%"
        if name_any_case:  # LIKE ignores ASCII case; the fragment's own % and _ escaped
            conds.append("name LIKE ? ESCAPE '\\'")
            escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            values.append(f"{wild}{escaped}{wild}")
        elif whole_name:
            conds.append("name = ?")
            values.append(name)
        else:  # instr: half the cost of LIKE where case does not matter (CJK, digits)
            conds.append("instr(name, ?) > 0")
            values.append(name)
    if digits is not None:
        conds.append("instr(phone, ?) > 0")
        values.append(digits)
    if not conds:
        return []
    sql = CUSTOMER_SEARCH_SQL.format(where=" OR ".join(conds))
    if cur.postgresql:  # PostgreSQL sorts NULL first going down; never-contacted go last
        sql = sql.replace("DESC LIMIT", "DESC NULLS LAST LIMIT")
    rows = cur.rows(sql, (*values, limit))
    # The join reads the hits in the inner order, but SQL promises no order without an
    # outer ORDER BY: sort the few rows here, never-contacted last as in the index.
    # (Stored values compare as they are, text or datetime: no parsing on the hot path.)
    rows.sort(key=lambda r: (r[8] is not None, r[8] or ""), reverse=True)
    return rows
