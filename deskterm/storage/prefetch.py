"""What a write transaction will read, asked for with its lock.

A desk action reads before it decides: the settings, the staff, the day's rotation
snapshot, the visitor waiting, the reception it ends. On a server each read waited for
its own answer. A use-case that knows its reads names them in a :class:`Prefetch`;
:meth:`~deskterm.storage.engine.Database.write` on a server sends them in the same
message as the transaction's BEGIN and its write lock (one round trip), so they see what
the lock protects. A file ignores them: there a read costs no network, and reading what
may not be needed only adds.

It also reserves the ids of the rows the action will insert (a server's sequences, in
that same message): an INSERT whose id is known needs no answer, and is held back with
the rest of the write until the commit (:mod:`deskterm.storage.write_behind`). A file
needs no reservation: its statements cost no network.

The use-case then takes each read with :func:`take` (once: what it changes after is
its own), falling back to its ordinary query when a read was not made (a file, or a read
not asked for).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect

from deskterm.storage import orm

if TYPE_CHECKING:
    from sqlmodel import Session, SQLModel

#: The execution option a write's connection carries its prefetch in (for "begin").
OPTION = "deskterm_prefetch"
_KEY = "deskterm.prefetch"
_KEPT = "deskterm.prefetch.kept"

_M = TypeVar("_M", bound="SQLModel")


@dataclass
class Prefetch:
    """Reads (SQL of :mod:`deskterm.storage.queries`, SQLite's ``?`` spelling, with
    their parameters) and ids to reserve, for one write transaction."""

    reads: dict[str, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    #: Each read's rows, as the driver returns them (filled when the write begins).
    found: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    #: Ids reserved per table, in the order they are to be used (a server only).
    reserved: dict[str, list[int]] = field(default_factory=dict)

    def read(self, name: str, sql: str, params: Sequence[Any] = ()) -> Prefetch:
        """Ask for ``sql``'s rows, taken later as ``name``."""
        self.reads[name] = (sql, tuple(params))
        return self

    def read_table(
        self, name: str, model: type[SQLModel], where: str = "", params: Sequence[Any] = ()
    ) -> Prefetch:
        """Ask for whole rows of ``model``'s table (``where``: SQL after WHERE), taken
        later with :func:`take_rows` as session objects."""
        columns = ", ".join(c.name for c in _table(model).columns)
        sql = f"SELECT {columns} FROM {_table(model).name}"
        return self.read(name, f"{sql} WHERE {where}" if where else sql, params)

    def reserve(self, table: str, count: int = 1) -> Prefetch:
        """Reserve ``count`` ids of ``table`` for the rows the action will insert."""
        self.ids[table] = self.ids.get(table, 0) + count
        return self


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def begin(session: Session, prefetch: Prefetch) -> None:
    """Begin ``session``'s write transaction now, with ``prefetch``'s reads."""
    session.info[_KEY] = prefetch
    session.connection(execution_options={OPTION: prefetch})


def take(session: Session, name: str) -> list[tuple[Any, ...]] | None:
    """The rows read as ``name`` when the write began (None: not asked for, or taken
    already: read it now)."""
    prefetch: Prefetch | None = session.info.get(_KEY)
    if prefetch is None:
        return None
    return prefetch.found.pop(name, None)


def take_rows(session: Session, name: str, model: type[_M]) -> list[_M] | None:
    """The rows of :meth:`Prefetch.read_table` as objects of ``session`` (changes to
    them are saved by its flush, as a query's would be); None as :func:`take`."""
    rows = take(session, name)
    if rows is None:
        return None
    return adopt(session, model, rows)


def adopt(session: Session, model: type[_M], rows: Iterable[Sequence[Any]]) -> list[_M]:
    """Objects of ``session`` from rows of ``model``'s table read by hand (its columns
    in order), with each column's type applied as a query's would: no statement sent.
    An object the session holds already is kept as it is (its changes are newer)."""
    from sqlalchemy.orm import make_transient_to_detached  # the ORM: not on the start path

    dialect = session.get_bind().dialect
    table = _table(model)
    names = [c.key for c in table.columns]
    processors = [
        c.type.dialect_impl(dialect).result_processor(dialect, None) for c in table.columns
    ]
    manager = sa_inspect(model).class_manager
    out: list[_M] = []
    for row in rows:
        values = {
            n: (p(v) if p is not None else v)
            for n, p, v in zip(names, processors, row, strict=True)
        }
        key = session.identity_key(model, _identity(table, values))
        held = session.identity_map.get(key)
        if held is not None:
            out.append(held)  # type: ignore[arg-type]
            continue
        # Made as a query's loading makes it (the class's __new__, the values set as
        # loaded): the model's __init__ would check and record each field, five times
        # the cost, for values the database already holds.
        obj = manager.new_instance()
        obj.__dict__.update(values)
        make_transient_to_detached(obj)
        session.add(obj)
        out.append(obj)
    # The session's identity map holds an unchanged object weakly: kept here for the
    # transaction, so a get() by its key finds it whether the caller kept it or not.
    session.info.setdefault(_KEPT, []).extend(out)
    return out


def _identity(table: Any, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[c.key] for c in table.primary_key.columns)


def _use_reserved_ids(session: Session, _context: Any, _instances: Any) -> None:
    prefetch: Prefetch | None = session.info.get(_KEY)
    if prefetch is None or not prefetch.reserved:
        return
    for obj in session.new:
        ids = prefetch.reserved.get(_table(type(obj)).name)
        if ids and getattr(obj, "id", 0) is None:
            obj.id = ids.pop(0)


def _hook(session_class: type[Session]) -> None:
    event.listen(session_class, "before_flush", _use_reserved_ids)


orm.on_import(_hook)


def server_statements(prefetch: Prefetch, bind: Any) -> list[str]:
    """``prefetch`` as statements for a server's BEGIN message, parameters written in by
    ``bind`` (psycopg's client-side binding): its reads, then one per reservation."""
    from deskterm.storage.queries import postgresql_sql

    out = [bind(postgresql_sql(sql), params) for sql, params in prefetch.reads.values()]
    for table, count in prefetch.ids.items():
        out.append(
            f"SELECT nextval(pg_get_serial_sequence('{_quoted(table)}', 'id')) "
            f"FROM generate_series(1, {int(count)})"
        )
    return out


def keep_server_results(prefetch: Prefetch, results: list[list[tuple[Any, ...]]]) -> None:
    """File the rows of :func:`server_statements`, in their order."""
    names = list(prefetch.reads)
    for name, rows in zip(names, results, strict=False):
        prefetch.found[name] = rows
    for table, rows in zip(prefetch.ids, results[len(names) :], strict=True):
        prefetch.reserved[table] = [int(r[0]) for r in rows]


def _quoted(table: str) -> str:
    if not table.isidentifier():  # a table name of deskterm's own, never a person's text
        raise ValueError(f"not a table name: {table!r}")
    return table
