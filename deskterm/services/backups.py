"""Backups: a daily automatic copy kept N deep, backups on demand, and restores.

Backups live in ``backups/`` beside the database file, named after the database and
the moment they were taken (``backups/shop-20261120-090000.db`` for ``shop.db``), so
the folder sorts oldest to newest, a damaged database (whose settings can't be read)
still knows where to find them, and two databases in one folder never see (restore,
count as today's, or prune) each other's backups. The backups from before they were
named after their database are all called ``deskterm-…``: they stay the backups of
``deskterm.db``, the default database, which is the one that wrote them unless
``--db`` named another; a backup of another file among them is restored by naming it
(``deskterm restore FILE``).

A PostgreSQL database is backed up on demand with the server's own ``pg_dump`` (into
``~/deskterm/backups``); the daily automatic copy and ``restore`` are the server's
business there: several PCs share it, and whoever looks after it runs its backups.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from pathlib import Path

from deskterm.errors import DamagedDatabase, InvalidInput, StorageError
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.setup import get_settings
from deskterm.storage import files, platform

#: What a server's ``pg_dump`` backups are called (and every file's backups once were).
SERVER_LABEL = "deskterm"
SUFFIX = ".db"
DUMP_SUFFIX = ".dump"  # pg_dump's custom format, for pg_restore


def backup_folder(db_path: Path) -> Path:
    """Where the backups of ``db_path`` are kept."""
    return db_path.parent / "backups"


def backup_label(db_path: Path) -> str:
    """What the backups of ``db_path`` are called: its file name without ``.db``
    (``shop.db`` → ``shop-20261120-090000.db``)."""
    return db_path.stem if db_path.suffix == SUFFIX else db_path.name


def _name(label: str, at: datetime, suffix: str = SUFFIX) -> str:
    return f"{label}-{at:%Y%m%d-%H%M%S}{suffix}"


def _listed(folder: Path, label: str, suffix: str) -> list[Path]:
    # The whole name must match: the backups of "shop-2.db" start with "shop-" too.
    pattern = re.compile(re.escape(label) + r"-\d{8}-\d{6}" + re.escape(suffix))
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file()),
        key=lambda p: p.name,
        reverse=True,
    )


def list_backups(db_path: Path) -> list[Path]:
    """The backups of ``db_path`` (and of no other database), newest first."""
    return _listed(backup_folder(db_path), backup_label(db_path), SUFFIX)


@permission("manage")
def server_backups(ctx: Context) -> Path:
    """Where ``pg_dump`` backups of a server database are written by default."""
    return ctx.db.home / "backups"


def list_server_backups(folder: Path) -> list[Path]:
    """The ``pg_dump`` backups in ``folder``, newest first."""
    return _listed(folder, SERVER_LABEL, DUMP_SUFFIX)


@permission("manage")
def backup_now(ctx: Context, dest: str | Path | None = None) -> Path:
    """An online backup of the live database: into ``dest`` (a file or a folder), or the
    backup folder. A server database is dumped with ``pg_dump``."""
    server = ctx.db.path is None
    folder = server_backups(ctx) if server else backup_folder(ctx.db.path)  # type: ignore[arg-type]
    target = Path(dest).expanduser() if dest else folder
    if target.is_dir() or dest is None:
        if server:
            target = target / _name(SERVER_LABEL, ctx.now(), DUMP_SUFFIX)
        else:
            target = target / _name(backup_label(ctx.db.path), ctx.now())  # type: ignore[arg-type]
    ctx.db.backup_to(target)
    if not server:
        # The online backup copies damaged pages as they are: check the copy, so a
        # damaged database is refused instead of quietly replacing the good backups.
        problem = files.health(target)
        if problem is not None:
            # Deleted even if a scan holds it a moment (Windows); the refusal below is
            # what matters, so a copy that stays is not a second error.
            with contextlib.suppress(OSError):
                platform.unlink(target)
            raise DamagedDatabase(
                "The database {path} is damaged ({problem}): no backup was "
                "made, so the older backups stay the good ones.",
                path=str(ctx.db.path),
                problem=problem,
            )
    return target


def newest_good_backup(db_path: Path) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest backup of ``db_path`` that passes the health check, and the newer
    ones skipped on the way with what is wrong with each."""
    skipped: list[tuple[Path, str]] = []
    for p in list_backups(db_path):
        problem = files.health(p)
        if problem is None:
            return p, skipped
        skipped.append((p, problem))
    return None, skipped


@permission("system")
def daily_backup(ctx: Context) -> Path | None:
    """Make today's backup if there is none yet, then keep only the newest
    ``backup.keep``; returns the new backup (None if today's was already there, or the
    database is on a server, whose backups are the server's)."""
    if ctx.db.path is None:
        return None
    today = f"{backup_label(ctx.db.path)}-{ctx.now():%Y%m%d}-"
    if any(p.name.startswith(today) for p in list_backups(ctx.db.path)):
        return None
    made = backup_now(ctx)
    prune(ctx.db.path, int(get_settings(ctx)["backup.keep"]))
    return made


def prune(db_path: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups; return what was deleted.

    A backup another program holds open (Windows refuses to delete it: a copy to a USB
    stick under way, a file viewer) is left for the next day's pruning, not an error.
    """
    if keep < 1:
        raise InvalidInput("backup.keep must be at least 1.", field="backup.keep")
    old = list_backups(db_path)[keep:]
    gone = []
    for p in old:
        try:
            platform.unlink(p)
        except PermissionError as exc:
            if platform.held_elsewhere(exc):
                continue
            raise
        gone.append(p)
        # A health check opened it read-only and left SQLite's -wal/-shm beside it.
        for side in ("-wal", "-shm"):
            try:
                platform.unlink(Path(f"{p}{side}"))
            except PermissionError as exc:
                if not platform.held_elsewhere(exc):
                    raise
    return gone


def restore(db_path: Path, source: Path | None, now: datetime) -> tuple[Path, Path | None]:
    """Restore ``source`` (default: the newest sound backup, trying older ones in turn)
    over ``db_path``.

    Returns the backup used and where the previous file was kept (it is never
    deleted or overwritten in place without a copy).
    """
    if source is None:
        source, skipped = newest_good_backup(db_path)
        if source is None and skipped:
            raise StorageError(
                "None of the {n} backups in {folder} is sound; nothing was restored.",
                n=len(skipped),
                folder=str(backup_folder(db_path)),
            )
        if source is None:
            raise StorageError(
                "No backup of {path} was found in {folder}.",
                path=str(db_path),
                folder=str(backup_folder(db_path)),
            )
    if not source.is_file():
        raise StorageError("No backup at {path}.", path=str(source))
    kept = files.restore(source, db_path, f"{now:%Y%m%d-%H%M%S}")
    return source, kept


@permission("manage")
def record_restore(ctx: Context, used: Path, kept: Path | None) -> None:
    """Write the restore into the restored file's audit trail: who put it back, from
    which backup, and where the file as it was went. Open desks watch for it."""
    with ctx.db.write() as s:
        record_audit(
            s,
            ctx,
            "backup.restore",
            "file",
            None,
            None,
            {"file": used.name, "kept": kept.name if kept else None},
        )
