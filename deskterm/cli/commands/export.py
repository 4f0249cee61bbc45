"""``deskterm export``: customers, receptions or callbacks as CSV or .xlsx for Excel."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_command, date_arg, path_arg
from deskterm.cli.database import opened
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm export KIND --out FILE``."""
    exp = add_command(
        subparsers, "export", help=_("export customers, receptions or callbacks for Excel")
    )
    exp.add_argument("kind", choices=["customers", "receptions", "callbacks"])
    exp.add_argument(
        "--out",
        type=path_arg,
        required=True,
        help=_("the file to write: .csv (UTF-8 with BOM) or .xlsx"),
    )
    exp.add_argument("--from", dest="first", type=date_arg, help=_("first day (optional)"))
    exp.add_argument("--to", dest="last", type=date_arg, help=_("last day (optional)"))


def run(args: argparse.Namespace) -> int:
    """Write the rows and say how many."""
    from deskterm.services.exporting import ExportKind, export

    with opened(args, writes=False) as ctx:  # a mistyped --db exports nothing from nothing
        count = export(ctx, ExportKind(args.kind), Path(args.out), args.first, args.last)
    print(_("{n} rows written to {path}", n=count, path=args.out))
    return EXIT_OK
