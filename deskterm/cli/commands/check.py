"""``deskterm check``: SQLite's integrity check plus the app's own rules."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_ERROR, EXIT_OK, add_command
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm check``."""
    p = add_command(subparsers, "check", help=_("integrity check plus the app's own rules"))
    p.add_argument(
        "--repair",
        action="store_true",
        help=_(
            "rebuild the customer search's indexes if they disagree with the customers, and "
            "the rotation's stored days if they disagree with its log "
            "(seconds on a large file: the desks wait meanwhile)"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Print each problem found; exit 1 if there is any."""
    from deskterm.services.maintenance import (
        check,
        repair_rotation_snapshots,
        repair_search_index,
    )

    repairs = [
        (
            "search",
            repair_search_index,
            _("Rebuilding the customer search's indexes…"),
            _("The customer search's indexes are rebuilt and agree with the customers."),
        ),
        (
            "rotation_snapshot",
            repair_rotation_snapshots,
            _("Rebuilding the rotation's stored days from its log…"),
            _("The rotation's stored days are rebuilt and agree with its log."),
        ),
    ]
    with opened(args, must_exist=True) as ctx:
        problems = check(ctx)
        for kind, repair, doing, done in repairs if getattr(args, "repair", False) else []:
            if any(p.kind == kind for p in problems):
                print(doing, flush=True)
                repair(ctx)
                problems = check(ctx)
                if not any(p.kind == kind for p in problems):
                    print(done)
    if not problems:
        print(_("OK: the database passes every check."))
        return EXIT_OK
    for p in problems:
        print(f"{p.kind}: {p.detail}")
    print(_("{n} problem(s) found.", n=len(problems)), file=sys.stderr)
    return EXIT_ERROR
