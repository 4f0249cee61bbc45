"""Backups, restores and faults: damaged, read-only, full, missing, newer, networked."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from deskterm.errors import DamagedDatabase, StorageError
from deskterm.services import backups, customers, maintenance, rotation, setup
from deskterm.services.maintenance import check, open_context
from deskterm.storage import files
from tests.scenario import new_customer

ROOT = Path(__file__).resolve().parents[1]


def run(*args, env=None, stdin=None):
    e = {**os.environ, "DESKTERM_LANG": "en", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env=e,
        timeout=120,
        stdin=stdin or subprocess.DEVNULL,
    )


@pytest.fixture
def floor(ctx, team):
    rotation.check_in(ctx, team.wang)
    return ctx


def _damage(path: Path) -> None:
    """Random bytes in the middle of the file: opening works, quick_check does not."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(8192))


# -- backups -------------------------------------------------------------------------------


def test_daily_backup_once_a_day_keeping_the_newest(floor, team, clock):
    setup.set_setting(floor, "backup.keep", "2")
    made = backups.daily_backup(floor)
    assert made is not None and made.parent == floor.db.path.parent / "backups"
    assert backups.daily_backup(floor) is None  # today's exists
    for day in (3, 4, 5):
        clock.set(datetime(2026, 3, day, 9))
        assert backups.daily_backup(floor) is not None
    names = [p.name for p in backups.list_backups(floor.db.path)]
    assert names == ["desk-20260305-090000.db", "desk-20260304-090000.db"]
    assert files.health(backups.list_backups(floor.db.path)[0]) is None
    with pytest.raises(Exception, match="whole number"):
        setup.set_setting(floor, "backup.keep", "0")


def test_restore_brings_back_the_backup_and_keeps_the_current_file(floor, team, clock):
    kept_customer = new_customer(floor, "13900000001", name="Before Backup")
    made = backups.backup_now(floor)
    new_customer(floor, "13900000002", name="After Backup")
    # Another window is open on the file while it is restored.
    other = open_context(floor.db.path, clock, start_of_day=False)
    used, kept = backups.restore(floor.db.path, None, datetime(2026, 3, 2, 10))
    assert used == made and kept is not None and kept.exists()
    assert [c.name for c in customers.search(other, "Backup")] == ["Before Backup"]
    assert [c.id for c in customers.search(floor, "Before")] == [kept_customer]
    previous = open_context(kept, clock, start_of_day=False)
    assert len(customers.search(previous, "Backup")) == 2  # nothing was thrown away
    previous.db.close()
    other.db.close()
    assert check(floor) == []


def test_a_damaged_file_is_set_aside_not_overwritten(tmp_path, clock, team, ctx):
    rotation.check_in(ctx, team.li)
    new_customer(ctx, "13900000001", name="Safe")
    backups.backup_now(ctx)
    path = ctx.db.path
    ctx.db.checkpoint()
    ctx.db.close()
    _damage(path)
    damaged_bytes = path.read_bytes()
    assert files.health(path) is not None
    used, kept = backups.restore(path, None, datetime(2026, 3, 2, 10))
    assert kept is not None and kept.read_bytes() == damaged_bytes
    again = open_context(path, clock, start_of_day=False)
    assert [c.name for c in customers.search(again, "Safe")] == ["Safe"]
    again.db.close()


def test_cli_offers_the_newest_backup_for_a_damaged_file(tmp_path):
    db = tmp_path / "shop.db"
    shutil.copy(ROOT / "deskterm.db.sample", db)
    assert run("--db", str(db), "backup").returncode == 0
    with db.open("r+b") as f:  # a clobbered header: "file is not a database"
        f.write(b"garbage" * 20)
    r = run("--db", str(db), "check")  # no terminal to answer: offer only, change nothing
    assert r.returncode == 1 and "damaged" in r.stderr and "deskterm restore" in r.stderr
    assert "Traceback" not in r.stderr and db.read_bytes().startswith(b"garbage")
    r = run("--db", str(db), "restore")  # no terminal and no --yes: nothing happens
    assert r.returncode == 1 and db.read_bytes().startswith(b"garbage")
    r = run("--db", str(db), "restore", "--yes")
    assert r.returncode == 0, r.stderr
    assert "kept at" in r.stdout
    assert run("--db", str(db), "check").returncode == 0
    assert list(tmp_path.glob("shop.db.damaged-*"))
    assert "shop-" in run("--db", str(db), "backups").stdout


def test_a_damaged_file_found_by_quick_check_is_reported(tmp_path, clock, ctx, team):
    rotation.check_in(ctx, team.li)
    for i in range(30):
        new_customer(ctx, f"139000000{i:02d}")
    ctx.db.checkpoint()
    path = ctx.db.path
    _damage(path)
    assert maintenance.health(ctx) is not None


# -- faults while working --------------------------------------------------------------------


def _limit_pages(ctx) -> None:
    """Simulate a full disk: the file may not grow by a single page."""
    ctx.db.engine.dispose()

    def full(dbapi_con, _record):
        pages = dbapi_con.execute("PRAGMA page_count").fetchone()[0]
        dbapi_con.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(ctx.db.engine, "connect", full)
    return full


def test_full_disk_saves_nothing_and_says_so(floor, team):
    saved = [new_customer(floor, "13900000001")]
    limit = _limit_pages(floor)
    with pytest.raises(StorageError) as err:
        for i in range(2, 400):
            saved.append(
                new_customer(floor, f"139000{i:05d}", name="X" * 40, model_interest="M" * 60)
            )
    assert "disk is full" in err.value.message and "nothing was saved" in err.value.message
    floor.db.engine.dispose()
    event.remove(floor.db.engine, "connect", limit)
    assert check(floor) == []
    for cid in saved:  # every committed customer is there
        assert customers.get_customer(floor, cid).id == cid


def test_read_only_database_says_so(floor, team):
    new_customer(floor, "13900000001")
    floor.db.engine.dispose()

    @event.listens_for(floor.db.engine, "connect")
    def read_only(dbapi_con, _record):
        dbapi_con.execute("PRAGMA query_only = ON")

    with pytest.raises(StorageError, match="read-only"):  # any write, with a clear message
        rotation.walk_in(floor)


def test_missing_folder_is_refused_for_a_named_file(tmp_path):
    shop = str(tmp_path / "unplugged" / "shop.db")
    r = run("--db", shop, "staff", "add", "Wang", "--role", "salesperson")
    assert r.returncode == 1 and "does not exist" in r.stderr
    assert not (tmp_path / "unplugged").exists()


def test_newer_and_older_databases(tmp_path, clock):
    newer = tmp_path / "newer.db"
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.execute("CREATE TABLE x (a)")
    con.close()
    with pytest.raises(StorageError, match="newer deskterm"):
        open_context(newer, clock)
    with pytest.raises(DamagedDatabase):
        (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
        open_context(tmp_path / "junk.db", clock)


def test_network_share_is_detected():
    mounts = (
        "/dev/sda1 / ext4 rw 0 0\n"
        "//nas/shop /mnt/shop cifs rw 0 0\n"
        "server:/export /srv/nfs nfs4 rw 0 0\n"
    )
    assert files.on_network_share(Path("/mnt/shop/deskterm.db"), mounts)
    assert files.on_network_share(Path("/srv/nfs/a/b.db"), mounts)
    assert not files.on_network_share(Path("/home/desk/deskterm.db"), mounts)
    assert not files.on_network_share(Path("/mnt/shopping/x.db"), mounts)


async def test_full_disk_in_the_form_shows_the_error_and_keeps_the_form(floor, team):
    from deskterm.ui.app import create_app
    from deskterm.ui.screens.form import ReceptionFormScreen
    from tests.ui_helpers import settle, wait_for

    rotation.check_in(floor, team.li)
    a = rotation.walk_in(floor)
    _limit_pages(floor)
    with pytest.raises(StorageError, match="disk is full"):  # use up every free byte
        for i in range(1, 400):
            new_customer(floor, f"139000{i:05d}", name="Y" * 40, model_interest="M" * 60)
    app = create_app(floor, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.screen.open_form(a)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ReceptionFormScreen) and bool(app.screen.query("#name")),
        )
        form = app.screen
        form.query_one("#name").value = "Full Disk " + "Z" * 30
        form.query_one("#phone").value = "13700000001"
        form.query_one("#model_interest").value = "M" * 60
        form.query_one("#notes").value = "n" * 1500
        form.query_one("#purchase_horizon").value = "1m"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "disk is full" in str(form.query_one("#err-form").render()), timeout=10
        )
        assert app.screen is form  # still open, with everything typed
        assert form.query_one("#name").value.startswith("Full Disk")
        assert form.query_one("#notes").value == "n" * 1500


async def test_app_makes_todays_backup_and_offers_restore_when_damaged(ctx, team):
    from deskterm.ui.app import EXIT_RESTORE, create_app
    from deskterm.ui.screens.dialogs import ConfirmScreen
    from tests.ui_helpers import settle, wait_for

    rotation.check_in(ctx, team.li)
    for i in range(30):
        new_customer(ctx, f"139000000{i:02d}")
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        # Made a second after the first screen, in a thread.
        await wait_for(pilot, lambda: len(backups.list_backups(ctx.db.path)) == 1)
        await settle(pilot)
    ctx.db.checkpoint()
    _damage(ctx.db.path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "damaged" in str(app.screen.question)
        await pilot.press("y")
        await settle(pilot)
    assert app.return_code == EXIT_RESTORE
