"""A server write's statements held back until a round trip has to go anyway.

On a PostgreSQL server each statement waits for its answer: a walk-in that inserts a
reception, logs its rotation event and keeps the day's snapshot paid a network delay
for each. Most of those answers are never looked at: an INSERT whose id the desk chose
beforehand (see :mod:`deskterm.storage.prefetch`), an UPDATE of one row by its key. So,
inside a write transaction on a server (and only there):

- the ORM's flush statements that return nothing, and the statements a service hands to
  :func:`execute_later`, are **held** on the connection, in order;
- the next statement that needs an answer (a SELECT, an INSERT … RETURNING) takes them
  with it, in front of it, in the same message (one round trip, same order);
- the commit takes whatever is left, followed by its COMMIT, in one message.

Nothing changes what the server does, only when it hears of it: same statements, same
order, one transaction. A held statement fails where it would have (the transaction
aborts and nothing is saved), only reported by the next round trip.

The ORM checks that each UPDATE or DELETE of its flush changed exactly its row (another
PC may have deleted it). A held one cannot answer before the COMMIT rides behind it, so
it carries its own check: it is sent as a statement that fails, and so stops the COMMIT,
unless it changed the rows the ORM was told it did.

Parameters are written into the held text by psycopg's own client-side binding (the
driver's quoting, as its ``ClientCursor`` sends them), never by deskterm's code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import event

from deskterm.storage import orm

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_ATTR = "_deskterm_held"
_DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


class Held:
    """The statements held on one connection during one write transaction."""

    __slots__ = ("statements", "flushing", "_binder")

    def __init__(self, dbapi_con: psycopg.Connection[Any]) -> None:
        self.statements: list[str] = []
        #: The ORM's flush is running: its statements that return nothing may be held.
        self.flushing = False
        self._binder = psycopg.ClientCursor(dbapi_con)

    def text(self, query: Any, params: Any) -> str:
        """``query`` with ``params`` written in, as psycopg's client-side binding does."""
        if params is None:
            return str(query)
        return self._binder.mogrify(query, params)

    def hold(self, sql: str, changes: int | None) -> None:
        """Hold ``sql``; ``changes``: the rows an UPDATE or DELETE must change (checked by
        the server before anything after it runs)."""
        if changes is not None and _DML.match(sql).group(1).upper() != "INSERT":  # type: ignore[union-attr]
            sql = _checked(sql, changes)
        self.statements.append(sql)

    def take(self) -> list[str]:
        """The held statements, released (they are being sent)."""
        taken, self.statements = self.statements, []
        return taken


def _checked(sql: str, changes: int) -> str:
    # A failed cast stops the message's remaining statements (the COMMIT among them) and
    # aborts the transaction; its text names what went wrong in the server's error.
    return (
        f"WITH deskterm_changed AS ({sql} RETURNING 1) "
        f"SELECT CASE WHEN count(*) = {changes} THEN 0 ELSE CAST('deskterm: ' || count(*) "
        f"|| ' rows changed where {changes} were expected' AS integer) END "
        "FROM deskterm_changed"
    )


def held(dbapi_con: Any) -> Held | None:
    """The statements held on ``dbapi_con``; None outside a server's write transaction."""
    return getattr(dbapi_con, _ATTR, None)


def start(dbapi_con: Any) -> None:
    """Hold what may be held on ``dbapi_con`` from now until its transaction ends."""
    setattr(dbapi_con, _ATTR, Held(dbapi_con))


def stop(dbapi_con: Any) -> None:
    """Hold nothing more on ``dbapi_con`` (what was held is forgotten: rolled back)."""
    if getattr(dbapi_con, _ATTR, None) is not None:
        setattr(dbapi_con, _ATTR, None)


def _returns_nothing(query: Any) -> bool:
    return isinstance(query, str) and bool(_DML.match(query)) and not _RETURNING.search(query)


class Cursor(psycopg.Cursor[Any]):
    """psycopg's cursor, holding back what may wait (see the module's docstring)."""

    #: The rows a held statement is reported to have changed (None: it was sent).
    _held_rows: int | None = None

    def execute(  # type: ignore[override]
        self,
        query: Any,
        params: Any = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Cursor:
        self._held_rows = None
        pending = held(self.connection)
        if pending is None:
            return super().execute(query, params, prepare=prepare, binary=binary)
        if pending.flushing and _returns_nothing(query):
            pending.hold(pending.text(query, params), 1)
            self._held_rows = 1
            return self
        if not pending.statements:
            return super().execute(query, params, prepare=prepare, binary=binary)
        # The held statements ride in front of this one, in one message (no parameters:
        # psycopg sends several statements only as text); its result is the last.
        super().execute(";\n".join([*pending.take(), pending.text(query, params)]))
        while self.nextset():
            pass
        return self

    def executemany(  # type: ignore[override]
        self, query: Any, params_seq: Iterable[Any], *, returning: bool = False
    ) -> None:
        self._held_rows = None
        pending = held(self.connection)
        if pending is not None and pending.flushing and not returning and _returns_nothing(query):
            rows = 0
            for params in params_seq:
                pending.hold(pending.text(query, params), 1)
                rows += 1
            self._held_rows = rows
            return
        if pending is not None and pending.statements:
            send(self.connection)
        super().executemany(query, params_seq, returning=returning)

    @property
    def rowcount(self) -> int:
        if self._held_rows is not None:
            return self._held_rows
        return super().rowcount

    @property
    def description(self) -> Any:
        if self._held_rows is not None:
            return None
        return super().description


def send(dbapi_con: Any, *, commit: bool = False) -> None:
    """Send what is held on ``dbapi_con`` now (with its COMMIT when ``commit``), one
    message: one round trip."""
    pending = held(dbapi_con)
    statements = pending.take() if pending is not None else []
    if commit:
        statements.append("COMMIT")
    if not statements:
        return
    with psycopg.Cursor(dbapi_con) as cur:  # the plain cursor: nothing held again
        cur.execute(";\n".join(statements))


def execute_later(cursor: Any, sql: str, params: Any) -> None:
    """Run ``sql`` (psycopg's ``%s`` marks) on ``cursor``'s connection, held until the
    next round trip when inside a server's write transaction: for a statement whose
    answer nobody reads (the rotation snapshot, the audit trail's head)."""
    pending = held(cursor.connection)
    if pending is None:
        cursor.execute(sql, params)
    else:
        pending.hold(pending.text(sql, params), None)


def _server_connection(session: Session) -> Any:
    if not session.in_transaction():
        return None
    conn = session.connection()
    return conn.connection.driver_connection if conn.dialect.name == "postgresql" else None


def _flush_begins(session: Session, _context: Any, _instances: Any) -> None:
    pending = held(_server_connection(session))
    if pending is not None:
        pending.flushing = True


def _flush_ends(session: Session, _context: Any) -> None:
    pending = held(_server_connection(session))
    if pending is not None:
        pending.flushing = False


def _hook(session_class: type[Session]) -> None:
    event.listen(session_class, "before_flush", _flush_begins)
    event.listen(session_class, "after_flush", _flush_ends)


# SQLAlchemy's ORM comes in after a server desk's first screen (storage.orm).
orm.on_import(_hook)


def on_commit(conn: Any) -> None:
    """The engine's ``commit`` event: what is held goes with the COMMIT (psycopg's own
    commit then finds no transaction open and sends nothing)."""
    dbapi_con = _driver(conn)
    if held(dbapi_con) is None:
        return
    try:
        send(dbapi_con, commit=True)
    finally:
        stop(dbapi_con)


def on_rollback(conn: Any) -> None:
    """The engine's ``rollback`` event: what is held is dropped with the transaction."""
    dbapi_con = _driver(conn)
    if dbapi_con is not None:
        stop(dbapi_con)


def _driver(conn: Any) -> Any:
    # An invalidated connection (cut mid-write) has none: it is thrown away, and what it
    # held with it.
    return None if conn.invalidated else conn.connection.driver_connection
