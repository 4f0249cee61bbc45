"""A hash chain over the audit rows: each row carries the hash of the one before it.

The triggers (:mod:`deskterm.storage.audit_guard`) stop edits through ordinary SQL; the
chain is what still shows an edit after someone dropped them, changed or deleted rows
and put the triggers back. ``hash`` is SHA-256 over a canonical encoding of the row's
fields and ``prev_hash`` (the previous row's ``hash``; the first row chains from
:data:`GENESIS`). Ids are given here, one after the last, so a gap is a deleted row.

Every audit row is written by :func:`append`, inside the caller's write transaction,
which already holds the database's one write lock (SQLite ``BEGIN IMMEDIATE``, the
PostgreSQL advisory lock): reading the last row and appending after it cannot fork.

The ``audit_head`` row repeats the last row's id and hash. A chain alone cannot tell a
trail whose newest rows were deleted from a shorter one; the head can, unless whoever
deleted them also rewrote it. No secret key is involved (there is nowhere on the shop
PC to keep one that a forger could not read), so someone who recomputes every hash
after his change is not caught: the chain finds careless and partial forgery.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event

from deskterm.storage import bulk, models, orm
from deskterm.storage.prefetch import Prefetch, take
from deskterm.storage.queries import Raw, cursor_of, to_stored

#: What the first row chains from.
GENESIS = "0" * 64
#: Names the encoding, so a later change of it can never be mistaken for this one.
_VERSION = "deskterm-audit-1"
_SESSION_KEY = "deskterm.audit_chain.last"
#: The head row this transaction moved, written when it commits.
_HEAD_DUE = "deskterm.audit_chain.head"
#: Rows read per round trip while walking the chain (keyset pages, both databases).
BATCH = 5000

_COLUMNS = "id, at, actor_id, action, entity, entity_id, before_json, after_json"
#: ``at`` as the text :func:`deskterm.storage.queries.to_stored` gives (UTC, microseconds).
_PG_AT = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"


def _at_text(at: str | datetime) -> str:
    """The stored UTC text of a timestamp: SQLite's own text, or a server's value."""
    if isinstance(at, datetime):
        return to_stored(at)
    return at


def row_hash(
    prev_hash: str,
    id: int,
    at: str | datetime,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before_json: str | None,
    after_json: str | None,
) -> str:
    """SHA-256 (hex) of one row's fields and the hash of the row before it."""
    data = json.dumps(
        [
            _VERSION,
            id,
            _at_text(at),
            actor_id,
            action,
            entity,
            entity_id,
            before_json,
            after_json,
            prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    # surrogatepass: a row holding a lone surrogate must still be checkable.
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def append(
    session: orm.Session,
    at: datetime,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before_json: str | None,
    after_json: str | None,
) -> models.Audit:
    """Add one audit row after the last one, chained to it, in ``session``'s write
    transaction (which holds the write lock, so no other writer appends meanwhile)."""
    tx, last = _last(session)
    new_id, prev = last[0] + 1, last[1]
    digest = row_hash(
        prev, new_id, at, actor_id, action, entity, entity_id, before_json, after_json
    )
    entry = models.Audit(
        id=new_id,
        at=at,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before_json=before_json,
        after_json=after_json,
        prev_hash=prev,
        hash=digest,
    )
    session.add(entry)
    _move_head(session, tx, new_id, digest)
    return entry


#: One audit row to append: at, actor_id, action, entity, entity_id, before_json,
#: after_json (the fields of :func:`append`, in its order).
Entry = tuple[datetime, int | None, str, str, int | None, str | None, str | None]


def append_many(session: orm.Session, entries: Sequence[Entry]) -> None:
    """Append ``entries`` in order, chained as :func:`append` chains them one by one, with
    one ``executemany`` on the driver (an import's 10,000 rows: no ORM object per row)."""
    if not entries:
        return
    tx, (last_id, prev) = _last(session)
    session.flush()  # rows added before these come first
    cur = bulk.raw(session)
    rows = []
    for n, (at, actor_id, action, entity, entity_id, before_json, after_json) in enumerate(
        entries, last_id + 1
    ):
        text = to_stored(at)
        digest = row_hash(
            prev, n, text, actor_id, action, entity, entity_id, before_json, after_json
        )
        rows.append(
            (
                n,
                at if cur.postgresql else text,
                actor_id,
                action,
                entity,
                entity_id,
                before_json,
                after_json,
                prev,
                digest,
            )
        )
        prev = digest
    bulk.insert_many(cur, "audit", _COLUMNS.split(", ") + ["prev_hash", "hash"], rows)
    _move_head(session, tx, rows[-1][0], prev)


def _last(session: orm.Session) -> tuple[Any, tuple[int, str]]:
    """This transaction, and the id and hash of the audit trail's last row."""
    # Remembered for this transaction (or savepoint) only: another one may have appended
    # since, or this one's rows may have been rolled back.
    session.connection()  # begins the transaction if nothing in it ran yet
    tx = session.get_nested_transaction() or session.get_transaction()
    cached = session.info.get(_SESSION_KEY)
    last = cached[1] if cached is not None and cached[0] is tx else None
    if last is None:
        # The trail's real end (not the head row): a row appended by hand must not make
        # every later save fail on a duplicate id; check reports such a row instead.
        found = take(session, _LAST_READ)  # asked for with the write's lock
        if found is not None:
            row = found[0] if found else None
        else:
            row = session.exec(
                orm.select(models.Audit.id, models.Audit.hash)
                .order_by(orm.col(models.Audit.id).desc())
                .limit(1)
            ).first()
        last = (int(row[0] or 0), row[1] or "") if row is not None else (0, GENESIS)
    return tx, last


_LAST_READ = "audit last"


def wanted(ask: Prefetch) -> Prefetch:
    """``ask`` asking for the trail's last row too (a write that audits reads it first)."""
    return ask.read(_LAST_READ, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")


def _move_head(session: orm.Session, tx: Any, last_id: int, digest: str) -> None:
    """The rest of the transaction appends after ``last_id`` without reading the trail
    again; the head row is written once, when the transaction commits (an action that
    audits twice paid a read and two writes of it: three round trips on a server)."""
    session.info[_SESSION_KEY] = (tx, (last_id, digest))
    # Forgotten when the transaction rolls back (below). deskterm uses no savepoint: one
    # rolled back after an append would have to restore the head due before it.
    session.info[_HEAD_DUE] = (last_id, digest)


def _write_head(session: orm.Session) -> None:
    due = session.info.pop(_HEAD_DUE, None)
    if due is None:
        return
    last_id, digest = due
    # One statement whatever was there (a trail that never had a head gets one), whose
    # answer nobody reads: on a server it goes with the COMMIT (write_behind).
    cur = cursor_of(session)
    sql = _HEAD_UPSERT if cur.postgresql else _HEAD_UPSERT.replace("%s", "?")
    if cur.postgresql:
        from deskterm.storage.write_behind import execute_later

        execute_later(cur.cursor, sql, (last_id, digest))
    else:
        cur.cursor.execute(sql, (last_id, digest))


_HEAD_UPSERT = (
    "INSERT INTO audit_head (slot, last_id, last_hash) VALUES (1, %s, %s) "
    "ON CONFLICT (slot) DO UPDATE SET last_id = excluded.last_id, "
    "last_hash = excluded.last_hash"
)


def _forget_head(session: orm.Session) -> None:
    session.info.pop(_HEAD_DUE, None)  # its rows were rolled back with it


def _hook(session_class: type[orm.Session]) -> None:
    event.listen(session_class, "before_commit", _write_head)
    event.listen(session_class, "after_rollback", _forget_head)


orm.on_import(_hook)


# -- checking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first place the trail is not as deskterm wrote it.

    ``kind``: "changed" (the row's fields no longer give its hash), "unchained" (the row
    carries no hash: not written by deskterm), "missing" (rows before it were deleted:
    a gap in the ids), "link" (it does not follow the row before it: rows inserted,
    deleted or moved), "tail" (rows after the last one were deleted), "head" (the
    trail's end is not the one recorded).
    """

    kind: str
    row: int | None
    previous: int | None = None


def _pages(cur: Raw) -> Iterator[tuple[Any, ...]]:
    """Every audit row in id order, a page at a time (never the whole trail in memory)."""
    columns, mark = f"{_COLUMNS}, prev_hash, hash", "?"
    if cur.postgresql:
        # The server spells the time as SQLite stores it: no datetime made and formatted
        # again per row (a third of the walk's time).
        columns = columns.replace(" at,", f" {_PG_AT},")
        mark = "%s"
    sql = f"SELECT {columns} FROM audit WHERE id > {mark} ORDER BY id LIMIT {BATCH}"
    after = -1
    while True:
        cur.cursor.execute(sql, (after,))
        rows = cur.cursor.fetchall()
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def verify(cur: Raw) -> list[Break]:
    """Walk the chain in id order (inside one read snapshot): the first break in it, and
    whether its end is the one recorded in ``audit_head``. Empty: the trail is whole."""
    found: list[Break] = []
    prev_hash, prev_id = GENESIS, 0
    for id_, at, actor, action, entity, entity_id, before, after, ph, h in _pages(cur):
        if not found:
            if ph is None or h is None:
                found.append(Break("unchained", id_, prev_id or None))
            elif ph != prev_hash:
                kind = "missing" if id_ != prev_id + 1 else "link"
                found.append(Break(kind, id_, prev_id or None))
            elif row_hash(ph, id_, at, actor, action, entity, entity_id, before, after) != h:
                found.append(Break("changed", id_, prev_id or None))
        prev_hash, prev_id = h or "", id_
    cur.cursor.execute("SELECT last_id, last_hash FROM audit_head WHERE slot = 1")
    head = cur.cursor.fetchone()
    if head is None:
        if prev_id:
            found.append(Break("head", None, prev_id))
    elif head[0] > prev_id:
        found.append(Break("tail", head[0], prev_id or None))
    elif (head[0], head[1]) != (prev_id, prev_hash):
        found.append(Break("head", None, prev_id))
    return found


# -- migration: the rows written before the chain existed ------------------------------


def _chain_rows(read: Any, write: Any) -> tuple[int, str]:
    """Give every existing row (id order) its ``prev_hash`` and ``hash``; the end."""
    prev_hash, last = GENESIS, 0
    while True:
        rows = read(last)
        if not rows:
            return last, prev_hash
        updates = []
        for id_, at, actor, action, entity, entity_id, before, after in rows:
            digest = row_hash(prev_hash, id_, at, actor, action, entity, entity_id, before, after)
            updates.append((prev_hash, digest, id_))
            prev_hash, last = digest, id_
        write(updates)


def chain_existing_sqlite(con: Any) -> None:
    """Chain the rows of an upgraded SQLite file, inside the migration's transaction.

    SQLite has no SHA-256, so this runs in Python. The update trigger is lifted for just
    this and put back exactly as it was (if it was there at all).
    """
    found = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_no_update'"
    ).fetchone()
    if found is not None:
        con.execute("DROP TRIGGER audit_no_update")
    sql = f"SELECT {_COLUMNS} FROM audit WHERE id > ? ORDER BY id LIMIT {BATCH}"
    last, digest = _chain_rows(
        lambda after: con.execute(sql, (after,)).fetchall(),
        lambda ups: con.executemany("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", ups),
    )
    if found is not None:
        con.execute(found[0])
    if last:
        con.execute(
            "INSERT INTO audit_head (slot, last_id, last_hash) VALUES (1, ?, ?)", (last, digest)
        )


def chain_existing_postgresql(con: Any) -> None:
    """The same on a server (psycopg connection, the migration's transaction); the update
    trigger is disabled for just this if it is enabled."""
    enabled = con.execute(
        "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass('audit') "
        "AND tgname = 'audit_no_update' AND tgenabled <> 'D'"
    ).fetchone()
    if enabled:
        con.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    sql = f"SELECT {_COLUMNS} FROM audit WHERE id > %s ORDER BY id LIMIT {BATCH}"

    def write(ups: list[tuple[Any, ...]]) -> None:
        with con.cursor() as cur:
            cur.executemany("UPDATE audit SET prev_hash = %s, hash = %s WHERE id = %s", ups)

    last, digest = _chain_rows(lambda after: con.execute(sql, (after,)).fetchall(), write)
    if enabled:
        con.execute("ALTER TABLE audit ENABLE TRIGGER audit_no_update")
    if last:
        con.execute(
            "INSERT INTO audit_head (slot, last_id, last_hash) VALUES (1, %s, %s)",
            (last, digest),
        )
