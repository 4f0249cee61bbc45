"""Whole-file operations on a database: online copies, health checks, restores.

Never a plain file copy of a live database: the -wal file holds the latest commits,
so copies go through SQLite's online backup API (ENGINEERING-NOTES: 0.5 s for 120 MB).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from deskterm.errors import StorageError
from deskterm.storage import migrations, platform

#: Sidecar files SQLite keeps beside a database in WAL mode.
SIDECARS = ("-wal", "-shm")


def uri(path: Path, flags: str) -> str:
    """``path`` as an SQLite URI with ``flags``, its path percent-quoted: a ``#`` or
    ``%`` in a folder's name is part of the name, and a Windows path (``C:\\Users\\…``,
    ``\\\\server\\share\\…``) reaches SQLite whole (it decodes the escapes, nothing else).

    (``storage.engine`` quotes its path too, but SQLAlchemy's URL parsing decodes it
    again before SQLite sees it: a ``#`` in a folder's name still cuts that one short.)
    """
    return f"file:{quote(str(path))}?{flags}"


def online_copy(source: Path, target: Path) -> None:
    """Copy ``source`` (open or not, in any window) into a new file ``target`` (0600)."""
    if target.exists():
        raise StorageError("{path} already exists; choose another name.", path=str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        src = sqlite3.connect(uri(source, "mode=ro"), uri=True)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
    except (OSError, sqlite3.Error) as exc:
        target.unlink(missing_ok=True)
        raise StorageError(
            "Backup to {path} failed: {error}", path=str(target), error=str(exc)
        ) from exc


#: What SQLite says about a file that is not (or no longer) a sound database.
DAMAGE_WORDS = ("malformed", "not a database", "encrypted", "corrupt")
#: What ``health`` says about a zero-byte file (SQLite would open it as a new, empty one).
EMPTY = "empty file (0 bytes), not a deskterm database"


def is_damage(error: str) -> bool:
    """Whether an SQLite error text means damage, rather than access or disk trouble."""
    return any(word in error for word in DAMAGE_WORDS)


def is_read_only(path: Path) -> bool:
    """Whether deskterm cannot write ``path`` (a read-only file, folder or file system).

    ``os.access`` answers for the file system too (EROFS), even for root. Windows has
    no ``statvfs``: the volume's own flags say whether it is read-only, and ``os.access``
    reads the file's read-only attribute.
    """
    if platform.is_windows():
        if platform.windows_read_only_volume(path):
            return True
    else:
        try:
            if os.statvfs(path if path.exists() else path.parent).f_flag & os.ST_RDONLY:
                return True
        except OSError:
            return False
    folder_ok = os.access(path.parent, os.W_OK)
    return not folder_ok or (path.exists() and not os.access(path, os.W_OK))


def _read_checks(
    path: Path, *, immutable: bool = False, thorough: bool = True
) -> tuple[int, list[str]]:
    """``user_version`` and ``quick_check`` of ``path``, opened read-only (nothing written).

    Not ``thorough``: only the header and the schema are read (a clobbered header, a
    file that is not a database), milliseconds where ``quick_check`` reads every page
    (1.4 s on a dealer group's file) — for the start of the app, whose full check runs
    in the background after the first screen.
    """
    flags = "mode=ro" + ("&immutable=1" if immutable else "")
    con = sqlite3.connect(uri(path, flags), uri=True)
    try:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if thorough:
            result = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
        else:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            result = ["ok"]
    finally:
        con.close()
    return version, result


def damage(path: Path, *, thorough: bool = True) -> str | None:
    """None if ``path`` opens and passes ``quick_check`` (not ``thorough``: if its
    header and schema read), else what is wrong with it."""
    return _diagnose(path, thorough=thorough)[0]


def _diagnose(path: Path, *, thorough: bool = True) -> tuple[str | None, int]:
    """What is wrong with ``path`` (None if it opens and passes ``quick_check``) and
    its schema version.

    Read-only from first to last, so a damaged file is diagnosed as found, before
    anything (migrations, seeding, start of day) writes to it. A zero-byte file is
    refused: SQLite would silently make it a new, empty shop. A sound file on a
    read-only disk is not damaged: it is read as it is (``immutable``), since SQLite
    cannot make its shared-memory file there.
    """
    try:
        if path.stat().st_size == 0:
            return EMPTY, 0
    except OSError as exc:
        return exc.strerror or str(exc), 0
    try:
        try:
            version, result = _read_checks(path, thorough=thorough)
        except sqlite3.Error as exc:
            if is_damage(str(exc)) or not is_read_only(path):
                raise
            version, result = _read_checks(path, immutable=True, thorough=thorough)
    except sqlite3.Error as exc:
        return str(exc), 0
    if result != ["ok"]:
        return "; ".join(result[:3]), version
    return None, version


def health(path: Path) -> str | None:
    """None if ``path`` is a sound deskterm database, else what is wrong with it.

    ``quick_check`` finds damage in the middle of a file that opening does not
    (ENGINEERING-NOTES: random bytes mid-file, truncation); a zero-byte file opens as
    an empty database, so the schema version is checked too.
    """
    problem, version = _diagnose(path)
    if problem is not None:
        return problem
    if version == 0:
        return "not a deskterm database (no schema)"
    if version > migrations.LATEST:
        return f"written by a newer deskterm (schema {version})"
    return None


def integrity_problems(path: Path) -> list[tuple[str, str]]:
    """SQLite's whole-file integrity check and its foreign-key check, as (kind, detail)."""
    found: list[tuple[str, str]] = []
    try:
        raw = sqlite3.connect(uri(path, "mode=ro"), uri=True)
        try:
            for (row,) in raw.execute("PRAGMA integrity_check").fetchall():
                if row != "ok":
                    found.append(("integrity", row))
            for row in raw.execute("PRAGMA foreign_key_check").fetchall():
                found.append(("foreign_key", f"{row[0]} row {row[1]} → {row[2]}"))
        finally:
            raw.close()
    except sqlite3.Error as exc:
        # Damage bad enough to stop the check itself is a finding, not a crash.
        found.append(("integrity", str(exc)))
    return found


def set_aside(path: Path, suffix: str) -> Path | None:
    """Rename ``path`` (and its sidecars) to ``path.<suffix>``; never deletes anything.

    On Windows a file another program holds open cannot be renamed: the rename is
    tried again while a scan may be holding it, then refused with a StorageError that
    says so, every file already moved put back (nothing half-done).
    """
    if not path.exists():
        return None
    aside = path.with_name(f"{path.name}.{suffix}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.{suffix}-{n}")
    moves = [(path, aside)] + [
        (path.with_name(path.name + side), aside.with_name(aside.name + side))
        for side in SIDECARS
        if path.with_name(path.name + side).exists()
    ]
    done: list[tuple[Path, Path]] = []
    for old, new in moves:
        try:
            platform.rename(old, new)
        except OSError as exc:
            for back_old, back_new in reversed(done):
                try:
                    platform.rename(back_new, back_old)
                except OSError:
                    break  # the error below names the file; nothing was deleted
            if platform.held_elsewhere(exc):
                raise StorageError(
                    "{path} is open in another program or window (another deskterm "
                    "window, a backup or antivirus scan), so Windows does not let it be "
                    "moved aside. Close every deskterm window on this PC and try again; "
                    "nothing was changed.",
                    path=str(old),
                ) from exc
            raise StorageError(
                "Cannot move {path} aside: {error}; nothing was changed.",
                path=str(old),
                error=exc.strerror or str(exc),
            ) from exc
        done.append((old, new))
    return aside


def restore(source: Path, live: Path, stamp: str) -> Path | None:
    """Put the backup ``source`` in place of ``live``; return where the old file was kept.

    A sound ``live`` file is first copied aside, then overwritten *through SQLite*
    (the backup API into the live database), so windows still open on it see the
    restored data instead of writing into a renamed file. A damaged ``live`` file is
    renamed aside untouched. Nothing is ever deleted.
    """
    problem = health(source)
    if problem is not None:
        raise StorageError(
            "{path} cannot be restored: {problem}", path=str(source), problem=problem
        )
    if live.exists() and health(live) is None:
        kept = live.with_name(f"{live.name}.before-restore-{stamp}")
        online_copy(live, kept)
        try:
            src = sqlite3.connect(uri(source, "mode=ro"), uri=True)
            dst = sqlite3.connect(live, timeout=5)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        except sqlite3.Error as exc:
            raise StorageError(
                "Restore into {path} failed: {error}; the previous file is kept at {kept}",
                path=str(live),
                error=str(exc),
                kept=str(kept),
            ) from exc
        return kept
    aside = set_aside(live, f"damaged-{stamp}")
    online_copy(source, live)
    return aside


#: File systems on which SQLite's WAL is unsafe (every process must share one host).
NETWORK_FS = (
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smb2",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "9p",
    "afs",
    "ncpfs",
    "davfs",
    "fuse.rclone",
)


def file_system_type(path: Path, mounts: str | None = None) -> str | None:
    """The type of the file system holding ``path`` (from /proc/mounts; None if unknown,
    as on Windows, which has no /proc: see ``on_network_share``)."""
    if mounts is None:
        if platform.is_windows():
            return None
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = str(path.resolve() if path.exists() else path.parent.resolve())
    best, kind = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, parts[2]
    return kind


def on_network_share(path: Path, mounts: str | None = None) -> bool:
    """True if ``path`` is on a network file system, where WAL can corrupt the file.

    On Windows: a UNC path (``\\\\server\\share``) or a mapped network drive (the
    drive's type, as Windows reports it).
    """
    if platform.is_windows() and mounts is None:
        return platform.windows_network_path(path)
    kind = file_system_type(path, mounts)
    return kind is not None and (kind in NETWORK_FS or kind.startswith("nfs"))


def demo_copy(sample: Path) -> Path:
    """A throw-away copy of the sample in a private temporary folder.

    Copied through SQLite's backup API and opened from the copy only, so the
    committed file is never modified (not even its journal mode or mtime).
    """
    folder = Path(tempfile.mkdtemp(prefix="deskterm-demo-"))
    target = folder / "demo.db"
    try:
        src = sqlite3.connect(uri(sample, "mode=ro&immutable=1"), uri=True)
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
        src.close()
    except sqlite3.Error as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise StorageError(
            "Cannot read the demo database {path}: {error}", path=str(sample), error=str(exc)
        ) from exc
    return target


def demo_today(path: Path) -> str | None:
    """The sample's own "today" (setting ``demo.today``), read before the clock exists."""
    con = sqlite3.connect(uri(path, "mode=ro"), uri=True)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'demo.today'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None
