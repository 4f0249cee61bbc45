"""``deskterm report``: the meeting report for a day, a week, a month or a range."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_command, date_arg, path_arg
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm report``."""
    rep = add_command(
        subparsers,
        "report",
        help=_("the daily meeting report"),
        description=_(
            "The meeting report for a day, a week or a month: receptions, intent levels, "
            "callbacks and rates for each salesperson and the team."
        ),
    )
    rep.add_argument("--date", type=date_arg, help=_("day of the report (default: today)"))
    rep.add_argument(
        "--period",
        choices=["day", "week", "month"],
        default="day",
        help=_("the day, week or month that contains --date"),
    )
    rep.add_argument(
        "--from",
        dest="first",
        type=date_arg,
        help=_("first day of a chosen range (ends on --date)"),
    )
    rep.add_argument(
        "--format",
        choices=["text", "json", "markdown", "html"],
        default="text",
        help=_("text for the screen, json for programs (codes), markdown or html to send"),
    )
    rep.add_argument("--out", type=path_arg, help=_("write to this file instead of the screen"))
    rep.add_argument(
        "--group",
        action="store_true",
        help=_(
            "every showroom on the dealer group's server (--db postgresql://…), side by "
            "side, with the group's total (text, json or markdown)"
        ),
    )
    rep.add_argument(
        "--showroom",
        action="append",
        metavar="SCHEMA",
        help=_("with --group: only this showroom's schema (repeat for several)"),
    )


def run(args: argparse.Namespace) -> int:
    """Print the report, or write it to ``--out``."""
    from deskterm.services.report import as_json, daily_report, manager_sections, period_bounds
    from deskterm.services.report_export import (
        to_html,
        to_markdown,
        to_text,
        write_report_file,
    )
    from deskterm.services.trends import trends

    if args.group:
        return _group(args)
    if args.showroom:
        from deskterm.errors import DesktermError

        raise DesktermError("--showroom goes with --group (the group report).")
    # A report reads: what the start of day would change is computed, never written, and
    # an existing file is opened read-only (a read-only file or folder is fine). A first
    # run with no database yet still makes the user's empty one at the default place; a
    # named file that is not there is refused (a typo must not report zeros).
    with opened(args, writes=False, start_of_day=False, read_only=True) as ctx:
        day = args.date or ctx.today()
        first, last = (args.first, day) if args.first else period_bounds(args.period, day)
        report = daily_report(ctx, last, first)
        data = as_json(report, manager_sections(ctx, report))
        # The printable page draws the trends to the report's day (JSON keeps its contract).
        charts = trends(ctx, report.day) if args.format == "html" else None
    text = {
        "json": lambda d, _last: json.dumps(d, ensure_ascii=False, indent=2) + "\n",
        "markdown": to_markdown,
        "html": lambda d, last: to_html(d, last, charts),
        "text": to_text,
    }[args.format](data, last)  # last: the chosen week's or month's end, for the title
    if args.out:
        write_report_file(Path(args.out), text)
        print(_("Report written to {path}", path=args.out))
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _group(args: argparse.Namespace) -> int:
    """``deskterm report --group``: the dealer group's figures, a showroom per row."""
    from deskterm.cli.database import target
    from deskterm.clock import clock_from_env
    from deskterm.errors import DesktermError
    from deskterm.services.group import group_json, group_report
    from deskterm.services.report_export import (
        group_to_markdown,
        group_to_text,
        write_report_file,
    )

    where = target(args)
    if getattr(args, "demo", False) or not isinstance(where, str):
        raise DesktermError(
            "report --group reads a dealer group's server: give --db postgresql://… (or "
            "DESKTERM_DB); a file holds one showroom."
        )
    if args.format == "html":
        raise DesktermError("report --group writes text, json or markdown.")
    data = group_json(
        group_report(
            where,
            clock_from_env(),
            day=args.date,
            first=args.first,
            period=args.period,
            schemas=args.showroom,
        )
    )
    text = {
        "json": lambda d: json.dumps(d, ensure_ascii=False, indent=2) + "\n",
        "markdown": group_to_markdown,
        "text": group_to_text,
    }[args.format](data)
    if args.out:
        write_report_file(Path(args.out), text)
        print(_("Report written to {path}", path=args.out))
    else:
        sys.stdout.write(text)
    # A showroom left out of the total (named in the report) fails a script that relies
    # on the figures being the whole group's.
    return EXIT_OK if all(r["team"] is not None for r in data["showrooms"]) else 1
