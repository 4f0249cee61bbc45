"""``deskterm targets``: the month's targets — shown beside the figures, set, cleared,
copied from last month — and the shop's closed days they are not spread onto."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, date_arg, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _, ngettext

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers
    from deskterm.services.context import Context


def _month_arg(value: str) -> object:
    from deskterm.domain.targets import parse_month
    from deskterm.errors import DesktermError

    try:
        return parse_month(value)
    except DesktermError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def register(subparsers: Subparsers) -> None:
    """``deskterm targets show|set|clear|copy|close|open``."""
    tg = add_command(subparsers, "targets", help=_("monthly targets and closed days"))
    ts = add_actions(tg)
    show = add_command(ts, "show", help=_("the month so far beside its targets"))
    show.add_argument("--date", type=date_arg, help=_("as it stood at the end of this day"))
    show.add_argument("--format", choices=["text", "json"], default="text")
    st = add_command(ts, "set", help=_("set a target (a rate as a percentage, e.g. 80)"))
    st.add_argument("measure", help=_("receptions, contact_capture, form_completeness, …"))
    st.add_argument("value")
    st.add_argument("--salesperson", help=_("name or id (default: the team)"))
    st.add_argument("--month", type=_month_arg, help=_("YYYY-MM (default: this month)"))
    cl = add_command(ts, "clear", help=_("remove a target"))
    cl.add_argument("measure")
    cl.add_argument("--salesperson", help=_("name or id (default: the team)"))
    cl.add_argument("--month", type=_month_arg, help=_("YYYY-MM (default: this month)"))
    cp = add_command(ts, "copy", help=_("copy last month's targets where none is set"))
    cp.add_argument("--month", type=_month_arg, help=_("YYYY-MM (default: this month)"))
    close = add_command(ts, "close", help=_("mark a day closed (a holiday)"))
    close.add_argument("day", type=date_arg)
    close.add_argument("--note", default="")
    op = add_command(ts, "open", help=_("undo a closed day"))
    op.add_argument("day", type=date_arg)


def _who(ctx: Context, text: str | None) -> int | None:
    from deskterm.services import setup

    return None if text is None else setup.find_staff(ctx, text).id


def run(args: argparse.Namespace) -> int:
    """Change what was asked, then show the month's targets (or the board)."""
    from deskterm.services import report, targets

    with opened(args, writes=args.action != "show") as ctx:
        month = getattr(args, "month", None) or ctx.today().replace(day=1)
        if args.action == "set":
            targets.set_target(ctx, month, args.measure, args.value, _who(ctx, args.salesperson))
        elif args.action == "clear":
            if not targets.clear_target(ctx, month, args.measure, _who(ctx, args.salesperson)):
                print(_("There was no such target."))
        elif args.action == "copy":
            n = targets.copy_last_month(ctx, month)
            print(
                ngettext(
                    "{n} target copied from last month.", "{n} targets copied from last month.", n
                )
            )
        elif args.action == "close":
            targets.set_closed_day(ctx, args.day, args.note)
            month = args.day.replace(day=1)
        elif args.action == "open":
            if not targets.open_day(ctx, args.day):
                print(_("That day was not closed."))
            month = args.day.replace(day=1)
        if args.action == "show":
            day = args.date or ctx.today()
            if args.format == "json":
                data = report.method_sections(ctx, report.daily_report(ctx, day))["targets"]
                print(json.dumps(data, ensure_ascii=False, indent=2))
                return EXIT_OK
            board = targets.progress(ctx, day)
            _print_board(board)
            return EXIT_OK
        views = targets.list_targets(ctx, month)
        closed = targets.closed_days(ctx, month)
    _print_targets(views, closed, month)
    return EXIT_OK


def _print_board(board: object) -> None:
    from deskterm.domain.targets import ORDER
    from deskterm.services.labels import TARGET_HEADS as HEADS
    from deskterm.services.labels import TARGET_MARKS as MARKS
    from deskterm.services.labels import target_figure as figure
    from deskterm.services.targets import TargetBoard

    assert isinstance(board, TargetBoard)

    print(
        _(
            "Targets {month}, to {day}: done/target to date · ~ within reach · ! behind",
            month=board.month.isoformat()[:7],
            day=board.day.isoformat(),
        )
    )
    rows = []
    for p in [*board.people, board.team]:
        cells: list[object] = [p.name if p.name is not None else _("Team")]
        for m in ORDER:
            r = p.row(m)
            shown = figure(m, r.actual)
            if r.to_date is not None:
                shown += "/" + figure(m, r.to_date) + MARKS.get(r.status, "")
            cells.append(shown)
        rows.append(cells)
    print_table(rows, [_("Salesperson"), *(_(HEADS[m]) for m in ORDER)])


def _print_targets(
    views: Sequence[object], closed: Sequence[tuple[date, str]], month: date
) -> None:
    from deskterm.domain.targets import MEASURE_LABELS
    from deskterm.services.labels import target_figure as figure
    from deskterm.services.targets import TargetView

    rows = []
    for v in views:
        assert isinstance(v, TargetView)
        rows.append(
            [v.salesperson or _("Team"), _(MEASURE_LABELS[v.measure]), figure(v.measure, v.value)]
        )
    if rows:
        print_table(rows, [_("Salesperson"), _("Measure"), _("Target")])
    else:
        print(_("No targets for {month} yet.", month=str(month)[:7]))
    if closed:
        print(_("Closed: {days}", days=", ".join(f"{d} {n}".strip() for d, n in closed)))
