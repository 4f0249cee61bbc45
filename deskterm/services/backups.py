"""Backups: a daily automatic copy kept N deep, backups on demand, and restores.

Backups live in ``backups/`` beside the database file, named by the moment they
were taken, so the folder sorts oldest to newest and a damaged database (whose
settings can't be read) still knows where to find them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from deskterm.errors import InvalidInput, StorageError
from deskterm.services.context import Context
from deskterm.services.setup import get_settings
from deskterm.storage import files

PREFIX = "deskterm-"
SUFFIX = ".db"


def backup_folder(db_path: Path) -> Path:
    """Where the backups of ``db_path`` are kept."""
    return db_path.parent / "backups"


def _name(at: datetime) -> str:
    return f"{PREFIX}{at:%Y%m%d-%H%M%S}{SUFFIX}"


def list_backups(db_path: Path) -> list[Path]:
    """The backups of ``db_path``, newest first."""
    folder = backup_folder(db_path)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file()),
                  key=lambda p: p.name, reverse=True)


def backup_now(ctx: Context, dest: str | Path | None = None) -> Path:
    """An online backup of the live database: into ``dest`` (a file or a folder), or the
    backup folder."""
    target = Path(dest).expanduser() if dest else backup_folder(ctx.db.path)
    if target.is_dir() or dest is None:
        target = target / _name(ctx.now())
    files.online_copy(ctx.db.path, target)
    return target


def daily_backup(ctx: Context) -> Path | None:
    """Make today's backup if there is none yet, then keep only the newest
    ``backup.keep``; returns the new backup (None if today's was already there)."""
    today = f"{PREFIX}{ctx.now():%Y%m%d}-"
    if any(p.name.startswith(today) for p in list_backups(ctx.db.path)):
        return None
    made = backup_now(ctx)
    prune(ctx.db.path, int(get_settings(ctx)["backup.keep"]))
    return made


def prune(db_path: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups; return what was deleted."""
    if keep < 1:
        raise InvalidInput("backup.keep must be at least 1.", field="backup.keep")
    old = list_backups(db_path)[keep:]
    for p in old:
        p.unlink()
    return old


def restore(db_path: Path, source: Path | None, now: datetime) -> tuple[Path, Path | None]:
    """Restore ``source`` (default: the newest backup) over ``db_path``.

    Returns the backup used and where the previous file was kept (it is never
    deleted or overwritten in place without a copy).
    """
    if source is None:
        found = list_backups(db_path)
        if not found:
            raise StorageError("No backup of {path} was found in {folder}.",
                               path=str(db_path), folder=str(backup_folder(db_path)))
        source = found[0]
    if not source.is_file():
        raise StorageError("No backup at {path}.", path=str(source))
    kept = files.restore(source, db_path, f"{now:%Y%m%d-%H%M%S}")
    return source, kept
