"""Damage is diagnosed before anything writes: check, report, backup, restore and start-up
on damaged, empty and read-only files, the way a shop PC meets them."""

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm.clock import FixedClock
from deskterm.errors import DamagedDatabase, StorageError
from deskterm.services import backups, maintenance
from deskterm.storage import files

NOW = "2026-03-02T10:00"


def run(*args):
    env = {**os.environ, "DESKTERM_LANG": "en", "DESKTERM_NOW": NOW}
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _sound(path: Path) -> Path:
    """A sound deskterm database at ``path``, everything folded into the main file."""
    from datetime import datetime

    ctx = maintenance.open_context(path, FixedClock(datetime(2026, 3, 2, 10, 0)))
    ctx.db.checkpoint()
    ctx.db.close()
    return path


def _clobber_header(path: Path) -> Path:
    with open(path, "r+b") as f:
        f.write(b"X" * 32)
    return path


def _garble_middle(path: Path) -> Path:
    """Random bytes over every page but the first: opens, then reads as malformed."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(4096)
        f.write(random.Random(14).randbytes(size - 4096))
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sound(tmp_path):
    return _sound(tmp_path / "shop.db")


def _one_line_and_no_traceback(r):
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out
    return out


# -- services and storage ------------------------------------------------------------


def test_damage_names_header_and_mid_file_damage_read_only(sound):
    assert files.damage(sound) is None
    before = _digest(_clobber_header(sound))
    assert "not a database" in files.damage(sound)
    assert _digest(sound) == before


def test_mid_file_damage_is_found(sound):
    _garble_middle(sound)
    assert "malformed" in files.damage(sound)
    # The check itself never crashes on it: damage is a finding.
    assert files.integrity_problems(sound)[0][0] == "integrity"


def test_open_context_refuses_damage_before_writing_anything(sound):
    from datetime import datetime

    before = _digest(_garble_middle(sound))
    with pytest.raises(DamagedDatabase, match="is damaged: database disk image is malformed"):
        maintenance.open_context(sound, FixedClock(datetime(2026, 3, 2, 10, 0)))
    assert _digest(sound) == before  # no migration, seed or start of day touched it
    wal = Path(f"{sound}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_an_empty_file_is_refused_not_made_a_new_shop(tmp_path):
    from datetime import datetime

    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(DamagedDatabase, match="empty file, not a deskterm database"):
        maintenance.open_context(empty, FixedClock(datetime(2026, 3, 2, 10, 0)))
    assert empty.stat().st_size == 0


def test_a_sound_read_only_file_is_named_read_only_not_damaged(sound, monkeypatch):
    from datetime import datetime

    monkeypatch.setattr(files, "is_read_only", lambda p: True)
    assert files.damage(sound) is None
    with pytest.raises(StorageError, match="read-only") as caught:
        maintenance.open_context(sound, FixedClock(datetime(2026, 3, 2, 10, 0)))
    assert not isinstance(caught.value, DamagedDatabase)


def test_a_read_only_disk_that_stops_sqlite_opening_is_read_as_it_is(sound, monkeypatch):
    """SQLite cannot make its -shm file on a read-only disk; that is not damage."""
    real = files._read_checks

    def no_shm(path, *, immutable=False, thorough=True):
        if not immutable:
            raise sqlite3.OperationalError("unable to open database file")
        return real(path, immutable=True, thorough=thorough)

    monkeypatch.setattr(files, "_read_checks", no_shm)
    monkeypatch.setattr(files, "is_read_only", lambda p: True)
    assert files.health(sound) is None
    monkeypatch.setattr(files, "is_read_only", lambda p: False)
    assert files.health(sound) == "unable to open database file"


def test_read_only_classification(tmp_path, monkeypatch):
    f = tmp_path / "x.db"
    f.touch()
    assert not files.is_read_only(f)
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != f)
    assert files.is_read_only(f)
    assert files.is_damage("database disk image is malformed")
    assert files.is_damage("file is not a database")
    assert not files.is_damage("attempt to write a readonly database")


def test_backup_refuses_a_damaged_source_and_leaves_no_copy(sound, clock):
    ctx = maintenance.open_context(sound, clock, start_of_day=False)
    try:
        good = backups.backup_now(ctx)
        assert files.health(good) is None
        _garble_middle(sound)
        with pytest.raises(DamagedDatabase, match="no backup was made"):
            backups.backup_now(ctx, sound.parent / "bad-copy.db")
    finally:
        ctx.db.close()
    assert not (sound.parent / "bad-copy.db").exists()
    assert backups.list_backups(sound) == [good]


def _backups_good_then_damaged(sound: Path) -> tuple[Path, Path]:
    folder = backups.backup_folder(sound)
    folder.mkdir()
    good = folder / "shop-20260301-100000.db"
    files.online_copy(sound, good)
    newer = folder / "shop-20260302-090000.db"
    files.online_copy(sound, newer)
    _garble_middle(newer)
    return good, newer


def test_restore_tries_older_backups_until_a_sound_one(sound):
    good, newer = _backups_good_then_damaged(sound)
    found, skipped = backups.newest_good_backup(sound)
    assert found == good and [p for p, _ in skipped] == [newer]
    _clobber_header(sound)
    from datetime import datetime

    used, kept = backups.restore(sound, None, datetime(2026, 3, 2, 10, 0))
    assert used == good and files.health(sound) is None
    assert kept is not None and "not a database" in files.damage(kept)


def test_restore_with_no_sound_backup_restores_nothing(sound):
    _good, newer = _backups_good_then_damaged(sound)
    _garble_middle(_good)
    from datetime import datetime

    with pytest.raises(StorageError, match="None of the 2 backups"):
        backups.restore(sound, None, datetime(2026, 3, 2, 10, 0))


# -- the CLI end to end ---------------------------------------------------------------


@pytest.mark.parametrize(
    "damage,said", [(_clobber_header, "file is not a database"), (_garble_middle, "malformed")]
)
def test_check_reports_damage_in_one_line_and_exits_1(sound, damage, said):
    before = _digest(damage(sound))
    r = run("--db", str(sound), "check")
    out = _one_line_and_no_traceback(r)
    assert r.returncode == 1
    damage_lines = [line for line in r.stderr.splitlines() if said in line]
    assert len(damage_lines) == 1 and "damaged" in damage_lines[0], out
    assert _digest(sound) == before  # diagnosed read-only: the file is as found


def test_report_on_a_damaged_file_writes_nothing_into_it(sound):
    before = _digest(_garble_middle(sound))
    r = run("--db", str(sound), "report")
    _one_line_and_no_traceback(r)
    assert r.returncode == 1 and "damaged" in r.stderr
    assert _digest(sound) == before


def test_a_zero_byte_file_is_refused_with_the_offer_to_restore(tmp_path):
    empty = tmp_path / "zero.db"
    empty.touch()
    r = run("--db", str(empty), "check")
    _one_line_and_no_traceback(r)
    assert r.returncode == 1
    assert "empty file, not a deskterm database" in r.stderr
    assert empty.stat().st_size == 0


def test_cli_backup_refuses_a_damaged_source(sound):
    _garble_middle(sound)
    r = run("--db", str(sound), "backup")
    _one_line_and_no_traceback(r)
    assert r.returncode == 1
    assert "damaged" in r.stderr and "Nothing was backed up" in r.stderr
    assert backups.list_backups(sound) == []


def test_cli_restore_skips_a_damaged_newest_backup_and_says_which_it_used(sound):
    good, newer = _backups_good_then_damaged(sound)
    _clobber_header(sound)
    r = run("--db", str(sound), "restore", "--yes")
    out = _one_line_and_no_traceback(r)
    assert r.returncode == 0, out
    assert newer.name in r.stderr and "damaged" in r.stderr
    assert f"Restored {good}" in r.stdout
    assert files.health(sound) is None
    assert run("--db", str(sound), "check").returncode == 0


# -- no save into a file that is no longer the database ---------------------------------


def _add_walk_in(ctx, name: str) -> None:
    from deskterm.storage.models import Setting

    with ctx.db.write() as s:
        s.add(Setting(key=f"test.{name}", value=name))


def _saved(path: Path, name: str) -> bool:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return (
            con.execute("SELECT 1 FROM setting WHERE key = ?", (f"test.{name}",)).fetchone()
            is not None
        )
    finally:
        con.close()


@pytest.mark.parametrize("swap", ["rename", "replace", "delete"])
def test_a_window_refuses_to_save_into_a_file_no_longer_the_database(sound, clock, swap):
    window = maintenance.open_context(sound, clock, start_of_day=False)
    try:
        _add_walk_in(window, "before")
        aside = sound.with_name("aside.db")
        if swap == "rename":
            sound.rename(aside)
        elif swap == "replace":
            files.online_copy(sound, aside)
            os.replace(aside, sound)
        else:
            sound.unlink()
        with pytest.raises(StorageError, match="replaced or removed; nothing was saved"):
            maintenance.change_marker(window)  # an idle window notices within a second
        with pytest.raises(StorageError, match="replaced or removed; nothing was saved"):
            _add_walk_in(window, "after")
    finally:
        window.db.close()
    for path in (sound, aside):
        if path.exists():
            assert not _saved(path, "after")  # refused, never written into a lost file


def test_a_restore_in_another_process_stops_an_open_window_saving(sound, clock):
    """The live file damaged, another process restores (renaming it aside): this window's
    next save is refused, not written into the renamed file."""
    folder = backups.backup_folder(sound)
    folder.mkdir()
    files.online_copy(sound, folder / "shop-20260301-100000.db")
    window = maintenance.open_context(sound, clock, start_of_day=False)
    try:
        _clobber_header(sound)
        r = run("--db", str(sound), "restore", "--yes")
        assert r.returncode == 0, r.stdout + r.stderr
        with pytest.raises(StorageError, match="replaced or removed"):
            _add_walk_in(window, "lost")
    finally:
        window.db.close()
    assert not _saved(sound, "lost")
    reopened = maintenance.open_context(sound, clock, start_of_day=False)
    try:
        _add_walk_in(reopened, "kept")  # after reopening, saves work again
    finally:
        reopened.db.close()
    assert _saved(sound, "kept")


def test_the_app_start_reads_header_and_schema_only(tmp_path):
    """The app's probe before opening finds a clobbered header or an empty file at
    once; mid-file damage is left to quick_check after the first screen."""
    f = tmp_path / "x.db"
    f.write_bytes(b"")
    assert files.damage(f, thorough=False) == files.EMPTY
    f.write_bytes(b"not a database at all" * 100)
    assert "not a database" in (files.damage(f, thorough=False) or "")
