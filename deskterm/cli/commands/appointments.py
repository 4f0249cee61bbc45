"""``deskterm appointments``: the day's invitations to visit — listed, cancelled."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, date_arg, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm appointments list|cancel``."""
    ap = add_command(subparsers, "appointments", help=_("invitations to visit"))
    aps = add_actions(ap)
    ls = add_command(aps, "list", help=_("a day's appointments (start of day settles no-shows)"))
    ls.add_argument("--date", type=date_arg, help=_("the day (default: today)"))
    cl = add_command(aps, "cancel", help=_("the customer will not come"))
    cl.add_argument("id", type=int)


def run(args: argparse.Namespace) -> int:
    """Cancel if asked, then list the day's appointments."""
    from deskterm.domain.appointments import DESK_STATE_LABELS, DeskState
    from deskterm.services import appointments

    with opened(args) as ctx:
        if args.action == "cancel":
            appointments.cancel(ctx, args.id)
            print(_("Appointment #{id} cancelled.", id=args.id))
        day = getattr(args, "date", None) or ctx.today()
        items = appointments.expected(ctx, day)
    rows = [
        [
            v.id,
            v.at.strftime("%H:%M"),
            v.customer,
            v.owner,
            v.model or "",
            _(DESK_STATE_LABELS[DeskState(v.desk)]),
        ]
        for v in items
    ]
    if rows:
        print_table(
            rows, [_("#"), _("Time"), _("Customer"), _("Expected by"), _("Car"), _("Status")]
        )
    else:
        print(_("No appointments on {day}.", day=day.isoformat()))
    return EXIT_OK
