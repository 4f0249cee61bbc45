"""``deskterm settings``: the shop's settings, its changeable keys, and changing one."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, print_table
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm settings list|keys|set``."""
    st = add_command(subparsers, "settings", help=_("shop settings"))
    sts = add_actions(st)
    stl = add_command(sts, "list", help=_("show the settings"))
    stl.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help=_("text in words, json with the values as stored (the codes settings set takes)"),
    )
    add_command(sts, "keys", help=_("show every key a shop can change"))
    sset = add_command(sts, "set", help=_("change a setting"))
    sset.add_argument("key")
    sset.add_argument("value")


def run(args: argparse.Namespace) -> int:
    """Change a setting if asked, then show the settings (or the keys)."""
    from deskterm.services import setup

    with opened(args, writes=args.action == "set") as ctx:
        if args.action == "set":
            setup.set_setting(ctx, args.key, args.value)
        values = setup.get_settings(ctx)
    if args.action == "keys":
        from deskterm.domain import keys

        changed = keys.keymap(values)
        print_table(
            [
                [keys.SETTING_PREFIX + bid, changed.get(bid, default), default]
                for bid, (_place, default) in keys.BINDINGS.items()
            ],
            [_("Setting"), _("Key"), _("Default")],
        )
        return EXIT_OK
    if getattr(args, "format", "text") == "json":
        print(json.dumps(dict(sorted(values.items())), ensure_ascii=False, indent=2))
        return EXIT_OK
    from deskterm.services.labels import setting_value

    # Keys as typed for `settings set`; values in words (the code is in `--help` and the
    # refusal of a wrong value).
    print_table(
        [(key, setting_value(key, value)) for key, value in sorted(values.items())],
        [_("Setting"), _("Value")],
    )
    return EXIT_OK
