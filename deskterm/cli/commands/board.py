"""``deskterm board``: the rotation in large type for a screen facing the sales floor."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import add_command
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm board``."""
    add_command(
        subparsers,
        "board",
        help=_(
            "the rotation in large type for a screen facing the sales floor "
            "(read-only, no sign-in: names and times only)"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """The showroom display: read-only, as the ``display`` pseudo-role (no PIN)."""
    from deskterm.ui.showroom import run_board

    with opened(args, start_of_day=False, thorough=False, discard_demo=True) as ctx:
        return run_board(ctx)
