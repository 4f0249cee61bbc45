"""``deskterm backups``: the backups of the database, newest first."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_command, print_table
from deskterm.cli.database import db_path, opened, target
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm backups``."""
    add_command(subparsers, "backups", help=_("list the backups, newest first"))


def run(args: argparse.Namespace) -> int:
    """List a file's backups beside it, or a server's pg_dump files on this PC."""
    from deskterm.services.backups import (
        backup_folder,
        list_backups,
        list_server_backups,
        server_backups,
    )

    if isinstance(target(args), str):  # a server's pg_dump files, on this PC
        with opened(args, must_exist=True, start_of_day=False) as ctx:
            folder = server_backups(ctx)
        found = list_server_backups(folder)
    else:
        path = db_path(args)
        folder, found = backup_folder(path), list_backups(path)
    if not found:
        print(_("No backups yet in {folder}.", folder=folder))
        return EXIT_OK
    print_table(
        [[p.name, f"{p.stat().st_size // 1024} KB"] for p in found], [_("Backup"), _("Size")]
    )
    return EXIT_OK
