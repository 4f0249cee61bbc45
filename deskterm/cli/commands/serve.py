"""``deskterm serve``: the desk in a browser on the shop network (sign-in with a PIN).

The server itself is ``deskterm.cli.serve`` (the ``serve`` extra); this is its command."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_OK, add_command
from deskterm.cli.database import opened, target
from deskterm.errors import DesktermError, InvalidInput, RuleViolation
from deskterm.i18n import _

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """``deskterm serve [--host] [--port] [--max-sessions]``."""
    srv = add_command(
        subparsers,
        "serve",
        help=_("open deskterm in a browser on the shop network (sign-in with a PIN required)"),
    )
    srv.add_argument(
        "--host",
        default="localhost",
        help=_(
            "address to listen on (default: localhost, this PC only; 0.0.0.0 for the shop network)"
        ),
    )
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument(
        "--max-sessions",
        type=int,
        default=6,
        help=_(
            "desks open in browsers at once (default: 6); a desk nobody signs in to "
            "ends after 5 minutes"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C: each browser gets its own ``deskterm --remote``."""
    import shlex

    from deskterm.services import auth

    try:
        from deskterm.cli.serve import DeskServer
    except ImportError:
        raise DesktermError(
            "Browser access needs the serve extra: pip install 'deskterm[serve]'."
        ) from None
    if getattr(args, "demo", False):
        raise InvalidInput("The demo has no PINs: serve a shop's database (--db).", field="demo")
    if not 0 < args.port < 65536:
        raise InvalidInput("--port must be between 1 and 65535.", field="port")
    if not 0 < args.max_sessions <= 100:
        raise InvalidInput("--max-sessions must be between 1 and 100.", field="max_sessions")
    with opened(args, must_exist=True, start_of_day=False) as ctx:
        if not auth.anyone_has_pin(ctx):
            raise RuleViolation(
                "Browser access needs sign-in, and nobody has a PIN yet: "
                "set one first (deskterm staff pin NAME)."
            )
        where = ctx.db.path.resolve() if ctx.db.path else target(args)
    # Every browser's app finds the database in its environment: a server's address may
    # hold a password, which a command line would show to every user of this PC.
    os.environ["DESKTERM_DB"] = str(where)
    command = shlex.join(
        [
            sys.executable,
            "-m",
            "deskterm",
            "--remote",
            *(["--lang", args.lang] if getattr(args, "lang", None) else []),
        ]
    )
    if args.host not in ("localhost", "127.0.0.1", "::1"):
        print(
            _(
                "Listening on {host}: anyone on this network can open the sign-in page.",
                host=args.host,
            )
        )
    print(
        _(
            "deskterm in the browser: http://{host}:{port} (Ctrl+C stops)",
            host=args.host,
            port=args.port,
        ),
        flush=True,
    )
    DeskServer(
        command,
        max_sessions=args.max_sessions,
        host=args.host,
        port=args.port,
        title="deskterm",
    ).serve()
    return EXIT_OK
