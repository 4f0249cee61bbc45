"""``deskterm backup``: a safe copy of the database, beside it or where asked."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_command, path_arg
from deskterm.cli.database import opened
from deskterm.errors import InvalidInput
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm backup [DEST]``."""
    bak = add_command(subparsers, "backup", help=_("copy the database safely"))
    bak.add_argument(
        "dest",
        nargs="?",
        type=path_arg,
        help=_(
            "file or folder to write the copy to (default: the backups folder beside the database)"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Write the backup and say where (a missing database is never made to be copied)."""
    from deskterm.services.backups import backup_now

    if args.dest in ("list", "ls") and not Path(args.dest).exists():
        # `deskterm backup list` wrote a backup file named "list": it meant the listing.
        raise InvalidInput(
            "'{dest}' would be the backup's file name; to list the backups: deskterm backups",
            field="dest",
            dest=args.dest,
        )
    with opened(args, must_exist=True) as ctx:
        print(_("Backup written to {path}", path=backup_now(ctx, args.dest)))
    return EXIT_OK
