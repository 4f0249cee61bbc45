"""PostgreSQL keeps the promises SQLite keeps: the same schema from the twin migrations,
one writer at a time, an append-only audit trail, a change marker, clear errors.

The service tests run on both databases (``both_databases`` in conftest); these are
about the server itself. They need ``DESKTERM_TEST_POSTGRESQL`` (CI sets it).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

import psycopg
import pytest
from sqlalchemy import inspect

from deskterm.cli.main import main
from deskterm.errors import StorageError
from deskterm.services import rotation, setup
from deskterm.services.backups import backup_now
from deskterm.services.maintenance import change_marker, check, open_context
from deskterm.storage import migrations, search_index
from deskterm.storage.engine import SQLiteDatabase
from deskterm.storage.postgres import POSTGRESQL_ONLY_TABLES, PostgresDatabase, is_server_address


@pytest.fixture
def address(database):
    return database


@pytest.fixture
def raw(address):
    con = psycopg.connect(address, autocommit=True)
    yield con
    con.close()


pytestmark = pytest.mark.postgresql_only


def _column_of(expression: str | None) -> str | None:
    """The column an index expression reads (``lower((name)::text)`` → ``name``)."""
    if expression is None:
        return None
    return re.sub(r"lower|::text|[()\s]", "", expression)


#: Indexes on an expression SQLAlchemy cannot reflect from SQLite (a warning, an error
#: here): compared by their definitions instead, the expression each dialect spells.
EXPRESSION_INDEXES = {
    "ix_customer_initial": (
        "(lower(substr(name, 1, 1)), last_contact_at)",
        '(lower("left"((name)::text, 1)), last_contact_at DESC NULLS LAST)',
    )
}


def _indexes(insp, table: str) -> list[dict]:
    with _expressions_unreflected():
        return insp.get_indexes(table)


def _unique(insp, table: str) -> list[dict]:
    with _expressions_unreflected():  # SQLite's reads the indexes too
        return insp.get_unique_constraints(table)


@contextmanager
def _expressions_unreflected() -> Iterator[None]:
    with warnings.catch_warnings():
        for name in EXPRESSION_INDEXES:
            warnings.filterwarnings(
                "ignore", f"Skipped unsupported reflection of expression-based index {name}$"
            )
        yield


def _schema(engine) -> dict[str, dict]:
    """What both dialects must agree on, table by table."""
    insp = inspect(engine)
    out: dict[str, dict] = {}
    for table in insp.get_table_names():
        # The search indexes are each database's own (SQLite: FTS5 tables; PostgreSQL:
        # pg_trgm indexes): compared by test_each_database_has_its_search_indexes.
        if (
            table == "schema_version"
            or search_index.is_search_table(table)
            or table in POSTGRESQL_ONLY_TABLES
        ):
            continue
        out[table] = {
            "columns": {
                c["name"]: (
                    c["nullable"],
                    type(c["type"]).__visit_name__.lower().replace("timestamp", "datetime"),
                )
                for c in insp.get_columns(table)
            },
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in insp.get_foreign_keys(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in _unique(insp, table)),
            "indexes": sorted(
                (
                    i["name"],
                    # An expression index (PostgreSQL's lower(name), SQLite's name COLLATE
                    # NOCASE: each one's case-blind whole name) by the column it reads.
                    tuple(
                        c if c is not None else _column_of(e)
                        for c, e in zip(
                            i["column_names"],
                            i.get("expressions") or [None] * len(i["column_names"]),
                            strict=True,
                        )
                    ),
                    " ".join(
                        str(
                            (i.get("dialect_options") or {}).get(
                                "sqlite_where",
                                (i.get("dialect_options") or {}).get("postgresql_where", ""),
                            )
                        )
                        .replace("(", "")
                        .replace(")", "")
                        .replace("::text", "")
                        .replace("::character varying", "")
                        .split()
                    ),
                )
                for i in _indexes(insp, table)
                if not i["name"].startswith("sqlite_")
                and i["name"] not in EXPRESSION_INDEXES
                and not i.get("duplicates_constraint")
                and i["name"] not in search_index.POSTGRESQL_ONLY
            ),
        }
    return out


def test_every_migration_step_has_its_postgresql_twin():
    folder = resources.files(migrations.__name__)
    sqlite_steps = sorted(f.name for f in folder.iterdir() if f.name.endswith(".sql"))
    twins = sorted(
        f.name for f in folder.joinpath("postgresql").iterdir() if f.name.endswith(".sql")
    )
    assert twins == sqlite_steps and len(twins) == migrations.LATEST


def test_the_twin_migrations_give_the_same_schema(address, tmp_path):
    lite = SQLiteDatabase(tmp_path / "a.db")
    pg = PostgresDatabase(address)
    try:
        a, b = _schema(lite.engine), _schema(pg.engine)
        assert a.keys() == b.keys()
        for table in a:
            for part in ("columns", "pk", "fks", "unique"):
                assert a[table][part] == b[table][part], (table, part)
            # SQLite reports no partial-index condition through inspect: names and columns.
            assert [i[:2] for i in a[table]["indexes"]] == [i[:2] for i in b[table]["indexes"]]
        conditions = {i[0]: i[2] for t in b.values() for i in t["indexes"] if i[2]}
        assert conditions == {
            "ix_callback_open_due": "status = 'open'",
            "ix_callback_kind_due": "status = 'open'",
            "ix_customer_lost_request": "lost_requested_at IS NOT NULL",
        }
        assert pg.schema_version() == migrations.LATEST
        with lite.read_cursor() as cur:
            sqlite_sql = dict(cur.rows("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
        with pg.read_cursor() as cur:
            pg_sql = dict(
                cur.rows(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                )
            )
        for name, (in_sqlite, in_postgresql) in EXPRESSION_INDEXES.items():
            assert in_sqlite in sqlite_sql[name] and in_postgresql in pg_sql[name], name
    finally:
        lite.close()
        pg.close()


def test_the_audit_trail_is_append_only_on_the_server(ctx, team, raw):
    rotation.check_in(ctx, team.li)
    assert raw.execute("SELECT count(*) FROM audit").fetchone()[0] > 0
    for statement in ("UPDATE audit SET action = 'x'", "DELETE FROM audit", "TRUNCATE audit"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            raw.execute(statement)


def test_a_writer_waits_for_the_other_pc_then_says_busy(ctx, address, monkeypatch):
    """The write lock is taken first thing: a second writer gives up with "busy"."""
    from deskterm.storage import postgres

    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_MS", 300)
    other = PostgresDatabase(address)
    try:
        with ctx.db.write() as s:
            s.connection().exec_driver_sql("SELECT 1")  # holds the lock from here
            with pytest.raises(StorageError, match="busy"), other.write() as s2:
                s2.connection().exec_driver_sql("SELECT 1")
        with other.write() as s2:  # free again once the first one committed
            s2.connection().exec_driver_sql("SELECT 1")
    finally:
        other.close()


def test_reads_are_one_snapshot_and_read_only(ctx, team, raw):
    with ctx.db.read() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        before = conn.exec_driver_sql("SELECT count(*) FROM staff").scalar()
        raw.execute(
            "INSERT INTO staff (name, role, seniority, active, joined_on) "
            "VALUES ('Late', 'salesperson', 'junior', true, '2026-01-01')"
        )
        assert conn.exec_driver_sql("SELECT count(*) FROM staff").scalar() == before


def test_the_change_marker_moves_on_a_commit_and_not_on_a_read(ctx, team, raw):
    first = change_marker(ctx)
    setup.list_staff(ctx)
    assert change_marker(ctx) == first
    other_pc = open_context(ctx.db.conninfo, ctx.clock)
    try:
        setup.add_staff(other_pc, "Other PC", "salesperson")
    finally:
        other_pc.db.close()
    second = change_marker(ctx)
    assert second != first
    rotation.check_in(ctx, team.li)
    assert change_marker(ctx) != second


def test_an_older_schema_is_migrated_with_its_data(address, raw, clock):
    raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    raw.execute("INSERT INTO schema_version VALUES (1)")
    raw.execute(migrations.script(1, "postgresql"))
    raw.execute(
        "INSERT INTO staff (name, role, seniority, active, joined_on) "
        "VALUES ('王伟', 'salesperson', 'senior', true, '2026-01-01')"
    )
    ctx = open_context(address, clock)
    try:
        assert [p.name for p in setup.list_staff(ctx)] == ["王伟"]
        assert setup.get_settings(ctx)["auth.mode"] == "open"  # v3's rule for old shops
        assert ctx.db.schema_version() == migrations.LATEST
    finally:
        ctx.db.close()


def test_foreign_tables_or_a_newer_schema_are_refused(address, raw):
    raw.execute("CREATE TABLE invoices (id integer)")
    with pytest.raises(StorageError, match="not a deskterm database"):
        PostgresDatabase(address)
    raw.execute("DROP TABLE invoices")
    with pytest.raises(StorageError, match="No deskterm database"):
        PostgresDatabase(address, create=False)
    raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    raw.execute(f"INSERT INTO schema_version VALUES ({migrations.LATEST + 1})")
    with pytest.raises(StorageError, match="newer deskterm"):
        PostgresDatabase(address)


def test_a_schema_that_does_not_exist_is_said(address):
    missing = address.replace("search_path%3Dt_", "search_path%3Dnone_")
    with pytest.raises(StorageError, match="does not exist: create it first"):
        PostgresDatabase(missing)


def test_an_unreachable_server_is_said_without_the_password():
    with pytest.raises(StorageError, match="Cannot reach the database server") as err:
        PostgresDatabase("postgresql://desk:s3cret@127.0.0.1:1/shop")
    assert "s3cret" not in err.value.message
    assert "127.0.0.1:1/shop" in err.value.message


def test_addresses_are_told_from_files():
    assert is_server_address("postgresql://host/db")
    assert is_server_address("postgres://u@h/db")
    assert not is_server_address("shop.db")
    assert not is_server_address("/data/postgresql/shop.db")


def test_check_and_backup_on_the_server(ctx, team, tmp_path):
    rotation.check_in(ctx, team.li)
    rotation.walk_in(ctx)
    assert check(ctx) == []
    made = backup_now(ctx, tmp_path)
    assert made.suffix == ".dump" and made.stat().st_size > 0
    assert made.stat().st_mode & 0o077 == 0  # private, like the database file


def test_the_cli_runs_on_the_server_and_will_not_restore_over_it(
    address, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("DESKTERM_NOW", "2026-03-02T09:00:00+08:00")
    assert main(["staff", "add", "Li Na", "--role", "salesperson", "--db", address]) == 0
    assert main(["staff", "list", "--format", "json", "--db", address]) == 0
    assert "Li Na" in capsys.readouterr().out
    assert main(["report", "--db", address]) == 0
    assert main(["check", "--db", address]) == 0
    monkeypatch.setenv("HOME", str(tmp_path))  # backups go to ~/deskterm/backups
    capsys.readouterr()
    assert main(["backup", "--db", address]) == 0
    made = capsys.readouterr().out
    assert str(tmp_path / "deskterm" / "backups") in made and ".dump" in made
    assert main(["backups", "--db", address]) == 0
    assert "deskterm-20260302-" in capsys.readouterr().out
    assert main(["restore", "--yes", "--db", address]) == 1
    assert "pg_restore" in capsys.readouterr().err


def test_a_shop_moves_its_file_to_the_server_whole(address, tmp_path, clock, capsys, monkeypatch):
    """``deskterm copy-to``: every row, ids kept, the same report; the server's ids go on
    after the copied ones; a second copy into it is refused."""
    from deskterm.services import customers, reception
    from deskterm.services.reception import ReceptionForm
    from deskterm.services.report import as_json, daily_report

    shop = tmp_path / "shop.db"
    lite = open_context(shop, clock)
    setup.set_setting(lite, "auth.mode", "open")
    ids = [setup.add_staff(lite, n, "salesperson").id for n in ("王伟", "Li Na", "赵敏")]
    for sid in ids:
        rotation.check_in(lite, sid)
    for i in range(3):
        arrival = rotation.walk_in(lite)
        reception.save_form(
            lite,
            arrival.reception_id,
            ReceptionForm(
                name=f"张{i}",
                phone=f"138 0013 800{i}",
                purchase_horizon="1m",
                model_interest="Model Y",
                companions=[("spouse", "likes white")],
            ),
        )
    expected = as_json(daily_report(lite))
    lite.db.close()

    monkeypatch.setenv("DESKTERM_NOW", "2026-03-02T09:00:00+08:00")
    assert main(["copy-to", address, "--db", str(shop)]) == 0
    said = capsys.readouterr().out
    assert "customer: 3 rows" in said and "companion: 3 rows" in said

    server = open_context(address, clock)
    try:
        assert as_json(daily_report(server)) == expected
        assert [c.name for c in customers.search(server, "张1")] == ["张1"]
        assert setup.add_staff(server, "New", "salesperson").id == max(ids) + 1
        with server.db.read() as s:
            audit_rows = s.connection().exec_driver_sql("SELECT count(*) FROM audit").scalar()
        assert audit_rows > 0
    finally:
        server.db.close()
    assert main(["copy-to", address, "--db", str(shop)]) == 1
    assert "already holds data" in capsys.readouterr().err
    # And back: the server's database into a new file, the same report again.
    back = tmp_path / "back.db"
    assert main(["copy-to", str(back), "--db", address]) == 0
    again = open_context(back, clock)
    try:
        report = as_json(daily_report(again))
        assert report["receptions"] == expected["receptions"]
        assert len(setup.list_staff(again)) == len(ids) + 1
    finally:
        again.db.close()


def test_serve_hands_the_server_address_to_each_browser_in_the_environment(
    ctx, team, address, monkeypatch, capsys
):
    """The address may hold a password: never on the command line every user can list."""
    import deskterm.cli.serve
    from deskterm.services import auth

    auth.set_pin(ctx, team.li, "2468")
    started: dict = {}

    class FakeServer:
        def __init__(self, command, **kw):
            started["command"] = command
            started["max_sessions"] = kw.get("max_sessions")

        def serve(self):
            started["env"] = os.environ.get("DESKTERM_DB")

    # The desk's own server class, not textual-serve's: patching the library's class
    # would leave DeskServer subclassing the fake for every later test.
    monkeypatch.setattr(deskterm.cli.serve, "DeskServer", FakeServer)
    monkeypatch.setenv("DESKTERM_DB", "")
    assert main(["serve", "--db", address, "--port", "8123"]) == 0
    assert started["env"] == address
    assert "--db" not in started["command"] and "--remote" in started["command"]


def _gone(raw, pid: int) -> None:
    """Wait (up to 5 s) until the server has ended session ``pid``."""
    import time

    deadline = time.monotonic() + 5
    while raw.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]:
        assert time.monotonic() < deadline, "the server did not end the session"
        time.sleep(0.01)


def test_a_connection_cut_mid_write_saves_nothing_and_the_next_action_reconnects(ctx, team, raw):
    """The server drops the desk's connection in the middle of a save (a restart, the
    network): nothing of it is kept, the message says so, and the next action works on
    a new connection without restarting deskterm."""
    from deskterm.storage.models import Staff

    before = len(setup.list_staff(ctx))
    with (
        pytest.raises(StorageError, match="Cannot reach the database server") as err,
        ctx.db.write() as s,
    ):
        s.add(Staff(name="Half saved", role="salesperson", joined_on=ctx.today()))
        s.flush()
        # This desk's own connection only: other tests' desks share the server.
        pid = s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        raw.execute("SELECT pg_terminate_backend(%s)", (pid,))
        s.add(Staff(name="Second", role="salesperson", joined_on=ctx.today()))
        s.flush()
    assert "nothing was saved" in err.value.message
    # Every pooled connection was cut: the next action finds out and reconnects.
    change_marker(ctx)  # the change watch shares the desk's one connection
    with ctx.db.engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    raw.execute("SELECT pg_terminate_backend(%s)", (pid,))
    _gone(raw, pid)  # as after a restart: the session has ended before the next action
    assert len(setup.list_staff(ctx)) == before
    rotation.check_in(ctx, team.li)
    assert change_marker(ctx) == change_marker(ctx)  # the watch reconnected by itself
