"""``deskterm restore``: bring back a backup, the current file kept aside."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_ERROR, EXIT_OK, add_command, confirm, path_arg
from deskterm.cli.database import db_path
from deskterm.errors import DesktermError
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm restore [SOURCE] [--yes]``."""
    res = add_command(
        subparsers, "restore", help=_("bring back a backup (the current file is kept aside)")
    )
    res.add_argument(
        "source", nargs="?", type=path_arg, help=_("backup file (default: the newest)")
    )
    res.add_argument("--yes", action="store_true", help=_("do not ask to confirm"))


def run(args: argparse.Namespace) -> int:
    """Restore the named backup, or the newest sound one, after asking (or ``--yes``)."""
    from deskterm.cli.restoring import good_backup, restore_and_say
    from deskterm.services.backups import list_backups

    path = db_path(args)
    source = Path(args.source).expanduser() if args.source else None
    if source is None and not list_backups(path):
        raise DesktermError("No backup of {path} was found.", path=str(path))
    shown = source or good_backup(path)
    if shown is None:
        return EXIT_ERROR
    if not args.yes and not confirm(
        _("Restore {backup} over {path}? The current file is kept aside.", backup=shown, path=path)
    ):
        print(_("Nothing restored. (Use --yes when no one can answer.)"))
        return EXIT_ERROR
    restore_and_say(path, shown)
    return EXIT_OK
