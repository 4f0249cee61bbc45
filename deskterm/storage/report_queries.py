"""The meeting report's reads as plain SQL (issue 20): counted where the rows are.

The report once fetched every reception of its rate window, every customer in a
pipeline and every customer won, through SQLModel, and counted them in Python: two
thirds of its time went on building rows it then added up. Here the database counts
what it can (receptions grouped by what the KPIs tell apart, the customers whose
clocks have nothing due grouped by owner and level) and returns rows only where the
domain's rules must look at each one. Run on a driver cursor (``queries.Raw``), in
SQLite's spelling; :mod:`deskterm.bench.report` times them against the same figures
worked out by the fewest aggregate statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from deskterm.storage.queries import Raw, to_stored


def settings(cur: Raw) -> dict[str, str]:
    """The settings table as stored (the caller adds the defaults)."""
    return dict(cur.rows("SELECT key, value FROM setting"))


def staff_rows(cur: Raw) -> list[tuple[int, str, str, bool]]:
    """(id, name, role, active) of every member of staff."""
    return cur.rows("SELECT id, name, role, active FROM staff")  # type: ignore[return-value]


# Receptions of the rate window, grouped by what the KPIs tell apart (domain.kpi's
# ReceptionFact with a count): the salesperson credited, the side of the period's
# first day, the channel, contact details, counted, first visit, a form saved by the
# end of the period (its fields summed) and a test drive on it. A month's window at a
# busy group is thousands of rows; its groups are a few hundred. ix_reception_day.
RECEPTION_GROUPS_SQL = """
SELECT who, MIN(day), channel, has_contact, counted, first_visit, drove, COUNT(*),
       SUM(filled), SUM(total)
FROM (
  SELECT credited_to_id AS who, day, day >= ? AS in_period, channel,
         customer_id IS NOT NULL AS has_contact, counted, first_visit,
         CASE WHEN form_saved_at < ? AND form_fields_total <> 0
              THEN form_fields_filled ELSE 0 END AS filled,
         CASE WHEN form_saved_at < ? AND form_fields_total <> 0
              THEN form_fields_total ELSE 0 END AS total,
         CASE WHEN form_saved_at < ? AND form_fields_total <> 0 THEN 1 ELSE 0 END AS saved,
         CASE WHEN test_drive AND form_saved_at < ? THEN 1 ELSE 0 END AS drove
  FROM reception WHERE day >= ? AND day <= ?
) AS r
GROUP BY who, in_period, channel, has_contact, counted, first_visit, saved, drove
"""


def reception_groups(
    cur: Raw, window_from: date, first: date, last: date, end: datetime
) -> list[tuple[Any, ...]]:
    """Rows of :data:`RECEPTION_GROUPS_SQL`: (salesperson, a day of the group, channel,
    has contact, counted, first visit, test drive, count, fields filled, fields total);
    ``end`` is the end of the period (a form saved later was not there then)."""
    return cur.rows(
        RECEPTION_GROUPS_SQL,
        (first.isoformat(), end, end, end, end, window_from.isoformat(), last.isoformat()),
    )


_CALLBACK_COLUMNS = """
SELECT id, salesperson_id, due_at, done_at, status, level_before, level_after,
       customer_id, created_at
FROM callback
WHERE kind = 'sales' AND (status <> 'cancelled' OR done_at IS NOT NULL) AND """

# Sales callbacks a period's figures can count, as four index range reads rather than
# one OR that reads every callback ever made: due in the period or the next day, done
# in it, due before it and still open, done after it. (A cancelled callback without
# a date was cancelled before cancellations were dated: never anyone's task.)
CALLBACKS_DUE_SQL = _CALLBACK_COLUMNS + "due_at >= ? AND due_at < ?"
CALLBACKS_DONE_SQL = _CALLBACK_COLUMNS + "done_at >= ? AND done_at < ?"
CALLBACKS_OPEN_SQL = _CALLBACK_COLUMNS + "status = 'open' AND due_at < ?"
# due_at is left to the caller: with it here the planner picks the due_at index and
# reads them all.
CALLBACKS_DONE_AFTER_SQL = _CALLBACK_COLUMNS + "done_at >= ?"


def callback_rows(
    cur: Raw, start: datetime, end: datetime, tomorrow_end: datetime
) -> list[tuple[Any, ...]]:
    """Every sales callback due from ``start`` to ``tomorrow_end``, done from ``start``
    to ``end``, or due before ``start`` and not done by ``end``; each once (datetimes
    as stored: ``queries.from_stored``)."""
    found: dict[int, tuple[Any, ...]] = {}
    for sql, params in (
        (CALLBACKS_DUE_SQL, (start, tomorrow_end)),
        (CALLBACKS_DONE_SQL, (start, end)),
        (CALLBACKS_OPEN_SQL, (start,)),
    ):
        for row in cur.rows(sql, params):
            found[row[0]] = row
    first = _stored_like(cur, start)
    for row in cur.rows(CALLBACKS_DONE_AFTER_SQL, (end,)):
        if row[2] < first:
            found[row[0]] = row
    return list(found.values())


def _stored_like(cur: Raw, at: datetime) -> Any:
    """``at`` as the cursor returns datetimes (SQLite's text, PostgreSQL's datetime), so
    it compares with them."""
    return at if cur.postgresql else to_stored(at)


# Customers won in the rate window, and every customer changed after the end of the
# day (created, won, lost, re-graded or contacted since: their state that day comes
# from the history). One pass over the customers answers both (neither column is
# indexed; each would be a pass of its own).
WON_OR_TOUCHED_SQL = """
SELECT id, owner_id, won_at,
       CASE WHEN won_at >= ? AND won_at < ? THEN 1 ELSE 0 END,
       CASE WHEN created_at >= ? OR won_at >= ? OR lost_at >= ? OR status_since >= ?
                 OR last_contact_at >= ? THEN 1 ELSE 0 END
FROM customer
WHERE (won_at >= ? AND won_at < ?)
   OR created_at >= ? OR won_at >= ? OR lost_at >= ? OR status_since >= ?
   OR last_contact_at >= ?
"""


def won_or_touched(
    cur: Raw, window_start: datetime, end: datetime
) -> tuple[list[tuple[int, Any]], set[int]]:
    """(owner, won_at) of the customers won from ``window_start`` to ``end``, and the ids
    of the customers whose row changed at or after ``end``."""
    won: list[tuple[int, Any]] = []
    touched: set[int] = set()
    for cid, owner, won_at, in_window, after in cur.rows(
        WON_OR_TOUCHED_SQL, (window_start, end, *[end] * 5, window_start, end, *[end] * 5)
    ):
        if in_window:
            won.append((owner, won_at))
        if after:
            touched.add(cid)
    return won, touched


# Customers whose level or owner changed at or after a moment (the level and
# ownership histories' ``at`` indexes).
CHANGED_AFTER_SQL = """
SELECT customer_id FROM level_change WHERE at >= ?
UNION SELECT customer_id FROM ownership_change WHERE at >= ?
"""


def changed_after(cur: Raw, end: datetime) -> set[int]:
    """Ids of the customers with a level or ownership change at or after ``end``."""
    return {cid for (cid,) in cur.rows(CHANGED_AFTER_SQL, (end, end))}


#: A customer's columns as the report's state rebuild reads them, in this order.
CUSTOMER_COLUMNS = (
    "id, name, level, level_since, status, status_since, owner_id, owner_since, "
    "created_at, last_contact_at, won_at, lost_at"
)


class Quiet:
    """The SQL condition "an active customer with nothing due", from per-level dates.

    ``levels`` holds, for each level code the shop has: None for a level without a
    clock (a marketing level, or one without window and callbacks: always quiet), or the
    (level clock, last contact) instants the customer's must be at or after (either
    None when that clock does not run at the level). A customer at a level not listed
    is never quiet: the caller's rules look at it.
    """

    def __init__(
        self, levels: Sequence[tuple[str, tuple[datetime | None, datetime | None] | None]]
    ) -> None:
        whens: list[str] = []
        params: list[Any] = []
        for code, bounds in levels:
            parts = ["level = ?"]
            params.append(code)
            clock, contact = bounds or (None, None)
            if clock is not None:
                parts.append("(level_since >= ? OR owner_since >= ?)")
                params += [clock, clock]
            if contact is not None:
                parts.append("(created_at >= ? OR last_contact_at >= ?)")
                params += [contact, contact]
            whens.append(f"WHEN {' AND '.join(parts)} THEN 1")
        cases = " ".join(whens) or "WHEN 1 = 0 THEN 1"
        self.sql = f"(status = 'active' AND CASE {cases} ELSE 0 END = 1)"
        self.params: tuple[Any, ...] = tuple(params)


def _in_list(values: Sequence[Any]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


def marketing_counts(cur: Raw) -> list[tuple[int, str, int]]:
    """(owner, level, customers) in marketing's care: one grouped walk of the covering
    ix_customer_status_owner_level."""
    return cur.rows(  # type: ignore[return-value]
        "SELECT owner_id, level, COUNT(*) FROM customer WHERE status = 'marketing' "
        "GROUP BY owner_id, level"
    )


def marketing_ids(cur: Raw, owner_id: int, level: str) -> list[int]:
    """Ids of one owner's customers in marketing's care at ``level``."""
    sql = "SELECT id FROM customer WHERE status = 'marketing' AND owner_id = ? AND level = ?"
    return [cid for (cid,) in cur.rows(sql, (owner_id, level))]


def active_counts(cur: Raw, quiet: Quiet) -> list[tuple[int | None, int, str, int]]:
    """The active and at-risk customers in one walk of ix_customer_status_owner_level:
    (None, owner, level, customers) for those with nothing due, (id, owner, level, 1)
    for each of the others (at risk, something due, or a level the shop has not got)."""
    sql = (
        f"SELECT CASE WHEN {quiet.sql} THEN NULL ELSE id END AS loud, owner_id, level, "
        "COUNT(*) FROM customer WHERE status IN ('active', 'at_risk') "
        "GROUP BY loud, owner_id, level"
    )
    return cur.rows(sql, quiet.params)  # type: ignore[return-value]


def customer_rows(cur: Raw, ids: Sequence[int], quiet: Quiet) -> list[tuple[Any, ...]]:
    """The customers ``ids`` (at most a few thousand): :data:`CUSTOMER_COLUMNS` and
    whether :func:`active_counts` counted it among those with nothing due (1 or 0)."""
    sql = (
        f"SELECT {CUSTOMER_COLUMNS}, CASE WHEN {quiet.sql} THEN 1 ELSE 0 END "
        f"FROM customer WHERE id IN {_in_list(ids)}"
    )
    return cur.rows(sql, (*quiet.params, *ids))


# The history of a few customers up to a moment (a past day's report, or customers
# changed since): by the customer_id indexes. {ids}: the customers' placeholders.
LEVEL_HISTORY_SQL = """
SELECT customer_id, from_level, to_level, at FROM level_change
WHERE at < ? AND customer_id IN {ids} ORDER BY at, id
"""
OWNER_HISTORY_SQL = """
SELECT customer_id, to_owner_id, at FROM ownership_change
WHERE at < ? AND customer_id IN {ids} ORDER BY at, id
"""
HANDED_OUT_SQL = """
SELECT customer_id, MAX(at) FROM ownership_change
WHERE at < ? AND reason = 'lead handed out' AND customer_id IN {ids} GROUP BY customer_id
"""
LAST_VISIT_SQL = """
SELECT customer_id, MAX(form_saved_at) FROM reception
WHERE form_saved_at < ? AND customer_id IN {ids} GROUP BY customer_id
"""
LAST_CALL_SQL = """
SELECT customer_id, MAX(done_at) FROM callback
WHERE kind = 'sales' AND status = 'done' AND outcome <> 'no_answer' AND done_at < ?
  AND customer_id IN {ids} GROUP BY customer_id
"""


def history(cur: Raw, sql: str, ids: Sequence[int], end: datetime) -> list[tuple[Any, ...]]:
    """Rows of one of the history statements above for ``ids`` before ``end``."""
    return cur.rows(sql.format(ids=_in_list(ids)), (end, *ids))
