"""``deskterm demo generate``: write a new demo database (it opens none)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_actions, add_command, path_arg
from deskterm.errors import InvalidInput, RuleViolation
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm demo generate``."""
    demo = add_command(subparsers, "demo", help=_("the demo showroom"))
    ds = add_actions(demo)
    gen = add_command(ds, "generate", help=_("write a new demo database"))
    gen.add_argument("--out", default="deskterm.db.sample", type=path_arg)
    gen.add_argument("--seed", type=int, default=20261120)
    gen.add_argument("--days", type=int, default=183)
    gen.add_argument("--force", action="store_true", help=_("replace --out if it exists"))
    gen.add_argument(
        "--scale",
        choices=["showroom", "large"],
        default="showroom",
        help=_(
            "showroom: one shop's half year through the services; large: "
            "a dealer group's five years for the benchmark"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Generate the demo (or the benchmark's large data set) at ``--out``."""
    from deskterm.demo.generate import generate

    if args.days < 1 or args.days > 3660:
        raise InvalidInput("--days must be between 1 and 3660.", field="days")
    out = Path(args.out)
    if (out.exists() or out.is_symlink()) and not args.force:
        # The default --out is deskterm.db.sample in the current folder: a shop's own copy
        # of the sample, or any file named there, is replaced only when asked to.
        raise RuleViolation(
            "{path} already exists: nothing was written. Choose another --out, or add "
            "--force to replace it.",
            field="out",
            path=str(out),
        )
    if args.scale == "large":
        from deskterm.demo.large import generate_large

        print(_("Generating the large data set (about a minute)…"))
        out = generate_large(out, seed=args.seed, progress=True)
        print(
            _(
                "Demo database written to {path} ({size} KB).",
                path=out,
                size=out.stat().st_size // 1024,
            )
        )
        return EXIT_OK
    print(_("Generating {days} days of showroom history…", days=args.days))
    out = generate(out, seed=args.seed, days=args.days, progress=True)
    print(
        _("Demo database written to {path} ({size} KB).", path=out, size=out.stat().st_size // 1024)
    )
    return EXIT_OK
