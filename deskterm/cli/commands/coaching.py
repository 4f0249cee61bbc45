"""``deskterm coaching``: the coaching log, who is due a follow-up, and logging one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, date_arg, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm coaching due|log|add``."""
    co = add_command(subparsers, "coaching", help=_("the coaching log"))
    cos = add_actions(co)
    add_command(cos, "due", help=_("who is due a follow-up, and did the figures move"))
    log = add_command(cos, "log", help=_("the entries, latest first"))
    log.add_argument("--salesperson", help=_("name or id"))
    add = add_command(cos, "add", help=_("log a coaching"))
    add.add_argument("salesperson", help=_("name or id"))
    add.add_argument("kind", help=_("on_site, call_check, shared_call or training"))
    add.add_argument("--note", default="")
    add.add_argument("--day", type=date_arg, help=_("default: today"))
    add.add_argument("--recording", default="", help=_("a call check's file name or call id"))
    add.add_argument(
        "--checklist", default="", help=_("items the call met: greeting,needs,explained,…")
    )


def run(args: argparse.Namespace) -> int:
    """Log if asked, then show the log or who is due."""
    from deskterm.domain.coaching import KIND_LABELS
    from deskterm.domain.targets import MEASURE_LABELS, RATES
    from deskterm.services import coaching, setup
    from deskterm.services.labels import target_figure

    with opened(args, writes=args.action == "add") as ctx:
        if args.action == "add":
            sid = setup.find_staff(ctx, args.salesperson).id
            coaching.record_coaching(
                ctx,
                sid,
                args.kind,
                args.note,
                day=args.day,
                recording=args.recording,
                # No --checklist is no item (not one empty item, which only a call
                # check may have: every other kind was refused without it).
                checklist=tuple(i.strip() for i in args.checklist.split(",") if i.strip()),
            )
            print(_("Logged."))
        if args.action == "due":
            board = coaching.coaching_board(ctx)
            rows = []
            for r in board:
                moved = "  ".join(
                    f"{_(MEASURE_LABELS[m.measure])} {target_figure(m.measure, m.before)}"
                    f"→{target_figure(m.measure, m.since)}"
                    for m in r.moved
                    if m.measure in RATES
                )
                rows.append(
                    [
                        r.name,
                        _("due now") if r.due else "",
                        ", ".join(_(MEASURE_LABELS[m]) for m in r.why),
                        r.last_coached or "-",
                        moved,
                    ]
                )
            print_table(
                rows,
                [
                    _("Salesperson"),
                    _("Follow-up"),
                    _("Why"),
                    _("Last coached"),
                    _("Before → since"),
                ],
            )
            return EXIT_OK
        who: int | None = None
        if getattr(args, "salesperson", None) and args.action == "log":
            who = setup.find_staff(ctx, args.salesperson).id
        entries = coaching.coaching_log(ctx, who)
    print_table(
        [
            [
                e.day,
                e.salesperson,
                _(KIND_LABELS[e.kind]),
                e.recording or "",
                f"{e.score}/{e.score_of}" if e.score is not None else "",
                e.note,
            ]
            for e in entries
        ],
        [_("Day"), _("Salesperson"), _("Kind"), _("Recording"), _("Score"), _("Note")],
    )
    return EXIT_OK
