"""The one way a command opens the database: ``with opened(args, ...) as ctx``.

It follows the command line's rules: ``--demo`` opens a throw-away copy of the demo
showroom on the sample's own day, ``--db`` or ``DESKTERM_DB`` names a file or a
``postgresql://`` address, and otherwise the user's own file is used (made on first
use). A command that only reads refuses a named database that is not there, so a
typo never reports zeros from a new, empty file. The database is always closed,
whatever the command raises; errors are ``DesktermError``s that ``main`` prints in
one translated line.
"""

from __future__ import annotations

import argparse
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.clock import Clock, clock_from_env, parse_now
from deskterm.errors import DesktermError

if TYPE_CHECKING:
    from deskterm.services.context import Context


def named(args: argparse.Namespace) -> bool:
    """A database was named (``--db`` or ``DESKTERM_DB``): a command that only reads
    must not make an empty one at a mistyped path and report zeros from it."""
    return bool(getattr(args, "db", None) or os.environ.get("DESKTERM_DB"))


def target(args: argparse.Namespace) -> str | Path:
    """The database ``--db`` or ``DESKTERM_DB`` names: a server address, else a file."""
    from deskterm.cli.paths import default_db_path
    from deskterm.services.maintenance import is_server

    name = getattr(args, "db", None) or os.environ.get("DESKTERM_DB")
    if name and is_server(name):
        return name.strip()
    return Path(args.db).expanduser() if getattr(args, "db", None) else default_db_path()


def db_path(args: argparse.Namespace) -> Path:
    """The database file the arguments name; a server has backups but no file to restore."""
    where = target(args)
    if isinstance(where, str):
        raise DesktermError(
            "deskterm restores a file, never a server that several PCs share. With every "
            "desk closed, whoever looks after the server restores a backup with: "
            "pg_restore --clean --if-exists --dbname ADDRESS BACKUP.dump"
        )
    return where.resolve()


def file_args(path: Path) -> argparse.Namespace:
    """Arguments naming one database file (``--db PATH``), for ``opened``."""
    return argparse.Namespace(db=str(path))


@contextmanager
def opened(
    args: argparse.Namespace,
    *,
    writes: bool = True,
    must_exist: bool = False,
    start_of_day: bool = True,
    thorough: bool = True,
    read_only: bool = False,
    discard_demo: bool = False,
) -> Iterator[Context]:
    """The database the arguments ask for, open for the ``with`` block, then closed.

    ``writes=False``: the command only reads, so a named database that is not there is
    refused (the default place is still made on first use). ``must_exist``: never make
    one (a backup, a check, a copy). ``start_of_day=False``: do not close earlier days
    or escalate (the app does that after its first paint; a copy copies as it is).
    ``thorough=False``: read only the file's header and schema before opening (the app
    checks the rest after its first screen). ``read_only``: an existing file, or the
    demo copy, is opened read-only; nothing is written. ``discard_demo``: the demo's
    throw-away copy is deleted when the block ends, or when it fails to open (the app and
    the board; ``backup --demo`` writes its copy beside it and says where).
    """
    from deskterm.services.maintenance import open_context

    create = not must_exist and (writes or not named(args))
    demo_folder: Path | None = None
    try:
        if getattr(args, "demo", False):
            path, clock = _demo()
            demo_folder = path.parent
            ctx = open_context(
                path,
                clock,
                create=create,
                start_of_day=start_of_day,
                thorough=thorough,
                read_only=read_only,
            )
        else:
            where = target(args)
            # Only a read-only open looks at the file first: for the others, a name the
            # system refuses is said by the open itself, as it always was.
            exists = read_only and not isinstance(where, str) and where.expanduser().exists()
            ctx = open_context(
                where,
                clock_from_env(),
                create=create,
                # Only the default location is made on demand; a named folder must exist.
                make_folder=not getattr(args, "db", None),
                start_of_day=start_of_day,
                thorough=thorough,
                # A first run with no file yet still makes the user's empty one.
                read_only=exists,
            )
        try:
            yield ctx
        finally:
            ctx.db.close()
    finally:
        if discard_demo and demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)


def _demo() -> tuple[Path, Clock]:
    """A fresh copy of the demo sample, and a clock on the sample's own "today"."""
    from deskterm.cli.paths import find_sample
    from deskterm.services.maintenance import demo_copy, demo_today

    sample = find_sample()
    if sample is None:
        raise DesktermError(
            "The demo database deskterm.db.sample was not found; "
            "run 'deskterm demo generate' in the project folder."
        )
    path = demo_copy(sample)
    today = demo_today(path)
    # The sample's own "today", so every screen has data; DESKTERM_NOW still wins.
    return path, clock_from_env(default=parse_now(today) if today else None)
