"""``deskterm media``: where the month's visitors came from — each medium's spend beside
the visitors, contacts and sales it brought and what each cost — and the month's spend
set, cleared or carried over from last month. The list of media is kept with
``deskterm reasons … media``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from deskterm.cli.commands.targets import _month_arg
from deskterm.cli.common import EXIT_OK, add_actions, add_command, date_arg, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _, ngettext

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers
    from deskterm.services.media import MediaReport


def register(subparsers: Subparsers) -> None:
    """``deskterm media show|spend|clear|copy``."""
    md = add_command(
        subparsers, "media", help=_("where visitors come from: spend and cost per visitor")
    )
    ms = add_actions(md)
    show = add_command(ms, "show", help=_("each medium's month: spend, visitors, sales, costs"))
    show.add_argument("--month", type=_month_arg, help=_("YYYY-MM (default: this month)"))
    show.add_argument("--date", type=date_arg, help=_("the month of this day, up to it"))
    show.add_argument("--format", choices=["text", "json"], default="text")
    sp = add_command(ms, "spend", help=_("set what was spent on a medium in a month"))
    sp.add_argument("media", help=_("the medium's code (deskterm reasons list media)"))
    sp.add_argument("amount", help=_("a whole amount: 12000, 12,000 or 1.2万"))
    sp.add_argument("--month", type=_month_arg, help=_("YYYY-MM (default: this month)"))
    cl = add_command(ms, "clear", help=_("remove a month's spend on a medium"))
    cl.add_argument("media")
    cl.add_argument("--month", type=_month_arg, help=_("YYYY-MM (default: this month)"))
    cp = add_command(ms, "copy", help=_("carry last month's spend over where none is set"))
    cp.add_argument("--month", type=_month_arg, help=_("YYYY-MM (default: this month)"))


def run(args: argparse.Namespace) -> int:
    """Change what was asked, then show the month's media."""
    from deskterm.services import media

    with opened(args, writes=args.action != "show") as ctx:
        today = ctx.today()
        day = getattr(args, "date", None)
        month = day or getattr(args, "month", None) or today
        month = month.replace(day=1)
        if args.action == "spend":
            media.set_spend(ctx, month, args.media, args.amount)
        elif args.action == "clear":
            if not media.clear_spend(ctx, month, args.media):
                print(_("No spend was set on it that month."))
        elif args.action == "copy":
            n = media.copy_spend(ctx, month)
            print(
                ngettext(
                    "Spend on {n} medium copied from last month.",
                    "Spend on {n} media copied from last month.",
                    n,
                )
            )
        # This month is shown to today; another month whole (or to --date).
        last = day or (today if month == today.replace(day=1) else None)
        rep = media.media_report(ctx, month, last)
    if getattr(args, "format", "text") == "json":
        print(json.dumps(media.as_json(rep, _("not recorded")), ensure_ascii=False, indent=2))
    else:
        _print(rep)
    return EXIT_OK


def _print(rep: MediaReport) -> None:
    from deskterm.services.labels import media_cells, media_heads, media_legend, media_name

    print(media_legend(rep))
    rows = [list(media_cells(media_name(rep, r.code), r, wide=True)) for r in rep.rows]
    rows.append(list(media_cells(_("All media"), rep.total, wide=True)))
    print_table(rows, media_heads(wide=True))
