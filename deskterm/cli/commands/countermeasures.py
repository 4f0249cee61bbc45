"""``deskterm countermeasures``: the countermeasure loop — each with its figures before
and since, the ones due a review first — and a review (keep, replace, close)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm countermeasures list|review``."""
    cm = add_command(subparsers, "countermeasures", help=_("the countermeasure loop"))
    cms = add_actions(cm)
    add_command(cms, "list", help=_("every countermeasure, the ones due a review first"))
    rv = add_command(cms, "review", help=_("keep, replace or close a countermeasure"))
    rv.add_argument("id", type=int)
    rv.add_argument("decision", choices=["keep", "replace", "close"])
    rv.add_argument("--note", default="")
    rv.add_argument("--replacement", default="", help=_("what replaces it (replace)"))


def run(args: argparse.Namespace) -> int:
    """Review if asked, then list the loop."""
    from deskterm.services import countermeasures, reasons
    from deskterm.services.labels import reason_label

    with opened(args, writes=args.action == "review") as ctx:
        if args.action == "review":
            runs_on = countermeasures.review(
                ctx, args.id, args.decision, args.note, replacement=args.replacement
            )
            print(
                _("Reviewed; #{id} runs on.", id=runs_on)
                if args.decision != "close"
                else _("Closed.")
            )
        items = countermeasures.loop(ctx)
        names = {k: {r.code: r.name for r in reasons.all_reasons(ctx, k)} for k in reasons.KINDS}

    def num(v: float | None) -> str:
        return "-" if v is None else f"{v:g}"

    rows = []
    for i in items:
        c, ba = i.countermeasure, i.figures
        if c.closed_on is not None:
            state = (
                _("replaced {day}", day=c.closed_on)
                if c.decision == "replace"
                else _("closed {day}", day=c.closed_on)
            )
        else:
            state = _("review due") if i.due else _("review {day}", day=c.review_on)
        early = ba.too_early
        rows.append(
            [
                c.id,
                reason_label(i.kind, c.reason, names[i.kind]),
                c.since,
                c.note,
                _("too early ({n} days)", n=ba.days)
                if early
                else f"{num(ba.before_per_100)} → {num(ba.after_per_100)}",
                "" if early else f"{num(ba.sales_before_per_100)} → {num(ba.sales_after_per_100)}",
                state,
                f"#{c.follows_id}" if c.follows_id else "",
            ]
        )
    if rows:
        print_table(
            rows,
            [
                _("#"),
                _("Reason"),
                _("Since"),
                _("Countermeasure"),
                _("Per 100 receptions"),
                _("Sales per 100 visitors"),
                _("State"),
                _("Follows"),
            ],
        )
    else:
        print(_("No countermeasures yet."))
    return EXIT_OK
