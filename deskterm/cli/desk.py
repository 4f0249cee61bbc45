"""``deskterm`` with no command: the desk itself (the Textual app)."""

from __future__ import annotations

import argparse

from deskterm.cli.database import opened
from deskterm.cli.restoring import restore_and_say


def run(args: argparse.Namespace) -> int:
    """Open the app on the database the arguments name; its exit code is deskterm's."""
    from deskterm.ui.run import pause_gc, run_app

    pause_gc()  # before the big imports (the app turns it back on once it is up)
    from deskterm.ui import read_ahead

    demo = bool(getattr(args, "demo", False))
    # The app starts the day, checks the file and shows warnings after its first paint.
    # The app reads the header and schema first; quick_check runs after the first screen.
    # The database is opened before the UI is imported (run_app imports it): a server's
    # first load is read in a thread meanwhile (ui.read_ahead).
    with opened(args, start_of_day=False, thorough=False, discard_demo=True) as ctx:
        ctx.remote = bool(getattr(args, "remote", False))
        code = run_app(ctx, read_ahead.start(ctx))
    from deskterm.ui.app import EXIT_RESTORE

    if code == EXIT_RESTORE and not demo and ctx.db.path is not None:
        restore_and_say(ctx.db.path, None)
        return run(args)
    return code
