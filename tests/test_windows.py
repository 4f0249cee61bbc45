"""Windows, simulated on Linux (issue 21): the reception PC of most showrooms runs it.

Nothing here runs Windows. ``sys.platform`` is made to say ``win32``, ``kernel32`` is
a fake that answers drive types and volume flags, and ``os.rename``/``os.replace``/
``os.unlink`` raise what Windows raises for a file another program holds open
(``PermissionError`` with ``winerror`` 32, or 5 for a file open in Excel). Each test
fails if the Windows behaviour it stands for is broken.
"""

from __future__ import annotations

import ast
import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from deskterm import crash
from deskterm.cli.main import main
from deskterm.clock import FixedClock
from deskterm.errors import StorageError
from deskterm.i18n import detect_language, normalise_language, set_language, windows_ui_language
from deskterm.services import backups, maintenance
from deskterm.services.maintenance import open_context
from deskterm.storage import files, platform, private, sheets

ROOT = Path(__file__).resolve().parents[1]
CLOCK = FixedClock(datetime(2026, 3, 2, 9, 0))
#: The tests of what stays as it was elsewhere (read at collection: the real platform).
NOT_ON_WINDOWS = pytest.mark.skipif(sys.platform == "win32", reason="proves the POSIX side")


@pytest.fixture
def windows(monkeypatch):
    """``sys.platform`` says ``win32`` for deskterm's own checks; no real wait between
    retries (the waits are counted instead)."""
    monkeypatch.setattr(sys, "platform", "win32")
    waits: list[float] = []
    monkeypatch.setattr(platform, "_sleep", waits.append)
    return waits


class FakeKernel32:
    """``GetDriveTypeW`` and ``GetVolumeInformationW`` as Windows answers them, per drive."""

    def __init__(self, drives: dict[str, int], read_only: tuple[str, ...] = ()) -> None:
        self.drives = drives
        self.read_only = read_only
        self.asked: list[str] = []

    def GetDriveTypeW(self, root: str) -> int:  # noqa: N802 - Windows' own name
        self.asked.append(root)
        return self.drives.get(root, platform.DRIVE_NO_ROOT_DIR)

    def GetVolumeInformationW(self, root, name, size, serial, length, flags, fs, fs_size):  # noqa: N802
        self.asked.append(root)
        flags._obj.value = platform.FILE_READ_ONLY_VOLUME if root in self.read_only else 0x2
        return 1


def held(code: int = platform.ERROR_SHARING_VIOLATION) -> PermissionError:
    """What Windows raises when another process holds the file."""
    exc = PermissionError(13, "The process cannot access the file because it is being used")
    exc.winerror = code  # type: ignore[attr-defined]
    return exc


# -- paths and drive types ------------------------------------------------------------


@pytest.mark.parametrize(
    "path,unc",
    [
        (r"\\nas\shop\deskterm.db", True),
        ("//nas/shop/deskterm.db", True),
        (r"\\?\UNC\nas\shop\deskterm.db", True),
        (r"\\?\C:\Users\li\deskterm.db", False),  # a long local path
        (r"\\.\PhysicalDrive0", False),  # a device
        (r"C:\Users\li\AppData\Local\deskterm\deskterm.db", False),
        ("/home/desk/deskterm.db", False),
    ],
)
def test_unc_paths_are_told_from_local_ones(path, unc):
    assert platform.is_unc(path) is unc


@pytest.mark.parametrize(
    "path,root",
    [
        (r"C:\Users\li\deskterm.db", "C:\\"),
        ("z:/shop/deskterm.db", "Z:\\"),
        (r"\\?\D:\data\deskterm.db", "D:\\"),
        (r"\\nas\shop\deskterm.db", None),
        ("/home/desk/deskterm.db", None),
    ],
)
def test_the_drive_root_asked_about(path, root):
    assert platform.drive_root(path) == root


def test_a_mapped_network_drive_or_a_unc_path_gets_the_network_share_warning(windows, monkeypatch):
    k = FakeKernel32({"C:\\": platform.DRIVE_FIXED, "Z:\\": platform.DRIVE_REMOTE})
    monkeypatch.setattr(platform, "_kernel32", lambda: k)
    assert files.on_network_share(Path(r"Z:\shop\deskterm.db"))
    assert not files.on_network_share(Path(r"C:\Users\li\AppData\Local\deskterm\deskterm.db"))
    assert k.asked == ["Z:\\", "C:\\"]
    # A UNC path is a share by its name alone: kernel32 is not even asked.
    assert files.on_network_share(Path(r"\\nas\shop\deskterm.db"))
    assert files.on_network_share(Path(r"\\?\UNC\nas\shop\deskterm.db"))
    assert k.asked == ["Z:\\", "C:\\"]
    # Removable, CD and unknown drives are not shares; no kernel32 at all says nothing.
    k.drives["E:\\"] = platform.DRIVE_REMOVABLE
    assert not files.on_network_share(Path(r"E:\deskterm.db"))
    monkeypatch.setattr(platform, "_kernel32", lambda: (_ for _ in ()).throw(OSError("no dll")))
    assert not files.on_network_share(Path(r"Z:\shop\deskterm.db"))


def test_windows_never_reads_proc_mounts(windows, monkeypatch, tmp_path):
    """/proc/mounts does not exist there: the file-system type is unknown, not an error."""
    read = []
    original = Path.read_text
    monkeypatch.setattr(
        Path, "read_text", lambda self, *a, **k: read.append(self) or original(self, *a, **k)
    )
    assert files.file_system_type(tmp_path / "x.db") is None
    assert Path("/proc/mounts") not in read


def test_the_start_up_warning_names_a_share_on_windows(windows, monkeypatch, tmp_path):
    ctx = open_context(tmp_path / "shop.db", CLOCK, start_of_day=False)
    try:
        monkeypatch.setattr(platform, "windows_network_path", lambda p: True)
        monkeypatch.setenv("USERPROFILE", str(tmp_path))
        (warning,) = maintenance.warnings(ctx)
        assert "network share" in warning
    finally:
        ctx.db.close()


def test_the_database_lives_in_localappdata_on_windows(monkeypatch):
    """platformdirs with deskterm's arguments: %LOCALAPPDATA%\\deskterm, no author folder."""
    import ntpath

    import platformdirs.windows

    from deskterm.cli import paths

    monkeypatch.setattr(
        platformdirs.windows, "get_win_folder", lambda name: r"C:\Users\li\AppData\Local"
    )
    monkeypatch.setattr(
        paths,
        "user_data_dir",
        lambda *a, **k: platformdirs.windows.Windows(*a, **k).user_data_dir,
    )
    found = ntpath.normpath(str(paths.default_db_path(env={})))
    assert found == r"C:\Users\li\AppData\Local\deskterm\deskterm.db"


# -- read-only disks without statvfs ------------------------------------------------------


def test_a_read_only_volume_is_found_without_statvfs(windows, monkeypatch):
    """Windows' os module has no statvfs: the volume's flags answer instead."""
    monkeypatch.delattr(os, "statvfs", raising=False)
    monkeypatch.delattr(os, "ST_RDONLY", raising=False)
    k = FakeKernel32({}, read_only=("D:\\",))
    monkeypatch.setattr(platform, "_kernel32", lambda: k)
    monkeypatch.setattr(os, "access", lambda path, mode: True)
    assert files.is_read_only(Path(r"D:\deskterm\deskterm.db"))
    assert not files.is_read_only(Path(r"C:\Users\li\deskterm.db"))
    assert k.asked == ["D:\\", "C:\\"]
    # A UNC share's volume is asked about by its share root.
    k.read_only = ("\\\\nas\\shop\\",)
    assert files.is_read_only(Path(r"\\nas\shop\deskterm.db"))


def test_a_read_only_file_is_still_found_on_windows(windows, monkeypatch, tmp_path):
    monkeypatch.delattr(os, "statvfs", raising=False)
    monkeypatch.setattr(platform, "_kernel32", lambda: FakeKernel32({}))
    f = tmp_path / "x.db"
    f.write_bytes(b"")
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != f)
    assert files.is_read_only(f)


# -- privacy where chmod means nothing ------------------------------------------------------


def test_private_files_and_folders_call_no_chmod_on_windows(windows, monkeypatch, tmp_path):
    def refused(*a, **k):
        raise AssertionError("chmod on Windows sets only the read-only flag")

    monkeypatch.setattr(os, "chmod", refused)
    monkeypatch.setattr(os, "fchmod", refused, raising=False)
    folder = tmp_path / "exports" / "march"
    private.private_folder(folder)
    private.write_private_text(folder / "report.md", "李娜 13800138000")
    assert (folder / "report.md").read_text(encoding="utf-8") == "李娜 13800138000"


@NOT_ON_WINDOWS
def test_private_files_are_still_0600_on_linux(tmp_path):
    private.write_private_text(tmp_path / "b.md", "x")
    assert (tmp_path / "b.md").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "path,private_there",
    [
        (r"C:\Users\li\AppData\Local\deskterm\deskterm.db", True),
        (r"c:\users\LI\Documents\shop.db", True),  # Windows paths ignore case
        (r"C:\Users\lily\deskterm.db", False),  # another user's folder, same prefix
        (r"D:\deskterm\deskterm.db", False),
        (r"\\nas\shop\deskterm.db", False),
    ],
)
def test_a_file_is_private_on_windows_inside_the_users_own_folder(windows, path, private_there):
    env = {"USERPROFILE": r"C:\Users\li"}
    assert private.private_place(Path(path), env) is private_there


def test_the_start_up_warning_names_a_database_outside_the_users_folder(
    windows, monkeypatch, tmp_path
):
    ctx = open_context(tmp_path / "shop.db", CLOCK, start_of_day=False)
    try:
        monkeypatch.setattr(platform, "windows_network_path", lambda p: False)
        monkeypatch.setenv("USERPROFILE", r"C:\Users\li")
        (warning,) = maintenance.warnings(ctx)
        assert "outside your own Windows folder (C:\\Users\\li)" in warning
        set_language("zh")
        (warning,) = maintenance.warnings(ctx)
        assert "不在您自己的 Windows 用户文件夹" in warning
        set_language("en")
        monkeypatch.setenv("USERPROFILE", str(tmp_path))  # inside it: nothing to say
        assert maintenance.warnings(ctx) == []
    finally:
        ctx.db.close()


@NOT_ON_WINDOWS
def test_linux_never_gets_the_windows_privacy_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("USERPROFILE", r"C:\Users\li")
    assert private.private_place(tmp_path / "x.db")


def test_crash_reports_go_to_localappdata_with_no_chmod(windows, monkeypatch, tmp_path):
    monkeypatch.delenv("DESKTERM_CRASH_DIR", raising=False)
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert crash.crash_folder() == tmp_path / "Local" / "deskterm" / "crash"
    monkeypatch.delenv("LOCALAPPDATA")
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "li")
    assert crash.crash_folder() == tmp_path / "li" / "AppData" / "Local" / "deskterm" / "crash"

    def refused(*a, **k):
        raise AssertionError("no chmod on Windows")

    monkeypatch.setattr(os, "chmod", refused)
    try:
        raise RuntimeError("postgresql://desk:secret@db/shop unreachable")
    except RuntimeError as exc:
        written = crash.write_report(exc, "test")
    assert written is not None and written.parent == crash.crash_folder()
    assert "secret" not in written.read_text(encoding="utf-8")


# -- moves Windows refuses: restore, set aside, exports, pruning ------------------------


class Holder:
    """Another program holding some files open: Windows refuses to move them."""

    def __init__(self, monkeypatch, *paths: Path, times: int | None = None, code: int = 32):
        self.paths = {str(p) for p in paths}
        self.times = times  # None: until released
        self.code = code
        self.refused = 0
        for name in ("rename", "replace", "unlink"):
            original = getattr(os, name)
            monkeypatch.setattr(os, name, self._guard(original))

    def _guard(self, original):
        def call(*args, **kw):
            touched = {os.fspath(a) for a in args if isinstance(a, str | os.PathLike)}
            if self.paths & touched and (self.times is None or self.refused < self.times):
                self.refused += 1
                raise held(self.code)
            return original(*args, **kw)

        return call

    def release(self) -> None:
        self.paths = set()


def _damaged_shop_with_a_backup(tmp_path: Path) -> tuple[Path, bytes]:
    live = tmp_path / "shop.db"
    assert main(["staff", "--db", str(live), "add", "Li Na", "--role", "salesperson"]) == 0
    assert main(["--db", str(live), "backup"]) == 0
    damaged = b"\x00 this is not a database any more " * 200
    live.write_bytes(damaged)
    return live, damaged


def test_a_scan_holding_the_file_for_a_moment_is_waited_out(windows, monkeypatch, tmp_path):
    f = tmp_path / "shop.db"
    f.write_bytes(b"x")
    holder = Holder(monkeypatch, f, times=2)
    aside = files.set_aside(f, "damaged-1")
    assert aside is not None and aside.read_bytes() == b"x" and not f.exists()
    assert holder.refused == 2 and windows == [platform.PAUSE, platform.PAUSE]


def test_a_file_held_open_is_not_set_aside_and_nothing_changes(windows, monkeypatch, tmp_path):
    f = tmp_path / "shop.db"
    f.write_bytes(b"main")
    (tmp_path / "shop.db-wal").write_bytes(b"wal")
    holder = Holder(monkeypatch, f)
    with pytest.raises(StorageError) as caught:
        files.set_aside(f, "damaged-1")
    assert "is open in another program or window" in caught.value.message
    assert "Close every deskterm window" in caught.value.message
    assert holder.refused == platform.ATTEMPTS and len(windows) == platform.ATTEMPTS - 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db", "shop.db-wal"]


def test_a_sidecar_held_open_puts_the_main_file_back(windows, monkeypatch, tmp_path):
    f = tmp_path / "shop.db"
    f.write_bytes(b"main")
    (tmp_path / "shop.db-shm").write_bytes(b"shm")
    Holder(monkeypatch, tmp_path / "shop.db-shm")
    with pytest.raises(StorageError, match="shop.db-shm is open in another program"):
        files.set_aside(f, "damaged-1")
    assert f.read_bytes() == b"main"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db", "shop.db-shm"]


@NOT_ON_WINDOWS
def test_a_refusal_that_is_not_windows_holding_the_file_is_not_retried(monkeypatch, tmp_path):
    """On Linux a PermissionError is the folder's permission: no waiting, a plain message."""
    monkeypatch.setattr(platform, "_sleep", lambda s: pytest.fail("waited"))
    f = tmp_path / "shop.db"
    f.write_bytes(b"x")

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", denied)
    with pytest.raises(StorageError, match="Cannot move .* aside: Permission denied"):
        files.set_aside(f, "damaged-1")


def test_restore_over_a_damaged_file_held_open_says_why_then_works_once_closed(
    windows, monkeypatch, tmp_path, capsys
):
    live, damaged = _damaged_shop_with_a_backup(tmp_path)
    (backup,) = backups.list_backups(live)
    capsys.readouterr()
    holder = Holder(monkeypatch, live)
    assert main(["--db", str(live), "restore", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "is open in another program or window" in err and "Traceback" not in err
    assert live.read_bytes() == damaged  # nothing changed
    assert backups.list_backups(live) == [backup]
    # The other window is closed: the same command now restores.
    holder.release()
    assert main(["--db", str(live), "restore", "--yes"]) == 0
    assert files.health(live) is None
    assert [p for p in tmp_path.iterdir() if ".damaged-" in p.name][0].read_bytes() == damaged


def test_restore_over_a_sound_file_held_open_needs_no_rename(windows, monkeypatch, tmp_path):
    """A sound file is restored through SQLite, the other windows' handles kept: Windows
    refusing every rename of it changes nothing."""
    live = tmp_path / "shop.db"
    assert main(["staff", "--db", str(live), "add", "Li Na", "--role", "salesperson"]) == 0
    assert main(["--db", str(live), "backup"]) == 0
    assert main(["staff", "--db", str(live), "add", "Wang Wei", "--role", "salesperson"]) == 0
    Holder(monkeypatch, live)
    used, kept = backups.restore(live, None, datetime(2026, 3, 2, 12))
    assert kept is not None and kept.exists()
    ctx = open_context(live, CLOCK, start_of_day=False)
    try:
        from deskterm.services import setup

        assert [p.name for p in setup.list_staff(ctx)] == ["Li Na"]
    finally:
        ctx.db.close()


def test_an_export_over_a_file_open_in_excel_says_so(windows, monkeypatch, tmp_path):
    out = tmp_path / "customers.csv"
    out.write_text("the old export", encoding="utf-8")
    holder = Holder(monkeypatch, out, code=platform.ERROR_ACCESS_DENIED)
    with pytest.raises(StorageError) as caught:
        sheets.write_sheet(out, ["name"], [["李娜"]])
    assert "open in another program (Excel?)" in caught.value.message
    assert out.read_text(encoding="utf-8") == "the old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv"]  # no .part left
    set_language("zh")
    assert "请在该程序中关闭后再导出" in caught.value.message
    set_language("en")
    # Excel closed: the export goes through.
    holder.release()
    assert sheets.write_sheet(out, ["name"], [["李娜"]]) == 1


def test_pruning_leaves_a_backup_held_open_for_next_time(windows, monkeypatch, tmp_path):
    live = tmp_path / "shop.db"
    folder = backups.backup_folder(live)
    folder.mkdir()
    names = [f"shop-2026030{d}-090000.db" for d in (1, 2, 3, 4)]
    for n in names:
        (folder / n).write_bytes(b"x")
    Holder(monkeypatch, folder / names[0])
    gone = backups.prune(live, 2)
    assert [p.name for p in gone] == [names[1]]
    assert sorted(p.name for p in folder.iterdir()) == [names[0], names[2], names[3]]


@NOT_ON_WINDOWS
def test_pruning_still_reports_a_permission_problem_on_linux(monkeypatch, tmp_path):
    live = tmp_path / "shop.db"
    folder = backups.backup_folder(live)
    folder.mkdir()
    for d in (1, 2):
        (folder / f"shop-2026030{d}-090000.db").write_bytes(b"x")

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "unlink", denied)
    with pytest.raises(PermissionError):
        backups.prune(live, 1)


# -- SQLite addresses of Windows paths -------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        r"C:\Users\李娜\AppData\Local\deskterm\deskterm.db",
        r"\\nas\shop\deskterm #1.db",
        r"D:\100% sales\shop.db",
    ],
)
def test_a_windows_path_reaches_sqlite_whole(path):
    """SQLite decodes %HH in a URI's path and nothing else: the decoded path is the path,
    with no ``?`` or ``#`` left to cut it short."""
    from urllib.parse import unquote

    address = files.uri(Path(path), "mode=ro")
    head, _, flags = address.partition("?")
    assert flags == "mode=ro" and "#" not in head
    assert unquote(head.removeprefix("file:")) == path


def test_a_folder_named_with_a_hash_or_percent_is_checked_and_copied(tmp_path):
    """Backups, restores and checks read the file by its URI: a ``#`` in a folder's name
    must not cut the path short, nor a ``%`` be read as an escape."""
    live = tmp_path / "deskterm.db"
    assert main(["staff", "--db", str(live), "add", "Li Na", "--role", "salesperson"]) == 0
    folder = tmp_path / "shop #2 100%"
    folder.mkdir()
    files.online_copy(live, folder / "copy.db")
    assert files.health(folder / "copy.db") is None
    assert files.integrity_problems(folder / "copy.db") == []
    files.online_copy(folder / "copy.db", tmp_path / "back.db")
    assert files.health(tmp_path / "back.db") is None
    # Nothing made under a name cut short at the "#".
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("shop")] == [folder.name]


def test_a_name_gbk_lacks_never_fails_a_command_whose_output_goes_to_a_file(
    windows, monkeypatch, tmp_path
):
    """Redirected output is in the ANSI code page on Windows (GBK in China): 𠮷 is not
    in it. The staff member is added and the log says "?" instead of an error."""
    import io

    monkeypatch.setenv("DESKTERM_CRASH_DIR", str(tmp_path / "crash"))
    out = io.TextIOWrapper(io.BytesIO(), encoding="cp936")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(io.BytesIO(), encoding="cp936"))
    live = tmp_path / "shop.db"
    assert main(["staff", "--db", str(live), "add", "王𠮷", "--role", "salesperson"]) == 0
    out.flush()
    assert "王?" in out.buffer.getvalue().decode("cp936")  # type: ignore[attr-defined]


# -- the language of a Chinese Windows ------------------------------------------------


def test_a_chinese_windows_opens_in_chinese(windows, monkeypatch):
    import deskterm.i18n as i18n

    monkeypatch.setattr(i18n, "_windows_ui_language_id", lambda: 0x0804)
    assert windows_ui_language() == "zh_CN"
    assert detect_language(None, env={}) == "zh"
    monkeypatch.setattr(i18n, "_windows_ui_language_id", lambda: 0x0409)
    assert detect_language(None, env={}) == "en"
    # DESKTERM_LANG still wins over Windows' menus.
    monkeypatch.setattr(i18n, "_windows_ui_language_id", lambda: 0x0804)
    assert detect_language(None, env={"DESKTERM_LANG": "en"}) == "en"


def test_windows_locale_names_in_words_are_understood():
    assert normalise_language("Chinese (Simplified)_China") == "zh"
    assert normalise_language("English_United States") == "en"


@NOT_ON_WINDOWS
def test_linux_never_asks_windows_for_its_language(monkeypatch):
    import deskterm.i18n as i18n

    monkeypatch.setattr(i18n, "_windows_ui_language_id", lambda: pytest.fail("asked"))
    assert windows_ui_language() is None


# -- the Linux-only tools say so ------------------------------------------------------


def test_the_bench_and_the_reliability_harness_say_they_are_linux_only(monkeypatch, capsys):
    # Imported first: multiprocessing would reach for Windows' own modules.
    from deskterm.bench.__main__ import main as bench
    from deskterm.bench.startup import main as startup
    from deskterm.reliability.__main__ import main as reliability

    monkeypatch.setattr(sys, "platform", "win32")

    assert bench([]) == 2
    assert "Linux only" in capsys.readouterr().out
    assert startup([]) == 2
    assert "Linux only" in capsys.readouterr().out
    assert reliability(["--out", "/nonexistent/never-written.md"]) == 2
    assert "Linux only" in capsys.readouterr().out


# -- every module, and no Linux-only call on a shop's path ---------------------------

#: Every module of deskterm/ (``deskterm.__main__`` runs the app: left out).
_MODULES = """
import importlib, importlib.util, pathlib, sys
# From the files, not pkgutil.walk_packages: that imports every package to walk it.
names = sorted(
    ".".join(p.with_suffix("").parts).removesuffix(".__init__")
    for p in pathlib.Path("deskterm").rglob("*.py")
)
names = [n for n in names if n != "deskterm.__main__"]
"""
#: What they import besides themselves, with the real platform: the standard library and
#: the packages are not ours to prove (they would reach for Windows' own modules).
LIBRARIES = (
    _MODULES
    + """
for name in names:
    importlib.import_module(name)
print(" ".join(sorted(n for n in sys.modules if n.split(".")[0] != "deskterm" and "__" not in n)))
"""
)
#: Then deskterm's own modules, each imported for the first time as on Windows.
AS_WINDOWS = (
    _MODULES
    + """
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError:  # a compiled module's own helper, not importable by name
        pass
assert not [n for n in sys.modules if n.startswith("deskterm.")]
sys.platform = "win32"
for name in names:
    importlib.import_module(name)
def source(n):
    return open(importlib.util.find_spec(n).origin, encoding="utf-8").read()
branching = [n for n in names if "sys.platform" in source(n) or "os.name" in source(n)]
print(len(names), ",".join(branching))
"""
)


def _python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_every_module_imports_on_windows():
    """Every module of deskterm/ imported with ``sys.platform`` saying win32."""
    libraries = _python(LIBRARIES).split()
    count, branching = _python(AS_WINDOWS, *libraries).split()
    assert int(count) > 150
    # The modules that branch on the platform were among those imported as Windows.
    assert {"deskterm.crash", "deskterm.storage.platform", "deskterm.i18n"} <= set(
        branching.split(",")
    )


#: Calls that do not exist (or mean nothing) on Windows, and the places allowed to make
#: them: each sits behind a platform check. The bench and the reliability harness are
#: Linux-only tools and say so.
LINUX_ONLY = {
    "os.statvfs": r"\bos\.statvfs\b",
    "os.ST_RDONLY": r"\bos\.ST_RDONLY\b",
    "os.fchmod": r"\bos\.fchmod\b",
    "os.chmod": r"\bos\.chmod\b",
    "os.getuid": r"\bos\.gete?uid\b",
    "os.kill": r"\bos\.kill(pg)?\b",
    "os.fork": r"\bos\.fork\b",
    "os.link": r"\bos\.link\b",
    "signal.SIG": r"\bsignal\.SIG[A-Z]+",
    "fcntl": r"\bfcntl\b",
    "termios": r"\btermios\b",
    "pwd/grp/resource": r"^\s*(import|from)\s+(pwd|grp|resource)\b",
    "/proc/": r"/proc/",
}
ALLOWED = {
    ("deskterm/storage/files.py", "os.statvfs"),  # behind platform.is_windows()
    ("deskterm/storage/files.py", "os.ST_RDONLY"),
    ("deskterm/storage/files.py", "/proc/"),  # file_system_type: not on Windows
    ("deskterm/storage/private.py", "os.fchmod"),  # behind chmod_means_something()
    ("deskterm/storage/private.py", "os.chmod"),
    ("deskterm/crash.py", "os.chmod"),  # behind sys.platform != "win32"
}


def _code_without_prose(path: Path) -> str:
    """The module's code as Python reads it: no comments, no docstrings."""
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            body[0] = ast.Pass()  # type: ignore[index]
    return ast.unparse(tree)


def test_no_linux_only_call_on_a_path_a_shop_uses():
    found = set()
    for path in sorted((ROOT / "deskterm").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("deskterm/bench/", "deskterm/reliability/")):
            continue
        code = _code_without_prose(path)
        found |= {(rel, w) for w, rx in LINUX_ONLY.items() if re.search(rx, code, re.MULTILINE)}
    assert found == ALLOWED


def test_the_dependencies_install_on_windows():
    """No Linux-only package, and what Windows needs besides: the zone database."""
    from packaging.markers import Marker
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    windows = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"}
    required = set()
    for spec in project["dependencies"]:
        req = Requirement(spec)
        if req.marker is None or Marker(str(req.marker)).evaluate(windows):
            required.add(req.name)
    assert {"textual", "sqlmodel", "platformdirs", "tzdata"} <= required
    linux_only = {"uvloop", "pexpect", "ptyprocess", "python-prctl", "systemd-python"}
    every = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    assert not {Requirement(s).name for s in every} & linux_only


def test_the_live_database_opens_in_a_folder_named_with_a_hash_or_percent(tmp_path):
    """The desk's own connections too (not only backups and checks): SQLAlchemy decoded
    a URL's path once more, so "shop #2" opened "shop " — an empty stray file, then "no
    such table"."""
    folder = tmp_path / "shop #2 100%"
    folder.mkdir()
    live = folder / "deskterm.db"
    assert main(["staff", "--db", str(live), "add", "Li Na", "--role", "salesperson"]) == 0
    assert main(["staff", "--db", str(live), "list"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]
    assert sqlite3.connect(live).execute("SELECT name FROM staff").fetchall() == [("Li Na",)]
