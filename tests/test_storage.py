"""The storage layer keeps the promises of ENGINEERING-NOTES.md."""

import sqlite3
import threading
import warnings

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from deskterm.errors import StorageError
from deskterm.services import rotation, setup
from deskterm.services.maintenance import open_context
from deskterm.storage import migrations
from deskterm.storage.engine import SQLiteDatabase


def test_pragmas_on_every_connection(tmp_path):
    db = SQLiteDatabase(tmp_path / "a.db")
    with db.read() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    db.close()


def test_write_session_takes_the_write_lock_up_front(tmp_path):
    db = SQLiteDatabase(tmp_path / "a.db")
    other = sqlite3.connect(tmp_path / "a.db", timeout=0, isolation_level=None)
    with db.write() as s:
        s.connection().exec_driver_sql("SELECT 1")  # a read only: the lock must already be held
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
    db.close()


def test_migrated_schema_matches_the_models(tmp_path):
    db = SQLiteDatabase(tmp_path / "a.db")
    insp = inspect(db.engine)
    for table in SQLModel.metadata.sorted_tables:
        cols = {c["name"] for c in insp.get_columns(table.name)}
        assert cols == {c.name for c in table.columns}, table.name
        with warnings.catch_warnings():  # ix_customer_initial: an expression (v16)
            warnings.filterwarnings(
                "ignore", "Skipped unsupported reflection of expression-based index"
            )
            got = {i["name"] for i in insp.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= got, table.name
    with db.read() as s:
        assert s.connection().exec_driver_sql("PRAGMA user_version").scalar() == migrations.LATEST
    db.close()


def test_newer_schema_is_refused_and_not_a_database_is_explained(tmp_path):
    p = tmp_path / "new.db"
    con = sqlite3.connect(p)
    con.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    con.close()
    with pytest.raises(StorageError, match="newer deskterm"):
        SQLiteDatabase(p)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError, match="not a deskterm database"):
        SQLiteDatabase(junk)
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.close()
    with pytest.raises(StorageError, match="not a deskterm database"):
        SQLiteDatabase(foreign)


def test_missing_file_without_create_is_an_error(tmp_path):
    with pytest.raises(StorageError):
        SQLiteDatabase(tmp_path / "nope.db", create=False)


@pytest.mark.both_databases
def test_concurrent_next_up_assigns_each_walk_in_once(database, clock):
    """Several windows (or PCs) press next-up at once: every walk-in goes to a different
    free person."""
    ctx = open_context(database, clock)
    ids = [setup.add_staff(ctx, f"S{i}", "salesperson").id for i in range(8)]
    for sid in ids:
        rotation.check_in(ctx, sid)
    results, errors = [], []

    def window():
        c = open_context(database, clock, start_of_day=False)
        try:
            for _ in range(2):
                results.append(rotation.walk_in(c).salesperson_id)
        except Exception as exc:  # collected and asserted below, never swallowed
            errors.append(exc)
        finally:
            c.db.close()

    threads = [threading.Thread(target=window) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == sorted(ids)  # 8 walk-ins, 8 different salespeople
    ctx.db.close()


def test_a_version_1_database_is_backed_up_then_migrated(tmp_path, clock):
    """The migration path from the first release: data kept, a backup left beside it."""
    old = tmp_path / "v1.db"
    con = sqlite3.connect(old, isolation_level=None)
    con.executescript("BEGIN;" + migrations.script(1) + "PRAGMA user_version = 1; COMMIT;")
    con.execute(
        "INSERT INTO staff (name, role, seniority, active, joined_on) "
        "VALUES ('王伟', 'salesperson', 'senior', 1, '2026-01-01')"
    )
    con.close()
    ctx = open_context(old, clock)
    assert [p.name for p in setup.list_staff(ctx)] == ["王伟"]
    # A shop from before PINs stays an open desk, written down as its explicit choice.
    assert setup.get_settings(ctx)["auth.mode"] == "open"
    with ctx.db.read() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == migrations.LATEST
        cols = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(reception)")}
        assert "form_missing" in cols
    backup = tmp_path / f"v1.db.before-v{migrations.LATEST}.bak"
    assert backup.exists()
    probe = sqlite3.connect(backup)
    assert probe.execute("PRAGMA user_version").fetchone()[0] == 1
    probe.close()
    ctx.db.close()
