"""``deskterm levels``: the intent levels and their rules, and the preset gradings."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm levels list|preset``."""
    lv = add_command(subparsers, "levels", help=_("intent levels and their rules"))
    ls = add_actions(lv)
    add_command(ls, "list", help=_("show the levels"))
    pr = add_command(ls, "preset", help=_("switch to a preset grading"))
    pr.add_argument("name", choices=["default", "habc"])


def run(args: argparse.Namespace) -> int:
    """Switch to a preset if asked, then show the levels."""
    from deskterm.services import setup
    from deskterm.services.labels import duration_label, escalation_label

    with opened(args, writes=args.action != "list") as ctx:
        if args.action == "preset":
            setup.apply_level_preset(ctx, args.name)
        levels = setup.get_levels(ctx)
    print_table(
        [
            [
                r.name,
                duration_label(r.callback_interval) or _("marketing"),
                escalation_label(r.escalation),
                duration_label(r.escalation_after),
            ]
            for r in levels
        ],
        # the level's name only: a sheet takes names too, and "hot" means nothing at a desk
        [_("Level"), _("Callback every"), _("Escalation"), _("After")],
    )
    return EXIT_OK
