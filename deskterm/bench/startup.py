"""Start-up probes, each run in a fresh process by the benchmark.

``python -m deskterm.bench.startup app DB`` opens deskterm on DB headless and prints
``ready <seconds since process start> <resident MB> <board rows>`` once the reception
screen shows its first load (it gives up after a minute rather than hang);
``... bare`` does the same for a bare Textual app that imports sqlmodel (the floor:
what any Textual app on this stack pays before doing anything; the minimal app
measured in shared/ENGINEERING-NOTES.md).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any


def _since_start() -> float:
    """Seconds since this process started (from /proc; import time included)."""
    with open("/proc/self/stat", encoding="ascii") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime", encoding="ascii") as f:
        uptime = float(f.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _app(path: str) -> None:
    from deskterm.ui.run import pause_gc

    pause_gc()  # as `deskterm` does before its imports (the app turns it back on)
    import argparse

    from deskterm.cli.database import opened
    from deskterm.ui.app import create_app

    # Opened exactly as `deskterm` opens it (cli.desk): the header and schema read, not
    # every page; the start of day and the full check run in the app after the first paint.
    with opened(argparse.Namespace(db=path), start_of_day=False, thorough=False) as ctx:
        await _ready(create_app(ctx, blink=False))


async def _ready(app: Any) -> None:
    """Run ``app`` headless until the reception screen's first load is painted."""
    from textual.widgets import DataTable

    async with app.run_test(size=(160, 45)) as pilot:
        deadline = asyncio.get_running_loop().time() + 60
        # Ready = the board and arrivals of the first load are on screen.
        while getattr(app.screen, "board", None) is None:
            if asyncio.get_running_loop().time() > deadline:
                sys.exit("the reception screen did not load within a minute")
            await pilot.pause(0.005)
        await pilot.pause()  # the rows applied by that load are painted
        rows = app.screen.query_one("#board", DataTable).row_count
        print(f"ready {_since_start():.4f} {_rss_mb():.1f} {rows}", flush=True)


async def _bare() -> None:
    import sqlmodel  # noqa: F401  the same stack's import cost
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header, Input

    class Bare(App[None]):
        """The minimal app of ENGINEERING-NOTES: Header, Input, 50-row DataTable, Footer."""

        def compose(self) -> ComposeResult:
            yield Header()
            yield Input()
            yield DataTable(id="board")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("#", "name", "state")
            table.add_rows((str(i), f"Salesperson {i}", "free") for i in range(50))

    app = Bare()
    async with app.run_test(size=(160, 45)) as pilot:
        while not app.query_one(DataTable).row_count:
            await pilot.pause(0.005)
        await pilot.pause()  # painted, as the app's probe waits for
        print(f"ready {_since_start():.4f} {_rss_mb():.1f} 50", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "app":
        asyncio.run(_app(sys.argv[2]))
    else:
        asyncio.run(_bare())
