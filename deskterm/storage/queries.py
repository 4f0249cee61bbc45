"""Hot-path reads as plain SQL: the statements a salesperson waits for on every screen.

Most reads go through SQLModel. The few that run on every refresh are written once
here as SQL text and run on a driver cursor (``Database.read_cursor``, or
:func:`cursor_of` inside a session), so the time they take is SQLite's plus
microseconds: the benchmark runs the same text in raw sqlite3 as its floor. Their
plans are asserted in ``tests/test_query_plans.py``.

Datetimes are stored the way SQLModel stores them: UTC, naive text with microseconds.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

#: SQLAlchemy's SQLite DATETIME text: always with microseconds, so text order is time order.
_STORED = "%Y-%m-%d %H:%M:%S.%f"


def to_stored(at: datetime) -> str:
    """An aware datetime as the text SQLModel stores (UTC)."""
    return at.astimezone(UTC).strftime(_STORED)


def from_stored(text: str | None) -> datetime | None:
    """Stored datetime text back to an aware UTC datetime."""
    if text is None:
        return None
    return datetime.fromisoformat(text + "+00:00")  # twice as fast as .replace(tzinfo=)


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


def cursor_of(session: Session) -> sqlite3.Cursor:
    """A driver cursor inside ``session``'s transaction (same snapshot, same lock)."""
    return session.connection().connection.cursor()  # type: ignore[return-value]


def due_callback_rows(cur: sqlite3.Cursor, salesperson_id: int, before: datetime
                      ) -> list[tuple[Any, ...]]:
    """Rows of :data:`DUE_CALLBACKS_SQL` (datetimes still as stored text)."""
    return cur.execute(DUE_CALLBACKS_SQL, (salesperson_id, to_stored(before))).fetchall()


# Every configured level, as the domain's LevelRule fields in order.
LEVELS_SQL = """
SELECT code, rank, name_en, name_zh, horizon_months, callback_interval, to_marketing,
       escalation, escalation_after, lost_after, stall_grace
FROM level ORDER BY rank DESC
"""


def level_rows(cur: sqlite3.Cursor) -> tuple[tuple[Any, ...], ...]:
    """The level table's rows (hashable, so the built rules can be cached on them)."""
    return tuple(cur.execute(LEVELS_SQL).fetchall())


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


def customer_search_rows(cur: sqlite3.Cursor, *, name: str | None, name_any_case: bool,
                         digits: str | None, limit: int) -> list[tuple[Any, ...]]:
    """Rows of :data:`CUSTOMER_SEARCH_SQL`, most recently contacted first: name containing
    ``name`` (any ASCII case when ``name_any_case``) or phone containing ``digits``."""
    conds: list[str] = []
    values: list[Any] = []
    if name is not None:
        if name_any_case:  # LIKE ignores ASCII case; the fragment's own % and _ escaped
            conds.append("name LIKE ? ESCAPE '\\'")
            escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            values.append(f"%{escaped}%")
        else:  # instr: half the cost of LIKE where case does not matter (CJK, digits)
            conds.append("instr(name, ?) > 0")
            values.append(name)
    if digits is not None:
        conds.append("instr(phone, ?) > 0")
        values.append(digits)
    if not conds:
        return []
    sql = CUSTOMER_SEARCH_SQL.format(where=" OR ".join(conds))
    rows = cur.execute(sql, (*values, limit)).fetchall()
    # The join reads the hits in the inner order, but SQL promises no order without an
    # outer ORDER BY: sort the few rows here, never-contacted last as in the index.
    rows.sort(key=lambda r: (r[8] is not None, r[8] or ""), reverse=True)
    return rows
