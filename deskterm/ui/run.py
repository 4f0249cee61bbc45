"""Running the Textual app on an opened context (the CLI's default command)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cheap to import: the CLI pauses the collector before the big imports
    from deskterm.services.context import Context
    from deskterm.ui.read_ahead import ReadAhead


def pause_gc() -> None:
    """Turn Python's cycle collector off until the first screen is up.

    Measured on a dealer group's file: collections during start-up cost ~120 ms, a full
    one landing in the first paint alone ~60 ms (the heap is large with SQLAlchemy's and
    pydantic's objects): most of the app's start-up beyond a bare Textual app's. The
    app turns it back on a second after it starts, freezing what was loaded by then
    (classes, modules, the screen), so later collections never walk those objects again.
    """
    gc.disable()


def run_app(ctx: Context, ahead: ReadAhead | None = None) -> int:
    """Run the app until the user quits; returns the exit code. ``ahead``: the first
    load, read while the app was imported (a server's; see ui.read_ahead)."""
    from deskterm.ui.app import create_app

    pause_gc()  # usually already paused by the CLI, before its imports
    app = create_app(ctx, read_ahead=ahead)
    app.run()
    return app.return_code or 0
