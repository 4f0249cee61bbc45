"""Backups belong to one database: two files in one folder never see each other's
(issue 15, item 17: `restore` put another file's data into x.db)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from deskterm.cli.main import main
from deskterm.clock import FixedClock
from deskterm.services import backups, setup
from deskterm.services.maintenance import open_context
from deskterm.storage import files


def _shop(path: Path, person: str) -> None:
    assert main(["staff", "--db", str(path), "add", person, "--role", "salesperson"]) == 0


def _staff(path: Path) -> list[str]:
    ctx = open_context(path, FixedClock(datetime(2026, 3, 2, 10)), start_of_day=False)
    try:
        return [p.name for p in setup.list_staff(ctx)]
    finally:
        ctx.db.close()


def test_restore_never_puts_another_files_backup_into_this_one(tmp_path, capsys):
    x, y = tmp_path / "x.db", tmp_path / "y.db"
    _shop(x, "Only In X")
    _shop(y, "Only In Y")
    assert main(["--db", str(y), "backup"]) == 0
    (made,) = backups.list_backups(y)
    assert made.parent == tmp_path / "backups" and made.name.startswith("y-")
    capsys.readouterr()
    # x has no backup of its own: nothing is restored, whatever lies in backups/.
    assert backups.list_backups(x) == []
    assert main(["--db", str(x), "restore", "--yes"]) == 1
    assert "No backup of" in capsys.readouterr().err
    assert _staff(x) == ["Only In X"]
    assert main(["--db", str(x), "backups"]) == 0
    assert "y-" not in capsys.readouterr().out
    # x's own backup, then a change: restore brings back x's data, never y's.
    assert main(["--db", str(x), "backup"]) == 0
    _shop(x, "Added Later")
    assert main(["--db", str(x), "restore", "--yes"]) == 0
    assert _staff(x) == ["Only In X"]
    assert _staff(y) == ["Only In Y"]


def test_each_file_gets_its_own_daily_backup_and_prunes_only_its_own(tmp_path):
    clock = FixedClock(datetime(2026, 3, 2, 9))
    x, y, z = (open_context(tmp_path / f"{n}.db", clock) for n in ("x", "y", "z"))
    try:
        for ctx in (x, y, z):
            setup.set_setting(ctx, "backup.keep", "1")
        assert backups.daily_backup(y) is not None
        # y's backup of today is not x's nor z's: each still makes its own.
        assert backups.daily_backup(x) is not None
        assert backups.daily_backup(z) is not None
        assert backups.daily_backup(x) is None  # x's own of today is there now
        clock.set(datetime(2026, 3, 3, 9))
        assert backups.daily_backup(x) is not None  # keeps 1: prunes x's older only
        names = sorted(p.name for p in (tmp_path / "backups").iterdir() if p.suffix == ".db")
        assert not list((tmp_path / "backups").glob("x-20260302-*"))  # nor its -wal/-shm
        assert names == [
            "x-20260303-090000.db",
            "y-20260302-090000.db",
            "z-20260302-090000.db",
        ]
        assert [p.name for p in backups.list_backups(y.db.path)] == ["y-20260302-090000.db"]
    finally:
        for ctx in (x, y, z):
            ctx.db.close()


def test_a_database_whose_name_starts_like_another_does_not_take_its_backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for name in ("shop-2-20260301-100000.db", "shop-20260301-100000.db.part", "shop-x.db"):
        (folder / name).write_bytes(b"")
    assert backups.list_backups(tmp_path / "shop.db") == []
    assert [p.name for p in backups.list_backups(tmp_path / "shop-2.db")] == [
        "shop-2-20260301-100000.db"
    ]
    assert backups.backup_label(tmp_path / "shop.sqlite") == "shop.sqlite"


def test_backups_from_before_they_were_named_stay_the_default_databases(tmp_path):
    """Every old backup is called deskterm-…: they are deskterm.db's (the default file,
    which wrote them unless --db said otherwise), and no other file's."""
    default = tmp_path / "deskterm.db"
    _shop(default, "The Default")
    folder = backups.backup_folder(default)
    folder.mkdir()
    old = folder / "deskterm-20260301-100000.db"
    files.online_copy(default, old)
    _shop(default, "Added Later")
    other = tmp_path / "x.db"
    _shop(other, "Only In X")
    assert backups.list_backups(default) == [old]
    assert backups.list_backups(other) == []
    assert main(["--db", str(other), "restore", "--yes"]) == 1
    assert main(["--db", str(default), "restore", "--yes"]) == 0
    assert _staff(default) == ["The Default"] and _staff(other) == ["Only In X"]
