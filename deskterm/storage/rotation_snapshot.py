"""The stored snapshot of a day's rotation (schema v14): its row read and written.

The snapshot is derived data, kept so an action applies one event to the stored state
instead of replaying the whole day's log. Triggers on ``rotation_event`` drop a day's
snapshot whenever its log changes without one (an undo, a turn given back, a row written
by hand), so a snapshot found is the replay of the log as it stands, under the settings
it names. The service writes the new one after each event it appends.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from deskterm.storage import orm
from deskterm.storage.prefetch import Prefetch, take
from deskterm.storage.queries import cursor_of


@dataclass(frozen=True)
class SnapshotRow:
    """A day's stored rotation state, as its row holds it."""

    settings: str
    last_event_id: int
    last_kind: str | None
    last_salesperson_id: int | None
    state: dict[str, Any]


def _day(session: orm.Session, day: date) -> Any:
    # SQLite keeps a day as its ISO text (as SQLModel writes it); the server, as a date.
    return day if session.get_bind().dialect.name == "postgresql" else day.isoformat()


READ_SQL = (
    "SELECT settings, last_event_id, last_kind, last_salesperson_id, state "
    "FROM rotation_snapshot WHERE day = ?"
)


def wanted(prefetch: Prefetch, day: date) -> Prefetch:
    """``prefetch`` asking for ``day``'s snapshot too (read with a write's lock)."""
    return prefetch.read(_name(day), READ_SQL, (day,))


def _name(day: date) -> str:
    return f"rotation_snapshot {day.isoformat()}"


def read(session: orm.Session, day: date) -> SnapshotRow | None:
    """``day``'s snapshot in ``session``'s transaction, or None (none kept, or unreadable:
    the caller replays the log)."""
    found = take(session, _name(day))
    if found is None:
        found = cursor_of(session).rows(READ_SQL, (_day(session, day),))
    return parse(found[0]) if found else None


def parse(row: Sequence[Any]) -> SnapshotRow | None:
    """A snapshot row as read (settings, last_event_id, last_kind, last_salesperson_id,
    state), or None if it is not what the service writes (someone edited it): the caller
    replays the log, and the next write replaces it."""
    settings, last_id, kind, sid, text = row
    try:
        state = json.loads(text)
        last = int(last_id)
        who = None if sid is None else int(sid)
    except (TypeError, ValueError, RecursionError):  # RecursionError: JSON nested deep
        return None
    if not isinstance(state, dict) or not isinstance(settings, str):
        return None
    return SnapshotRow(settings, last, kind if isinstance(kind, str) else None, who, state)


def write(session: orm.Session, day: date, row: SnapshotRow) -> None:
    """Keep ``row`` as ``day``'s snapshot (replacing any), in ``session``'s transaction."""
    cur = cursor_of(session)
    params = (
        _day(session, day),
        row.settings,
        row.last_event_id,
        row.last_kind,
        row.last_salesperson_id,
        json.dumps(row.state, separators=(",", ":")),
    )
    _execute(cur, params)


def _execute(cur: Any, params: tuple[Any, ...]) -> None:
    # One statement on both databases (SQLite >= 3.24 and PostgreSQL spell it alike).
    sql = (
        "INSERT INTO rotation_snapshot "
        "(day, settings, last_event_id, last_kind, last_salesperson_id, state) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET "
        "settings = excluded.settings, last_event_id = excluded.last_event_id, "
        "last_kind = excluded.last_kind, "
        "last_salesperson_id = excluded.last_salesperson_id, state = excluded.state"
    )
    if cur.postgresql:
        from deskterm.storage.write_behind import execute_later

        # Nobody reads its answer: on a server it goes with the next round trip.
        execute_later(cur.cursor, sql.replace("?", "%s"), params)
    else:
        cur.cursor.execute(sql, params)


def drop(session: orm.Session, day: date | None = None) -> None:
    """Forget ``day``'s snapshot (every day's with None): ``check --repair``."""
    cur = cursor_of(session)
    if day is None:
        cur.cursor.execute("DELETE FROM rotation_snapshot")
    else:
        mark = "%s" if cur.postgresql else "?"
        sql = f"DELETE FROM rotation_snapshot WHERE day = {mark}"
        cur.cursor.execute(sql, (_day(session, day),))


def days(session: orm.Session) -> list[date]:
    """Every day a snapshot is kept for (a day not written as a day is left out: on a
    file someone could, by hand; ``drop`` still removes it)."""
    found = []
    for (d,) in cursor_of(session).rows("SELECT day FROM rotation_snapshot ORDER BY day"):
        if isinstance(d, date):
            found.append(d)
            continue
        try:
            found.append(date.fromisoformat(str(d)))
        except ValueError:
            continue
    return found
