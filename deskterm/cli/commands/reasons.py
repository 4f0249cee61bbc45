"""``deskterm reasons``: the shop's pick lists — why no contact was left, why a customer was
lost, the media, the steps of the sale — listed (most used first; the steps in the shop's
order), added, renamed, retired, brought back, and (``move``) put in another place."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers

KINDS = ["no_contact", "lost", "media", "step"]


def register(subparsers: Subparsers) -> None:
    """``deskterm reasons list|add|rename|retire|restore|move``."""
    rs = add_command(
        subparsers, "reasons", help=_("why no contact was left, why a customer was lost")
    )
    rss = add_actions(rs)
    ls = add_command(rss, "list", help=_("every reason, the most used first"))
    ls.add_argument("kind", choices=KINDS)
    add = add_command(rss, "add", help=_("add a reason"))
    add.add_argument("kind", choices=KINDS)
    add.add_argument("name_en")
    add.add_argument("name_zh", nargs="?", default="")
    add.add_argument("--note", action="store_true", help=_("a note is required with it"))
    rn = add_command(rss, "rename", help=_("new words for a reason (its code stays)"))
    rn.add_argument("kind", choices=KINDS)
    rn.add_argument("code")
    rn.add_argument("name_en")
    rn.add_argument("name_zh", nargs="?", default="")
    for name, text in (("retire", _("stop offering a reason")), ("restore", _("offer it again"))):
        p = add_command(rss, name, help=text)
        p.add_argument("kind", choices=KINDS)
        p.add_argument("code")
    mv = add_command(rss, "move", help=_("move an entry up (-1) or down (1) in the list's order"))
    mv.add_argument("kind", choices=KINDS)
    mv.add_argument("code")
    mv.add_argument("by", type=int)


def run(args: argparse.Namespace) -> int:
    """Change what was asked, then list the kind's reasons."""
    from deskterm.services import reasons

    with opened(args, writes=args.action != "list") as ctx:
        if args.action == "add":
            reasons.add_reason(ctx, args.kind, args.name_en, args.name_zh, args.note)
        elif args.action == "rename":
            reasons.rename_reason(ctx, args.kind, args.code, args.name_en, args.name_zh)
        elif args.action in ("retire", "restore"):
            reasons.set_reason_active(ctx, args.kind, args.code, args.action == "restore")
        elif args.action == "move":
            reasons.move_reason(ctx, args.kind, args.code, args.by)
        items = reasons.all_reasons(ctx, args.kind)
    print_table(
        [
            [
                r.code,
                r.name_en,
                r.name_zh,
                r.uses,
                _("yes") if r.needs_note else "",
                "" if r.active else _("retired"),
            ]
            for r in items
        ],
        [_("Code"), _("English"), _("Chinese"), _("Used (90 days)"), _("Note"), _("State")],
    )
    return EXIT_OK
