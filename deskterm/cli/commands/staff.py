"""``deskterm staff``: add, list, deactivate, activate, hand over, and set PINs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, print_table
from deskterm.cli.database import opened
from deskterm.errors import InvalidInput
from deskterm.i18n import _, _p

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm staff ACTION``."""
    staff = add_command(subparsers, "staff", help=_("manage staff"))
    ss = add_actions(staff)
    add = add_command(ss, "add", help=_("add a staff member"))
    add.add_argument("name")
    add.add_argument(
        "--role",
        required=True,
        choices=["receptionist", "salesperson", "manager", "marketing", "care"],
    )
    add.add_argument("--seniority", choices=["junior", "senior"], default="junior")
    lst = add_command(ss, "list", help=_("list staff"))
    lst.add_argument("--role")
    lst.add_argument("--all", action="store_true", help=_("include people who left"))
    lst.add_argument("--format", choices=["text", "json"], default="text")
    for name, text in (
        ("deactivate", _("mark someone as having left")),
        ("activate", _("bring someone back")),
    ):
        a = add_command(ss, name, help=text)
        a.add_argument("who", help=_("name or id"))

    ho = add_command(
        ss, "handover", help=_("someone leaves: all their customers and callbacks to another")
    )
    ho.add_argument("who", help=_("name or id"))
    ho.add_argument("to", help=_("name or id"))
    pin = add_command(ss, "pin", help=_("set or reset someone's PIN (asked twice, never shown)"))
    pin.add_argument("who", help=_("name or id"))


def run(args: argparse.Namespace) -> int:
    """Do the staff action; listing only reads (a named missing database is refused)."""
    from deskterm.services import setup

    with opened(args, writes=args.action != "list") as ctx:
        if args.action == "add":
            v = setup.add_staff(ctx, args.name, args.role, args.seniority)
            print(_("Added {name} (#{id}).", name=v.name, id=v.id))
        elif args.action == "list":
            people = setup.list_staff(ctx, args.role, include_inactive=args.all)
            if args.format == "json":
                print(json.dumps([p.__dict__ for p in people], ensure_ascii=False, indent=2))
            else:
                from deskterm.services.labels import role_label, seniority_label

                print_table(
                    [
                        [
                            p.id,
                            p.name,
                            role_label(p.role),
                            seniority_label(p.seniority) if p.seniority else "",
                            "" if p.active else _("left"),
                        ]
                        for p in people
                    ],
                    ["#", _("Name"), _("Role"), _("Seniority"), ""],
                )
        elif args.action == "pin":
            from deskterm.services import auth

            who = setup.find_staff(ctx, args.who)
            first = _read_pin(_("New PIN for {name} (4 to 8 digits): ", name=who.name))
            if _read_pin(_("The same PIN again: ")) != first:
                raise InvalidInput("The two PINs differ; nothing changed.", field="pin")
            auth.set_pin(ctx, who.id, first)
            print(_("{name} has a new PIN.", name=who.name))
        elif args.action == "handover":
            from deskterm.services import manager

            who, to = setup.find_staff(ctx, args.who), setup.find_staff(ctx, args.to)
            moved = manager.hand_over(ctx, who.id, to.id)
            print(
                _(
                    "{name} handed {n} customers and {m} callbacks to {to}; {name} is now "
                    "inactive.",
                    name=who.name,
                    n=moved.customers,
                    m=moved.callbacks,
                    to=to.name,
                )
            )
        else:
            who = setup.find_staff(ctx, args.who)
            v = setup.set_staff_active(ctx, who.id, args.action == "activate")
            print(
                _(
                    "{name} is now {state}.",
                    name=v.name,
                    state=_p("staff", "active") if v.active else _("inactive"),
                )
            )
    return EXIT_OK


def _read_pin(prompt: str) -> str:
    """A PIN from the terminal without echo; one line from stdin when piped (scripts)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()
