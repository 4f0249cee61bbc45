"""``deskterm actions``: the manager's action plans — listed, recorded, closed."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, date_arg, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm actions list|add|close``."""
    ac = add_command(subparsers, "actions", help=_("action plans"))
    acs = add_actions(ac)
    ls = add_command(acs, "list", help=_("open actions, most urgent first"))
    ls.add_argument("--all", action="store_true", help=_("closed ones too"))
    add = add_command(acs, "add", help=_("record an action"))
    add.add_argument("what")
    add.add_argument("--owner", required=True, help=_("who does it: name or id"))
    add.add_argument("--due", type=date_arg, required=True, help=_("by when"))
    add.add_argument("--measure", help=_("the figure it should move"))
    add.add_argument("--salesperson", help=_("whose figure (default: the team's)"))
    add.add_argument("--source", default="figure", help=_("figure, reason:<code> or stale:<list>"))
    cl = add_command(acs, "close", help=_("close an action with what happened"))
    cl.add_argument("id", type=int)
    cl.add_argument("outcome")


def run(args: argparse.Namespace) -> int:
    """Record or close if asked, then list the actions."""
    from deskterm.domain.targets import MEASURE_LABELS
    from deskterm.services import actions, setup
    from deskterm.services.labels import ACTION_STATE_LABELS as STATE_LABELS
    from deskterm.services.labels import target_figure

    with opened(args, writes=args.action != "list") as ctx:
        if args.action == "add":
            sid = None if args.salesperson is None else setup.find_staff(ctx, args.salesperson).id
            owner = setup.find_staff(ctx, args.owner).id
            a = actions.record_action(
                ctx, args.what, owner, args.due, args.measure, sid, args.source
            )
            print(_("Action #{id} recorded.", id=a.id))
        elif args.action == "close":
            actions.close_action(ctx, args.id, args.outcome)
            print(_("Action #{id} closed.", id=args.id))
        items = actions.list_actions(ctx, include_closed=getattr(args, "all", False))
    rows = []
    for a in items:
        figure = ""
        if a.measure is not None:
            figure = _(MEASURE_LABELS[a.measure]) + (f" ({a.salesperson})" if a.salesperson else "")
            before = target_figure(a.measure, a.baseline)
            after = target_figure(a.measure, a.after) if a.after is not None else ""
            figure += f" {before}" + (f" → {after}" if after else "")
        rows.append(
            [a.id, _(STATE_LABELS[a.state]), a.due, a.what, a.owner, figure, a.outcome or ""]
        )
    if rows:
        print_table(
            rows,
            [_("#"), _("State"), _("Due by"), _("What"), _("Who"), _("Figure"), _("Outcome")],
        )
    else:
        print(_("No open actions."))
    return EXIT_OK
