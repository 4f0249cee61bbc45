"""``deskterm copy-to``: the whole database into a new, empty one (to move to a
PostgreSQL server). (``copy_to``: a module name has no hyphen.)"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_command, path_arg
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm copy-to TARGET``."""
    cp = add_command(
        subparsers,
        "copy-to",
        help=_("copy the whole database into a new, empty one (to move to a PostgreSQL server)"),
    )
    cp.add_argument(
        "target", type=path_arg, help=_("a postgresql:// address, or a new database file")
    )


def run(args: argparse.Namespace) -> int:
    """Copy every table, saying each as it goes; the old database is left as it was."""
    from deskterm.services.maintenance import copy_to, is_server

    target = args.target if is_server(args.target) else Path(args.target).expanduser()
    # No start of day: the copy is of the database as it is, which is left untouched.
    with opened(args, must_exist=True, start_of_day=False) as ctx:
        counts = copy_to(
            ctx,
            target,
            progress=lambda table, n: print(_("{table}: {n} rows", table=table, n=n), flush=True),
        )
    print(
        _(
            "Copied {n} rows. Open the copy with --db (or DESKTERM_DB) on every PC; the "
            "old database is left as it was.",
            n=sum(counts.values()),
        )
    )
    return EXIT_OK
