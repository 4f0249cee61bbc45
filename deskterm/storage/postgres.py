"""A dealer group's database on a PostgreSQL server (``--db postgresql://…``, psycopg 3).

The services see the same :class:`~deskterm.storage.engine.Database` as on the shop
PC's SQLite file, with the same promises kept in PostgreSQL's terms:

- **One writer at a time**, its lock taken up front: every write transaction starts
  with ``pg_advisory_xact_lock`` (SQLite's ``BEGIN IMMEDIATE``), so a read-modify-write
  (next-up takes a walk-in) never loses an update to another PC. Waiting for it gives
  up after :data:`LOCK_TIMEOUT_MS` with "busy, try again", as on SQLite.
- **One snapshot per read**: read sessions are ``REPEATABLE READ READ ONLY``, said in the
  transaction's own ``BEGIN`` (no ``SET TRANSACTION`` statement after it).
- **Migrations**: the twins in ``migrations/postgresql/``, applied in one transaction
  under a lock of their own, so two PCs starting at once migrate once.
- **Change marker**: the showroom's own counter (``change_marker``, schema v12), bumped
  by every write in the round trip that takes the write lock; a desk reads it every
  second in one round trip, so a write in one showroom's schema never reloads another's.
- **One connection per desk**: the pool keeps one connection, which the change watch
  shares; a second is opened only while two things overlap (an export during a refresh)
  and closed after. A connection is pinged only after it sat idle
  (:data:`PING_AFTER_IDLE_S`), not before every action; one the server dropped is
  replaced at the next use.

The lock keys carry the schema's name, so two deskterm schemas in one database (a
showroom, or a test, per schema) never wait for each other.
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError

from deskterm.errors import StorageError
from deskterm.storage import migrations
from deskterm.storage.engine import _WRITE, Database, _as_read_error
from deskterm.storage.queries import inline

log = logging.getLogger(__name__)

#: How long a writer waits for another PC's write before saying "busy" (as SQLite's).
LOCK_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_S = 5
#: A pooled connection unused this long is pinged before use (the server or the network
#: may have dropped it); a desk refreshing every second never waits that long.
PING_AFTER_IDLE_S = 30.0
#: Connections the pool keeps per desk; more are opened only while uses overlap.
POOL_SIZE = 1
#: How many overlapping uses may open a connection of their own (closed when done).
POOL_OVERFLOW = 4
_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


#: Query parameters of an address that are secrets (libpq takes a password there too).
_SECRET_PARAMS = frozenset({"password", "sslpassword"})


def shown_address(url: Any) -> str:
    """A server's address as said to people: the password hidden, wherever it was given
    (``user:password@`` or ``?password=``)."""
    query = {k: ("***" if k.lower() in _SECRET_PARAMS else v) for k, v in url.query.items()}
    return str(url.set(drivername="postgresql", query=query).render_as_string(hide_password=True))


def is_server_address(target: str) -> bool:
    """Whether ``--db`` names a PostgreSQL server rather than an SQLite file."""
    return target.strip().lower().startswith(_SCHEMES)


def _lock_sql(purpose: str) -> str:
    # hashtext() of "deskterm.<purpose>.<schema>": one key per schema, computed by the
    # server so no round trip is needed to learn the schema first.
    return f"SELECT pg_advisory_xact_lock(hashtext('deskterm.{purpose}.' || current_schema()))"


_MIGRATE_LOCK = _lock_sql("migrate")
#: A write's first round trip: the write lock, and the showroom's change marker bumped
#: (undone with the transaction if it fails; several statements, no parameters).
_WRITE_BEGIN = _lock_sql("write") + "; UPDATE change_marker SET n = n + 1"
#: Tables a server's schema has and an SQLite file does not (it has PRAGMA data_version).
POSTGRESQL_ONLY_TABLES = ("change_marker",)
#: The change marker, read on the desk's connection outside any transaction.
_MARKER_SQL = "SELECT n FROM change_marker"


def _on_connect(dbapi_con: Any, record: Any) -> None:
    # autocommit off (psycopg's default): SQLAlchemy's "begin" event below says what
    # each kind of transaction needs. One round trip for both settings.
    with dbapi_con.cursor() as cur:
        cur.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}; SET TIME ZONE 'UTC'")
    dbapi_con.commit()
    record.info["used"] = time.monotonic()


def _on_checkout(dbapi_con: Any, record: Any, _proxy: Any) -> None:
    # A transaction's kind is set on the idle connection each time (psycopg puts it in its
    # BEGIN): none left over from the last use (a migration must not begin READ ONLY).
    if dbapi_con.read_only is not None or dbapi_con.isolation_level is not None:
        dbapi_con.read_only = None
        dbapi_con.isolation_level = None
    if dbapi_con.autocommit:  # left on by a write (see _begin)
        dbapi_con.autocommit = False
    if time.monotonic() - record.info.get("used", 0.0) < PING_AFTER_IDLE_S and not _spoke(
        dbapi_con
    ):
        return
    # Idle a while, or the server spoke unasked: ping it (one it dropped is replaced: the
    # pool tries a new one).
    try:
        dbapi_con.execute("SELECT 1")
        dbapi_con.rollback()
    except Exception as exc:  # psycopg.Error, or a socket's own error
        log.info("A pooled server connection was dropped while idle: %s", exc)
        raise DisconnectionError(str(exc)) from exc


def _spoke(dbapi_con: Any) -> bool:
    """Whether the server sent anything to this idle connection: a restart or a
    terminated session says so (and hangs up) before any statement could find out.
    Free: a look at the socket, no round trip."""
    try:
        return bool(select.select([dbapi_con.fileno()], [], [], 0)[0])
    except (OSError, ValueError) as exc:  # closed already
        log.info("A pooled server connection is closed: %s", exc)
        return True
    except Exception as exc:  # psycopg.Error: the connection is broken
        log.info("A pooled server connection is broken: %s", exc)
        return True


def _on_checkin(dbapi_con: Any, record: Any) -> None:
    from deskterm.storage import write_behind  # psycopg's: imported with the server's engine

    write_behind.stop(dbapi_con)  # a write's transaction ended, whichever way
    record.info["used"] = time.monotonic()


def _snapshot_reads(dbapi_con: Any) -> None:
    """The next transaction on ``dbapi_con`` (idle) is one read-only snapshot: said in
    the BEGIN psycopg sends before the first statement, not in a statement of its own."""
    import psycopg

    dbapi_con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    dbapi_con.read_only = True


def _begin(conn: Any) -> None:
    dbapi_con = conn.connection.driver_connection
    if conn.get_execution_options().get(_WRITE, False):
        dbapi_con.read_only = None
        dbapi_con.isolation_level = None
        # The BEGIN rides in the lock's round trip: psycopg sends its own BEGIN as a round
        # trip of its own unless the connection is in autocommit, and it still ends a
        # transaction begun by hand with COMMIT or ROLLBACK (it looks at the server's
        # transaction status, not at autocommit). The next checkout turns autocommit off.
        dbapi_con.autocommit = True
        from deskterm.storage import prefetch, write_behind

        wanted = conn.get_execution_options().get(prefetch.OPTION)
        if wanted is None:
            conn.exec_driver_sql("BEGIN; " + _WRITE_BEGIN)
        else:
            _begin_with(dbapi_con, wanted)
        write_behind.start(dbapi_con)
    else:
        _snapshot_reads(dbapi_con)


def _begin_with(dbapi_con: Any, wanted: Any) -> None:
    """A write's BEGIN, its lock and what it will read, in one message: the reads see
    what the lock protects, for the cost of the lock's round trip."""
    import psycopg

    from deskterm.storage import prefetch

    binder = psycopg.ClientCursor(dbapi_con)
    reads = prefetch.server_statements(wanted, binder.mogrify)
    with psycopg.Cursor(dbapi_con) as cur:
        cur.execute(";\n".join(["BEGIN", _WRITE_BEGIN, *reads]))
        results: list[list[tuple[Any, ...]]] = []
        while True:
            results.append(cur.fetchall() if cur.description is not None else [])
            if not cur.nextset():
                break
    # BEGIN, the lock's SELECT and the marker's UPDATE come first.
    prefetch.keep_server_results(wanted, results[3:])


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", exc)
    return str(getattr(orig, "sqlstate", None) or "")


def _server_error(exc: BaseException, where: str) -> StorageError:
    """What a failed statement or connection means at the desk; nothing was saved."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    state = _sqlstate(exc)
    if state in ("55P03", "40001", "40P01"):  # lock timeout, serialisation, deadlock
        return StorageError(
            "The database server is busy with another PC's change; nothing was saved. Try again."
        )
    if state.startswith("53") or (not state and _full(text)):
        # Disk full, out of memory, too many connections (refused at connect: libpq gives
        # that no SQLSTATE, only the server's words).
        return StorageError(
            "The database server {path} is out of room ({error}): nothing "
            "was saved. Tell whoever looks after the server.",
            path=where,
            error=text,
        )
    if state in ("42501", "25006"):
        return StorageError(
            "{path} is read-only: nothing was saved. Ask for write access to the database.",
            path=where,
        )
    if state.startswith("28") or (not state and "authentication" in text.lower()):
        # A refused sign-in: libpq gives it no SQLSTATE, only its (English) words.
        return StorageError(
            "The database server {path} refused the sign-in ({error}): nothing was "
            "saved. Check the user name and password (in the address or ~/.pgpass).",
            path=where,
            error=text,
        )
    if not state and _refused_here(orig):
        # psycopg refused a value before sending it (a NUL in a text): the server is fine.
        return StorageError(
            "The database refused the change ({error}): nothing was saved.", error=text
        )
    if state.startswith(("08", "57P")) or not state:
        # No SQLSTATE: the connection itself failed (server down, wrong host or port).
        return StorageError(
            "Cannot reach the database server {path} ({error}): nothing "
            "was saved. Check the network and that the server is running.",
            path=where,
            error=text,
        )
    return StorageError("The database refused the change ({error}): nothing was saved.", error=text)


#: How a server (or PgBouncer) words "no room for another connection" (its English: a
#: server set to another language is still named, its own words quoted).
_FULL_WORDS = (
    "too many clients",
    "remaining connection slots are reserved",
    "no more connections allowed",
    "too many connections",
)


def _full(text: str) -> bool:
    low = text.lower()
    return any(words in low for words in _FULL_WORDS)


def _refused_here(orig: BaseException) -> bool:
    import psycopg

    return isinstance(orig, psycopg.DataError | psycopg.ProgrammingError)


def schema_address(address: str, schema: str) -> str:
    """``address`` with its search path set to ``schema`` (one showroom of a group)."""
    url = make_url(address.strip())
    return url.set(query={**url.query, "options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def _parsed(address: str, driver: str) -> Any:
    """``address`` as SQLAlchemy's URL for ``driver``; a StorageError if it is none."""
    try:
        return make_url(address.strip()).set(drivername=driver)
    except ArgumentError as exc:
        raise StorageError(
            "{path} is not a database address: {error}", path=address, error=str(exc)
        ) from exc


def deskterm_schemas(address: str) -> list[tuple[str, int]]:
    """Every schema on the server's database at ``address`` that holds a deskterm
    database, with its schema version, by name: a dealer group's showrooms."""
    import psycopg
    from psycopg import sql

    url = _parsed(address, "postgresql")
    where = shown_address(url)
    try:
        with psycopg.connect(
            url.render_as_string(hide_password=False),
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="deskterm",
        ) as con:
            schemas = [
                r[0]
                for r in con.execute(
                    "SELECT table_schema FROM information_schema.tables "
                    "WHERE table_name = 'schema_version' ORDER BY table_schema"
                ).fetchall()
            ]
            found = []
            for schema in schemas:
                query = sql.SQL("SELECT max(version) FROM {}.schema_version").format(
                    sql.Identifier(schema)
                )
                try:
                    row = con.execute(query).fetchone()
                except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
                    # Dropped since the list was read (autocommit: the next one is fine):
                    # no longer a showroom on this server.
                    log.info("Schema %s went away while the showrooms were listed", schema)
                    continue
                found.append((schema, int(row[0] or 0) if row else 0))
            return found
    except psycopg.Error as exc:
        raise _server_error(exc, where) from exc


class PostgresDatabase(Database):
    """A deskterm schema on a PostgreSQL server, shared by the group's PCs."""

    dialect = "postgresql"

    def __init__(self, address: str, *, create: bool = True) -> None:
        try:
            import psycopg  # noqa: F401 - only to say which extra is missing
        except ImportError:
            raise StorageError(
                "A PostgreSQL database needs the postgres extra: pip install 'deskterm[postgres]'."
            ) from None
        from deskterm.storage import write_behind

        url = _parsed(address, "postgresql+psycopg")
        self.where = shown_address(url)
        #: The libpq address, password included: for the server's own tools and the bench.
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        # Reports, exports and backups are files on this PC, not on the server.
        self.home = Path.home() / "deskterm"
        self.engine = create_engine(
            url,
            hide_parameters=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S,
                "application_name": "deskterm",
                # Holds a write's statements whose answers nobody reads (write_behind).
                "cursor_factory": write_behind.Cursor,
            },
        )
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "checkout", _on_checkout)
        event.listen(self.engine, "checkin", _on_checkin)
        event.listen(self.engine, "begin", _begin)
        event.listen(self.engine, "commit", write_behind.on_commit)
        event.listen(self.engine, "rollback", write_behind.on_rollback)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        try:
            self._prepare(create=create)
        except BaseException:
            self.engine.dispose()
            raise

    # -- opening --------------------------------------------------------------------

    def schema_version(self) -> int:
        """The deskterm schema version on the server (0: none yet)."""
        try:
            with self.engine.connect() as conn:
                return self._version(conn.connection.driver_connection)
        except (DBAPIError,) + self._driver_errors() as exc:
            raise self._error(exc) from exc

    @staticmethod
    def _version(con: Any) -> int:
        if con.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        row = con.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    def _prepare(self, *, create: bool) -> None:
        """Make sure the schema is current: create or migrate it, under a lock, once."""
        try:
            with self.engine.connect() as conn:
                con = conn.connection.driver_connection
                assert con is not None  # a connection checked out of the pool has one
                if con.execute("SELECT current_schema()").fetchone()[0] is None:
                    # search_path names no schema that exists: nowhere to create tables.
                    raise StorageError(
                        "The schema named in {path} does not exist: create "
                        "it first (CREATE SCHEMA name).",
                        path=self.where,
                    )
                con.execute(_MIGRATE_LOCK)  # released when this transaction ends
                found = self._version(con)
                if found > migrations.LATEST:
                    raise StorageError(
                        "{path} was written by a newer deskterm (schema {found}, this one "
                        "knows {latest}). Upgrade deskterm to open it.",
                        path=self.where,
                        found=found,
                        latest=migrations.LATEST,
                    )
                if found == migrations.LATEST:
                    con.rollback()
                    return
                if found == 0:
                    tables = con.execute(
                        "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema = current_schema()"
                    ).fetchone()[0]
                    if tables:
                        raise StorageError(
                            "{path} holds other tables, not a deskterm "
                            "database. Give deskterm a database (or schema) "
                            "of its own.",
                            path=self.where,
                        )
                    if not create:
                        raise StorageError("No deskterm database at {path}.", path=self.where)
                    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                    con.execute("INSERT INTO schema_version VALUES (0)")
                log.info("Migrating %s from schema %s to %s", self.where, found, migrations.LATEST)
                migrations.migrate_postgresql(con, found)
                con.commit()
        except (DBAPIError,) + self._driver_errors() as exc:
            raise self._error(exc) from exc

    def backup_to(self, target: Path) -> None:
        """``pg_dump`` of this deskterm schema into ``target`` (custom format, 0600).

        The password goes to pg_dump in its environment, never on its command line
        (which every user of the PC can list).
        """
        if target.exists():
            raise StorageError("{path} already exists; choose another name.", path=str(target))
        tool = shutil.which("pg_dump")
        if tool is None:
            raise StorageError(
                "Backing up a PostgreSQL database needs pg_dump (Debian: apt "
                "install postgresql-client), or the server's own backups."
            )
        with self.engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
        url = make_url(self.conninfo)
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        address = url.set(password=None).render_as_string(hide_password=False)
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            done = subprocess.run(
                [
                    tool,
                    "--format=custom",
                    f"--schema={schema}",
                    f"--file={target}",
                    f"--dbname={address}",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=3600,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            target.unlink(missing_ok=True)
            raise StorageError(
                "Backup to {path} failed: {error}", path=str(target), error=str(exc)
            ) from exc
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            error = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise StorageError("Backup to {path} failed: {error}", path=str(target), error=error)

    # -- the Database interface -----------------------------------------------------

    def _driver_errors(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.Error,)

    def _error(self, exc: BaseException) -> StorageError:
        return _server_error(exc, self.where)

    def _begin_raw(self, conn: Any, cur: Any, snapshot: bool = True) -> None:
        if snapshot:
            _snapshot_reads(conn.driver_connection)
        else:
            # No BEGIN (its own round trip in psycopg) and so no ROLLBACK: autocommit,
            # each statement its own snapshot; set on the client, no round trip.
            conn.driver_connection.autocommit = True

    def _end_raw(self, conn: Any, snapshot: bool = True) -> None:
        if snapshot:
            conn.rollback()
        else:
            conn.driver_connection.autocommit = False  # as the pool lends it to others

    def read_batch(
        self, statements: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """Every row of each statement, in one round trip: one text of statements (their
        parameters written in as literals: days, moments and numbers only) between a
        read-only snapshot's BEGIN and its COMMIT, each statement's rows read after."""
        import psycopg

        script = ";\n".join(
            ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"]
            + [inline(sql.strip(), params) for sql, params in statements]
            + ["COMMIT"]
        )
        try:
            conn = self.engine.raw_connection()
        except (DBAPIError, psycopg.Error) as exc:
            # The pool's own connect raises the driver's error unwrapped.
            raise _as_read_error(self._error(exc)) from exc
        dbapi_con = conn.driver_connection
        assert dbapi_con is not None  # a connection checked out of the pool has one
        try:
            dbapi_con.autocommit = True  # the script says where its transaction begins
            with dbapi_con.cursor() as cur:
                cur.execute(script)  # no parameters: one message, several statements
                found: list[list[tuple[Any, ...]]] = []
                while True:
                    if cur.description is not None:
                        found.append(cur.fetchall())
                    if not cur.nextset():
                        break
            if len(found) != len(statements):  # pragma: no cover - the server's contract
                raise AssertionError("a result for each statement")
            return found
        except psycopg.Error as exc:
            try:
                dbapi_con.rollback()  # a statement failed: its transaction is left open
            except psycopg.Error:
                conn.invalidate()
            raise _as_read_error(self._error(exc)) from exc
        finally:
            conn.close()

    def checkpoint(self) -> None:
        """Nothing to fold: the server's commits are durable where they are."""
        return None

    def data_version(self) -> int:
        """The showroom's change marker, read in one round trip on the desk's pooled
        connection, outside any transaction (it never holds a snapshot open).

        A connection the server dropped since the last look (a restart) is replaced once
        at once; only a server that does not answer is an error.
        """
        import psycopg

        for attempt in (1, 2):
            try:
                conn = self.engine.raw_connection()
            except (DBAPIError, psycopg.Error) as exc:
                # The pool's own connect raises the driver's error unwrapped.
                raise self._error(exc) from exc
            dbapi_con = conn.driver_connection
            assert dbapi_con is not None  # a connection checked out of the pool has one
            try:
                dbapi_con.autocommit = True
                try:
                    row = dbapi_con.execute(_MARKER_SQL).fetchone()
                finally:
                    dbapi_con.autocommit = False
                return int(row[0])
            except psycopg.Error as exc:
                conn.invalidate()  # a new connection on the next try
                if attempt == 2:
                    raise self._error(exc) from exc
                log.info("The change watch on %s reconnects: %s", self.where, exc)
            finally:
                conn.close()
        raise AssertionError("unreachable")  # the loop returns or raises

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()
