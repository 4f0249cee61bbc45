"""Opening the database: pragmas, write locks taken up front, migrations, sessions.

:class:`Database` is what the services see, whichever the database: read sessions,
write sessions (one writer at a time, its lock taken up front), a hot-path cursor and a
change marker. :class:`SQLiteDatabase` is the shop PC's file (below);
:class:`deskterm.storage.postgres.PostgresDatabase` a dealer group's server.
:func:`open_database` picks one from what ``--db`` names.

Measured on these machines (shared/ENGINEERING-NOTES.md): SQLModel's default
read-modify-write lost 41 % of updates with two writers, and a deferred BEGIN
that reads then writes fails at once under contention.  So every write session
here begins with ``BEGIN IMMEDIATE``, and pragmas are set on each new connection
outside any transaction (inside one they are silently ignored).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from deskterm.errors import DamagedDatabase, StorageError
from deskterm.i18n import N_
from deskterm.storage import migrations, orm, prefetch
from deskterm.storage.queries import Raw, cursor_of

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_WRITE = "deskterm_write"


def _set_pragmas(
    dbapi_con: sqlite3.Connection, _record: Any, *, fast: bool, read_only: bool = False
) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event below emits BEGIN itself.
    dbapi_con.isolation_level = None
    cur = dbapi_con.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    if read_only:
        pass  # changing the journal mode is a write; a reader takes the file as it is
    elif fast:  # bulk generation of a throw-away file only
        cur.execute("PRAGMA journal_mode = MEMORY")
        cur.execute("PRAGMA synchronous = OFF")
    else:
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA journal_size_limit = 8388608")
    cur.close()


def _begin(conn: Any) -> None:
    # A write's prefetch is not read here: on a file each read costs what the use-case's
    # own query does, and reading ahead what may not be needed only adds (measured: a
    # walk-in 7 ms → 12 ms on the large shop). The use-cases read as they go.
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _create_private_file(path: Path) -> None:
    """Create the file 0600 in a 0700 folder so the -wal/-shm sidecars are private too."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def schema_version(path: Path) -> int:
    """``PRAGMA user_version`` of a database file; raises StorageError if not SQLite."""
    try:
        from deskterm.storage.files import uri  # quoted: a # in a folder's name is a name

        con = sqlite3.connect(uri(Path(path), "mode=ro"), uri=True)
        try:
            return int(con.execute("PRAGMA user_version").fetchone()[0])
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DamagedDatabase(
            "{path} is not a deskterm database (or it is damaged): {error}",
            path=str(path),
            error=str(exc),
        ) from exc


def _has_tables(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] > 0


def prepare_file(path: Path, *, create: bool = True, make_folder: bool = True) -> int:
    """Make sure ``path`` holds a current deskterm schema; return the version found.

    Creates a new database (private permissions) if allowed; refuses a database
    from a newer deskterm; migrates an older one after backing it up.
    """
    if not path.exists():
        if not create:
            raise StorageError("No database at {path}.", path=str(path))
        if not path.parent.is_dir() and not make_folder:
            # A named file in a missing folder is more often an unplugged drive or a typo
            # than a wish for a new, empty shop.
            raise StorageError(
                "The folder {folder} does not exist (is a drive missing?). "
                "Create it first to start a new database there.",
                folder=str(path.parent),
            )
        try:
            _create_private_file(path)
        except OSError as exc:
            raise StorageError(
                "Cannot create the database at {path}: {error}",
                path=str(path),
                error=exc.strerror or str(exc),
            ) from exc
    found = schema_version(path)
    if found > migrations.LATEST:
        raise StorageError(
            "{path} was written by a newer deskterm (schema {found}, this one knows {latest}). "
            "Upgrade deskterm to open it.",
            path=str(path),
            found=found,
            latest=migrations.LATEST,
        )
    if found == migrations.LATEST:
        return found
    con = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        if found == 0 and _has_tables(con):
            raise StorageError(
                "{path} is an SQLite file but not a deskterm database.", path=str(path)
            )
        if found > 0:
            backup = path.with_name(f"{path.name}.before-v{migrations.LATEST}.bak")
            dest = sqlite3.connect(backup)
            with dest:
                con.backup(dest)
            dest.close()
        con.execute("PRAGMA journal_mode = WAL")
        migrations.migrate(con, found)
    except sqlite3.OperationalError as exc:
        raise StorageError(
            "Cannot prepare {path}: {error}", path=str(path), error=str(exc)
        ) from exc
    finally:
        con.close()
    return found


def _storage_error(exc: BaseException, path: Path) -> StorageError:
    """What a failed statement means for the person at the desk; nothing was saved."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    if "locked" in text or "busy" in text:
        return StorageError("The database is busy in another window; nothing was saved. Try again.")
    if "full" in text:
        return StorageError(
            "The disk is full: nothing was saved. Free some space on the "
            "disk of {path}, then save again.",
            path=str(path),
        )
    if "readonly" in text or "read-only" in text:
        return StorageError(
            "{path} is read-only: nothing was saved. Ask for write access "
            "to the file and its folder.",
            path=str(path),
        )
    if "malformed" in text or "not a database" in text:
        return DamagedDatabase(
            "The database {path} is damaged ({error}). Quit and run "
            "'deskterm restore' to bring back the newest backup.",
            path=str(path),
            error=text,
        )
    if "disk I/O" in text or "unable to open" in text:
        return StorageError(
            "The disk holding {path} failed ({error}): nothing was saved.",
            path=str(path),
            error=text,
        )
    return StorageError("The database refused the change ({error}): nothing was saved.", error=text)


#: A failed read changed nothing, so its message must not speak of a save: the read
#: wording of each "nothing was saved" message (same parameters), from SQLite and server.
_READ_WORDING: dict[str, str] = {
    "The database is busy in another window; nothing was saved. Try again.": N_(
        "The database is busy in another window. Try again."
    ),
    "The disk is full: nothing was saved. Free some space on the disk of {path}, then "
    "save again.": N_("The disk of {path} is full. Free some space on it, then try again."),
    "The disk holding {path} failed ({error}): nothing was saved.": N_(
        "The disk holding {path} failed ({error}): it could not be read."
    ),
    "The database refused the change ({error}): nothing was saved.": N_(
        "The database could not answer ({error}). Nothing was changed."
    ),
    "The database server is busy with another PC's change; nothing was saved. Try again.": N_(
        "The database server is busy with another PC's change. Try again."
    ),
    "Cannot reach the database server {path} ({error}): nothing was saved. Check the "
    "network and that the server is running.": N_(
        "Cannot reach the database server {path} ({error}). Check the network and that "
        "the server is running."
    ),
}


def _as_read_error(err: StorageError) -> StorageError:
    """``err`` as said of a read: the same kind and details, no claim about a save."""
    wording = _READ_WORDING.get(err.msgid)
    if wording is None and "nothing was saved" in err.msgid:
        wording = N_("The database could not answer. Nothing was changed; try again.")
        return type(err)(wording)
    if wording is None:
        return err
    return type(err)(wording, field=err.field, **err.params)


class Database(ABC):
    """One deskterm database: an engine, read sessions, write sessions, a change marker."""

    #: "sqlite" or "postgresql" (the SQL of :mod:`deskterm.storage.queries` differs).
    dialect = "sqlite"
    engine: Engine
    #: The SQLite file, or None for a database server.
    path: Path | None = None
    #: Where the database is, as said to people (a server's address has no password).
    where: str
    #: The folder for reports, exports and backups made from this database.
    home: Path
    #: The engine whose transactions take the write lock first.
    _writer: Engine

    @abstractmethod
    def _driver_errors(self) -> tuple[type[BaseException], ...]:
        raise NotImplementedError

    @abstractmethod
    def _error(self, exc: BaseException) -> StorageError:
        """What a failed statement means for the person at the desk; nothing was saved."""
        raise NotImplementedError

    @abstractmethod
    def _begin_raw(self, conn: Any, cur: Any, snapshot: bool = True) -> None:
        """Start one read snapshot on a bare driver connection (``snapshot=False``: none,
        each statement reads on its own)."""
        raise NotImplementedError

    @abstractmethod
    def _end_raw(self, conn: Any, snapshot: bool = True) -> None:
        """End what :meth:`_begin_raw` started."""
        raise NotImplementedError

    @abstractmethod
    def data_version(self) -> int:
        """A number that changes whenever anything was committed (another window, another
        PC, or this process's own sessions): how a screen knows to reload."""
        raise NotImplementedError

    #: Per thread: the session of the :meth:`one_read` block running there, if any.
    _reads: threading.local

    def _shared(self) -> Session | None:
        reads = self.__dict__.get("_reads")
        return getattr(reads, "session", None) if reads is not None else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session: one consistent snapshot, never waits for writers (inside
        :meth:`one_read` on this thread, that block's)."""
        shared = self._shared()
        if shared is not None:
            yield shared
            return
        with orm.Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except (DBAPIError,) + self._driver_errors() as exc:
                raise _as_read_error(self._error(exc)) from exc
            finally:
                session.rollback()

    @contextmanager
    def one_read(self) -> Iterator[None]:
        """Every :meth:`read` and :meth:`read_cursor` in this block, on this thread, shares
        one snapshot: a screen that asks several use-cases for its data sees them agree,
        and on a server pays one BEGIN and one ROLLBACK, not one pair per use-case."""
        if self._shared() is not None:
            yield  # already inside one
            return
        with self.read() as session:
            reads = self.__dict__.setdefault("_reads", threading.local())
            reads.session = session
            try:
                yield
            finally:
                reads.session = None

    @contextmanager
    def read_cursor(self, snapshot: bool = True) -> Iterator[Raw]:
        """A read snapshot on a bare driver cursor from the same pool.

        For the hot-path statements in :mod:`deskterm.storage.queries` only: there,
        a Session's and a Core statement's own work cost three times SQLite's.
        ``snapshot=False`` where the block's statements need not see one moment (a
        search, a list as the desk types): each reads on its own, and a server is spared
        the BEGIN's and the ROLLBACK's round trips (three became one).
        """
        shared = self._shared()
        if shared is not None:
            yield cursor_of(shared)  # the one_read block's snapshot
            return
        try:
            conn = self.engine.raw_connection()
        except (DBAPIError,) + self._driver_errors() as exc:
            # The pool's own connect raises the driver's error unwrapped.
            raise _as_read_error(self._error(exc)) from exc
        began = False
        try:
            cur = conn.cursor()
            self._begin_raw(conn, cur, snapshot)  # one snapshot for the block's statements
            began = True
            yield Raw(cur, self.dialect)
        except self._driver_errors() as exc:
            raise _as_read_error(self._error(exc)) from exc
        finally:
            if began:
                try:
                    self._end_raw(conn, snapshot)
                except self._driver_errors() as exc:
                    # Only a read ends here; the connection is dropped, not reused.
                    log.warning("Ending a read on %s failed: %s", self.where, exc)
                    conn.invalidate()
            conn.close()  # back to the pool

    def read_batch(
        self, statements: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """Every row of each statement (SQL of :mod:`deskterm.storage.queries`, with its
        parameters), all read in one snapshot; datetimes as stored (see ``from_stored``).
        A file reads them one after the other; a server in one round trip."""
        with self.read_cursor() as cur:
            return [cur.rows(sql, params) for sql, params in statements]

    @contextmanager
    def write(self, wanted: prefetch.Prefetch | None = None) -> Iterator[Session]:
        """A write transaction that holds the write lock from its first statement;
        ``wanted``: what it will read, read with the lock on a server (see
        :mod:`.prefetch`)."""
        with orm.Session(self._writer, expire_on_commit=False) as session:
            try:
                if wanted is not None and self.dialect == "postgresql":
                    prefetch.begin(session, wanted)
                yield session
                # Last look before the commit: a file replaced or renamed under this
                # window would take the save with it (the commit lands in the old inode).
                self.still_the_database()
                session.commit()
            except (DBAPIError,) + self._driver_errors() as exc:
                session.rollback()
                raise self._error(exc) from exc
            except BaseException:
                session.rollback()
                raise

    def still_the_database(self) -> None:
        """Raise StorageError if the database this window opened is no longer the one
        its name points to (a file replaced, renamed or deleted); a server always is."""
        return None

    @abstractmethod
    def checkpoint(self) -> None:
        """Make every commit part of the main store (before copying a file)."""

    @abstractmethod
    def backup_to(self, target: Path) -> None:
        """A backup of the live database into the new file ``target`` (0600)."""

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()


def open_database(
    target: str | os.PathLike[str],
    *,
    create: bool = True,
    make_folder: bool = True,
    read_only: bool = False,
) -> Database:
    """The database ``target`` names: a ``postgresql://`` address or an SQLite file.

    ``read_only`` (SQLite): nothing is created, migrated or written; a file whose schema
    is not the current one is refused rather than migrated."""
    from deskterm.storage.postgres import PostgresDatabase, is_server_address

    if isinstance(target, str) and is_server_address(target):
        return PostgresDatabase(target, create=create)
    return SQLiteDatabase(target, create=create, make_folder=make_folder, read_only=read_only)


def is_read_only_path(path: Path) -> bool:
    """Whether nobody here can write ``path`` or make its sidecars (file, folder or disk)."""
    from deskterm.storage.files import is_read_only

    return is_read_only(path)


def _check_readable(path: Path) -> None:
    """A file a reader can use as it is: present, and of this deskterm's schema."""
    if not path.exists():
        raise StorageError("No database at {path}.", path=str(path))
    found = schema_version(path)
    if found != migrations.LATEST:
        raise StorageError(
            "{path} has schema {found}, this deskterm reads {latest}: open it once with "
            "write access so it is brought up to date, then read it.",
            path=str(path),
            found=found,
            latest=migrations.LATEST,
        )


class SQLiteDatabase(Database):
    """One SQLite file on the shop PC."""

    dialect = "sqlite"
    path: Path  # always a file here

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        fast: bool = False,
        make_folder: bool = True,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path).expanduser().resolve()
        self.where = str(self.path)
        self.home = self.path.parent
        self.read_only = read_only
        if read_only:
            _check_readable(self.path)
        else:
            prepare_file(self.path, create=create, make_folder=make_folder)
        # Which file this window opened: a path that later names another file (a restore
        # that renamed it aside, a copy dropped over it, a delete) must not take saves.
        opened = os.stat(self.path)
        self._identity = (opened.st_dev, opened.st_ino)
        # hide_parameters keeps phone numbers out of logs and error messages.
        # mode=rw: a connection never creates the file. Moved away while the app runs, an
        # empty stand-in made by the next connection would take the pool's connections
        # and keep them after the real file came back ("no such table" until a restart).
        flags = "mode=rw"
        if read_only:
            # mode=ro: SQLite itself refuses every write. A file nobody may write (or in a
            # folder where no -shm can be made) is read as it is: immutable.
            flags = "mode=ro" + ("&immutable=1" if is_read_only_path(self.path) else "")
        self._flags = flags
        # The connections are made here, not from a URL: SQLAlchemy decodes a URL's path
        # once more before SQLite sees it, so a folder named "shop #2" opened "shop "
        # (and left a stray empty file there). As SQLAlchemy does for a file: one pool
        # (QueuePool), connections usable from the workers' threads.
        uri, timeout = self.uri(flags), BUSY_TIMEOUT_MS / 1000
        self.engine = create_engine(
            "sqlite://",
            hide_parameters=True,
            poolclass=QueuePool,
            creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=timeout, check_same_thread=False
            ),
        )
        event.listen(
            self.engine,
            "connect",
            lambda c, r: _set_pragmas(c, r, fast=fast, read_only=read_only),
        )
        event.listen(self.engine, "begin", _begin)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        self._watch: sqlite3.Connection | None = None
        self._watch_lock = threading.Lock()

    def uri(self, flags: str) -> str:
        """The file's SQLite URI with ``flags`` (the path quoted: a ``?`` or ``#`` in a
        folder's name is part of the name)."""
        return f"file:{quote(str(self.path))}?{flags}"

    def _driver_errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def still_the_database(self) -> None:
        """Device and inode of the path against those of the file opened."""
        try:
            now = os.stat(self.path)
            same = (now.st_dev, now.st_ino) == self._identity
        except OSError:
            same = False
        if not same:
            raise StorageError(
                "The database file {path} was replaced or removed; nothing was "
                "saved. Close and reopen deskterm.",
                path=str(self.path),
            )

    def _error(self, exc: BaseException) -> StorageError:
        return _storage_error(exc, self.path)

    def _begin_raw(self, conn: Any, cur: Any, snapshot: bool = True) -> None:
        if snapshot:
            cur.execute("BEGIN")

    def _end_raw(self, conn: Any, snapshot: bool = True) -> None:
        if snapshot:
            conn.driver_connection.execute("ROLLBACK")

    def data_version(self) -> int:
        """``PRAGMA data_version`` on one dedicated connection (it is per connection):
        changes whenever any *other* connection commits, for microseconds."""
        self.still_the_database()  # the change marker is how an idle window notices
        with self._watch_lock:
            try:
                if self._watch is None:
                    # It only ever runs this PRAGMA, outside any transaction.
                    self._watch = sqlite3.connect(
                        self.uri(self._flags),
                        uri=True,
                        check_same_thread=False,
                        isolation_level=None,
                    )
                # fetchall: run the statement to its end so no read snapshot stays open.
                return int(self._watch.execute("PRAGMA data_version").fetchall()[0][0])
            except sqlite3.Error as exc:
                raise StorageError(
                    "Cannot read {path}: {error}", path=str(self.path), error=str(exc)
                ) from exc

    def backup_to(self, target: Path) -> None:
        """SQLite's online backup: safe while any window is writing."""
        from deskterm.storage.files import online_copy

        online_copy(self.path, target)  # type: ignore[arg-type]

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (before copying or committing a sample)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Let SQLite refresh its statistics, then release every connection."""
        try:
            if not self.read_only:  # statistics are a write
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA optimize")
        except DBAPIError as exc:
            # Statistics are an optimisation; a full or read-only disk must not stop a
            # clean close. Logged, not swallowed.
            log.warning("PRAGMA optimize skipped on %s: %s", self.path, exc.orig)
        finally:
            with self._watch_lock:
                if self._watch is not None:
                    self._watch.close()
                    self._watch = None
            self.engine.dispose()
