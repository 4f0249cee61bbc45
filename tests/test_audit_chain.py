"""The audit trail's hash chain (issue 14): with the triggers dropped, a row changed,
deleted, forged or moved, then the triggers put back, ``check`` still names the row."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from deskterm.i18n import set_language
from deskterm.services import setup
from deskterm.services.maintenance import check, open_context
from deskterm.storage import audit_chain, migrations

SAMPLE = Path(__file__).resolve().parents[1] / "deskterm.db.sample"

SQLITE_UPDATE_TRIGGER = (
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
)
SQLITE_DELETE_TRIGGER = (
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
)
PG_TRIGGER = (
    "CREATE TRIGGER audit_no_{what} BEFORE {verb} ON audit "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
)


def _audit(ctx) -> list[str]:
    return [p.detail for p in check(ctx) if p.kind == "audit"]


def _rows(ctx) -> list[tuple]:
    with ctx.db.read() as s:
        return list(
            s.connection()
            .exec_driver_sql("SELECT id, prev_hash, hash FROM audit ORDER BY id")
            .all()
        )


def _behind_the_triggers(ctx, *statements: str) -> None:
    """What a forger does: drop the triggers, run ``statements``, put the triggers back."""
    pg = ctx.db.dialect == "postgresql"
    with ctx.db.write() as s:
        conn = s.connection()
        for what in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER audit_no_{what}" + (" ON audit" if pg else ""))
        for sql in statements:
            conn.exec_driver_sql(sql)
        if pg:
            conn.exec_driver_sql(PG_TRIGGER.format(what="update", verb="UPDATE"))
            conn.exec_driver_sql(PG_TRIGGER.format(what="delete", verb="DELETE"))
        else:
            conn.exec_driver_sql(SQLITE_UPDATE_TRIGGER)
            conn.exec_driver_sql(SQLITE_DELETE_TRIGGER)


@pytest.fixture
def trail(ctx, team):
    """A desk with a few more audit rows (the team's own are rows 2-7)."""
    for i in range(5):
        setup.set_setting(ctx, "shop.name", f"Showroom {i}")
    rows = _rows(ctx)
    assert len(rows) >= 10 and [r[0] for r in rows] == list(range(1, len(rows) + 1))
    return len(rows)


@pytest.mark.both_databases
def test_an_untouched_trail_is_one_chain_and_passes(ctx, trail):
    rows = _rows(ctx)
    assert rows[0][1] == audit_chain.GENESIS
    for before, row in zip(rows, rows[1:], strict=False):
        assert row[1] == before[2] and len(row[2]) == 64
    assert _audit(ctx) == []


@pytest.mark.both_databases
def test_a_changed_field_is_found_and_the_row_named(ctx, trail):
    _behind_the_triggers(ctx, 'UPDATE audit SET after_json = \'{"name":"Nobody"}\' WHERE id = 4')
    assert _audit(ctx) == ["audit row 4 was changed after it was written (its hash no longer fits)"]


@pytest.mark.both_databases
def test_a_changed_time_is_found(ctx, trail):
    later = (
        "'2026-03-02 02:00:00.000000'" if ctx.db.dialect == "sqlite" else "at + interval '1 hour'"
    )
    _behind_the_triggers(ctx, f"UPDATE audit SET at = {later} WHERE id = 6")
    assert _audit(ctx) == ["audit row 6 was changed after it was written (its hash no longer fits)"]


@pytest.mark.both_databases
def test_a_deleted_middle_row_is_found(ctx, trail):
    _behind_the_triggers(ctx, "DELETE FROM audit WHERE id = 5")
    assert _audit(ctx) == ["audit rows after row 4 and before row 6 were deleted"]


@pytest.mark.both_databases
def test_a_forged_row_is_found(ctx, trail):
    at = "'2026-03-02 01:00:00.000000'" if ctx.db.dialect == "sqlite" else "now()"
    _behind_the_triggers(
        ctx,
        "INSERT INTO audit (id, at, action, entity, entity_id, after_json) "
        f"VALUES ({trail + 1}, {at}, 'staff.add', 'staff', 99, '{{\"name\":\"Ghost\"}}')",
    )
    found = _audit(ctx)
    assert found[0] == f"audit row {trail + 1} was not written by deskterm (it carries no hash)"
    # The desk goes on saving after it (a forged id does not block the next row), and the
    # break stays reported.
    setup.set_setting(ctx, "shop.name", "After the forgery")
    assert _rows(ctx)[-1][0] == trail + 2
    assert _audit(ctx)[0] == found[0]


@pytest.mark.both_databases
def test_a_forged_row_with_a_well_made_hash_still_leaves_the_end_marker_behind(ctx, trail):
    """Someone who knows the recipe chains his row properly: the recorded end shows it."""
    last = _rows(ctx)[-1]
    at = "2026-03-02 01:00:00.000000"
    digest = audit_chain.row_hash(
        last[2], trail + 1, at, None, "staff.add", "staff", 99, None, '{"name":"Ghost"}'
    )
    _behind_the_triggers(
        ctx,
        "INSERT INTO audit (id, at, action, entity, entity_id, after_json, prev_hash, hash) "
        f"VALUES ({trail + 1}, '{at}{'+00' if ctx.db.dialect == 'postgresql' else ''}', "
        f"'staff.add', 'staff', 99, '{{\"name\":\"Ghost\"}}', '{last[2]}', '{digest}')",
    )
    assert _audit(ctx) == [
        f"the audit trail's end (row {trail + 1}) is not the end deskterm recorded: rows "
        "were added or changed outside deskterm"
    ]


@pytest.mark.both_databases
def test_rows_swapped_are_found(ctx, trail):
    """Two rows trade places (every field but the id): the chain no longer links."""
    cols = "at, actor_id, action, entity, entity_id, before_json, after_json, prev_hash, hash"
    sets = ", ".join(
        f"{c} = (SELECT {c} FROM audit_copy WHERE id = 5 - audit.id + 4)" for c in cols.split(", ")
    )
    _behind_the_triggers(
        ctx,
        f"CREATE TABLE audit_copy AS SELECT id, {cols} FROM audit WHERE id IN (4, 5)",
        f"UPDATE audit SET {sets} WHERE id IN (4, 5)",
        "DROP TABLE audit_copy",
    )
    assert _audit(ctx) == [
        "audit row 4 does not follow row 3: rows were inserted, deleted or moved there"
    ]


@pytest.mark.both_databases
def test_deleted_newest_rows_are_found_by_the_recorded_end(ctx, trail):
    _behind_the_triggers(ctx, f"DELETE FROM audit WHERE id > {trail - 2}")
    assert _audit(ctx) == [
        f"audit rows after row {trail - 2} were deleted (the trail ended at row {trail})"
    ]


@pytest.mark.both_databases
def test_the_end_marker_deleted_is_found(ctx, trail):
    _behind_the_triggers(ctx, "DELETE FROM audit_head")
    assert len(_audit(ctx)) == 1 and f"(row {trail})" in _audit(ctx)[0]


def test_the_break_is_said_in_chinese(ctx, trail):
    _behind_the_triggers(ctx, "DELETE FROM audit WHERE id = 5")
    set_language("zh")
    assert _audit(ctx) == ["操作日志第 4 条之后、第 6 条之前的记录已被删除"]


def test_a_trail_longer_than_one_page_is_walked_page_by_page(ctx, trail, monkeypatch):
    monkeypatch.setattr(audit_chain, "BATCH", 3)
    assert _audit(ctx) == []
    _behind_the_triggers(ctx, f"UPDATE audit SET action = 'x' WHERE id = {trail - 1}")
    assert _audit(ctx) == [
        f"audit row {trail - 1} was changed after it was written (its hash no longer fits)"
    ]


# -- concurrency: one chain, whoever writes --------------------------------------------


@pytest.mark.both_databases
def test_windows_writing_at_once_keep_one_unbroken_chain(database, clock):
    """Four windows (separate engines on one file, or four PCs on the server) write
    audited changes at the same time: no fork, no gap, one chain."""
    ctx = open_context(database, clock)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def window(n: int) -> None:
        c = open_context(database, clock, start_of_day=False)
        try:
            start.wait()
            for i in range(10):
                setup.add_staff(c, f"W{n}-{i}", "salesperson")
        except BaseException as exc:  # collected and asserted below, never swallowed
            errors.append(exc)
        finally:
            c.db.close()

    threads = [threading.Thread(target=window, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        rows = _rows(ctx)
        assert len(rows) >= 40
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        assert len({r[1] for r in rows}) == len(rows)  # no two rows follow the same one
        assert [p for p in check(ctx) if p.kind == "audit"] == []
    finally:
        ctx.db.close()


# -- an upgraded shop passes -------------------------------------------------------------


def _old_rows() -> list[tuple]:
    return [
        ("2026-01-05 01:00:00.000000", "staff.add", "staff", 1, '{"name":"王伟"}'),
        ("2026-01-05 01:00:00.250000", "setting.change", "setting", None, '{"shop.name":"[/b]"}'),
        ("2026-01-06 08:30:00.000000", "customer.update", "customer", 7, '{"name":"a|b"}'),
    ]


@pytest.mark.both_databases
def test_a_version_4_database_with_audit_rows_is_chained_on_upgrade(database, clock):
    if database.startswith("postgresql"):
        import psycopg

        with psycopg.connect(database, autocommit=True) as con:
            con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            con.execute("INSERT INTO schema_version VALUES (4)")
            for v in range(1, 5):
                con.execute(migrations.script(v, "postgresql"))
            con.execute(
                "INSERT INTO staff (name, role, seniority, active, joined_on) "
                "VALUES ('王伟', 'salesperson', 'senior', true, '2026-01-01')"
            )
            for at, *rest in _old_rows():
                con.execute(
                    "INSERT INTO audit (at, action, entity, entity_id, after_json) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    (at + "+00", *rest),
                )
    else:
        con = sqlite3.connect(database, isolation_level=None)
        body = "".join(migrations.script(v) for v in range(1, 5))
        con.executescript(f"BEGIN;{body}PRAGMA user_version = 4; COMMIT;")
        con.execute(
            "INSERT INTO staff (name, role, seniority, active, joined_on) "
            "VALUES ('王伟', 'salesperson', 'senior', 1, '2026-01-01')"
        )
        con.executemany(
            "INSERT INTO audit (at, action, entity, entity_id, after_json) VALUES (?, ?, ?, ?, ?)",
            _old_rows(),
        )
        con.close()
    ctx = open_context(database, clock)
    try:
        assert [p for p in check(ctx) if p.kind == "audit"] == []  # chained, triggers back
        setup.set_setting(ctx, "shop.name", "New")
        rows = _rows(ctx)
        assert len(rows) == 4 and rows[0][1] == audit_chain.GENESIS
        assert _audit(ctx) == []
        # The update trigger lifted for the upgrade is enforcing again.
        with pytest.raises(Exception, match="append-only"), ctx.db.write() as s:
            s.connection().exec_driver_sql("UPDATE audit SET action = 'x' WHERE id = 1")
    finally:
        ctx.db.close()


def test_the_committed_sample_passes_after_its_upgrade(tmp_path, clock):
    """The demo sample (schema 4, twelve thousand audit rows) is a real upgraded shop."""
    copy = tmp_path / "sample.db"
    shutil.copyfile(SAMPLE, copy)
    ctx = open_context(copy, clock, start_of_day=False)
    try:
        assert _audit(ctx) == []
        assert len(_rows(ctx)) > 10_000
    finally:
        ctx.db.close()


def test_a_failed_chaining_leaves_the_old_file_as_it_was(tmp_path, monkeypatch):
    """The Python step is part of the upgrade's one transaction: all or nothing."""
    old = tmp_path / "v4.db"
    con = sqlite3.connect(old, isolation_level=None)
    body = "".join(migrations.script(v) for v in range(1, 5))
    con.executescript(f"BEGIN;{body}PRAGMA user_version = 4; COMMIT;")
    con.executemany(
        "INSERT INTO audit (at, action, entity, entity_id, after_json) VALUES (?, ?, ?, ?, ?)",
        _old_rows(),
    )

    def broken(_con):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(audit_chain, "chain_existing_sqlite", broken)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(con, 4)
    assert not con.in_transaction
    assert con.execute("PRAGMA user_version").fetchone()[0] == 4
    assert "hash" not in {r[1] for r in con.execute("PRAGMA table_info(audit)")}
    con.close()


# -- the command line ------------------------------------------------------------------


def test_cli_check_names_the_changed_row(tmp_path):
    db = tmp_path / "x.db"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "deskterm", "--db", str(db), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
        )

    assert cli("staff", "add", "王伟", "--role", "salesperson").returncode == 0
    assert cli("check").returncode == 0
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET after_json = '{}' WHERE id = 1")
    con.execute(SQLITE_UPDATE_TRIGGER)
    con.commit()
    con.close()
    r = cli("check")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "audit: audit row 1 was changed after it was written" in r.stdout


@pytest.mark.postgresql_only
def test_a_shop_moved_to_the_server_keeps_its_chain(database, tmp_path, clock):
    """copy-to carries each row's hashes as they are: the same chain checks on the server
    (the timestamps hash alike on both databases)."""
    from deskterm.services.maintenance import copy_to

    lite = open_context(tmp_path / "shop.db", clock)
    try:
        for name in ("王伟", "[/b]", "a|b"):
            setup.add_staff(lite, name, "salesperson")
        copy_to(lite, database)
    finally:
        lite.db.close()
    server = open_context(database, clock, start_of_day=False)
    try:
        assert len(_rows(server)) == 3 and _audit(server) == []
        setup.add_staff(server, "After the move", "salesperson")
        assert _audit(server) == []
    finally:
        server.db.close()


@pytest.mark.both_databases
def test_several_rows_in_one_transaction_and_a_savepoint_undone_stay_one_chain(ctx, trail):
    from deskterm.services.context import record_audit

    with ctx.db.write() as s:
        record_audit(s, ctx, "test.one", "setting", None, after={"n": 1})
        record_audit(s, ctx, "test.two", "setting", None, after={"n": 2})
        nested = s.begin_nested()
        record_audit(s, ctx, "test.undone", "setting", None, after={"n": 3})
        s.flush()
        nested.rollback()
        record_audit(s, ctx, "test.three", "setting", None, after={"n": 4})
    with pytest.raises(RuntimeError), ctx.db.write() as s:
        record_audit(s, ctx, "test.lost", "setting", None, after={"n": 5})
        raise RuntimeError("the change fails: its audit row goes with it")
    setup.set_setting(ctx, "shop.name", "Next")
    rows = _rows(ctx)
    assert [r[0] for r in rows] == list(range(1, trail + 5))
    assert _audit(ctx) == []


_WRITER = """
import sys
from datetime import datetime
from deskterm.clock import FixedClock, zone_named
from deskterm.services import setup
from deskterm.services.maintenance import open_context

ctx = open_context(sys.argv[1], FixedClock(datetime(2026, 3, 2, 9), zone=zone_named("UTC")),
                   start_of_day=False)
try:
    for i in range(15):
        setup.add_staff(ctx, f"{sys.argv[2]}-{i}", "salesperson")
finally:
    ctx.db.close()
"""


def test_two_processes_writing_one_file_keep_one_chain(tmp_path, clock):
    """Two windows are two processes on the shop PC: each appends under SQLite's write
    lock, so their rows interleave in one chain."""
    path = tmp_path / "shop.db"
    ctx = open_context(path, clock)
    try:
        root = Path(__file__).resolve().parents[1]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _WRITER, str(path), name],
                cwd=root,
                env={**os.environ, "PYTHONPATH": str(root)},
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("A", "B")
        ]
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        rows = _rows(ctx)
        assert len(rows) == 30 and [r[0] for r in rows] == list(range(1, 31))
        assert _audit(ctx) == []
    finally:
        ctx.db.close()


@pytest.mark.both_databases
def test_a_new_database_whose_first_change_writes_several_rows(database, clock):
    """The end marker is made by the first row and moved by the next ones of the same
    transaction (one marker row, never two)."""
    from deskterm.services.context import record_audit

    ctx = open_context(database, clock)
    try:
        assert _rows(ctx) == [] and _audit(ctx) == []
        with ctx.db.write() as s:
            for n in range(3):
                record_audit(s, ctx, "test.add", "setting", None, after={"n": n})
        assert [r[0] for r in _rows(ctx)] == [1, 2, 3] and _audit(ctx) == []
        with ctx.db.read() as s:
            head = s.connection().exec_driver_sql("SELECT slot, last_id FROM audit_head").all()
        assert [tuple(h) for h in head] == [(1, 3)]
    finally:
        ctx.db.close()
