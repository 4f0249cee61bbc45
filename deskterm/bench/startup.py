"""Start-up: how long ``deskterm`` takes to show the Reception screen's first load, beside
a bare Textual app (the floor), and the app's resident memory.

``measure(db, runs)`` runs the two probes below in fresh processes, in turn, and returns
the figures; ``python -m deskterm.bench.startup [--db FILE] [--runs N]`` prints them
(on a scratch copy of FILE).

The probes: ``python -m deskterm.bench.startup app DB`` reads its arguments as ``deskterm
--db DB`` does, opens deskterm on DB headless and
prints ``ready <seconds since process start> <resident MB> <board rows>`` once the
reception screen shows its first load (it gives up after a minute rather than hang);
``... bare`` does the same for a bare Textual app that imports sqlmodel (the floor:
what any Textual app on this stack pays before doing anything; the minimal app
measured in shared/ENGINEERING-NOTES.md). Both read /proc (Linux).
"""

from __future__ import annotations

# The probes run this module too: it imports at the top only what they need, so neither
# pays for the measuring (the rest is imported in the functions that measure).
import asyncio
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from deskterm.bench.common import Figure

NOW = "2026-11-20T10:40"
#: The start-up's target: at most this many times the bare app's.
MAX_RATIO = 1.15
#: Resident memory of the app on the large database (no floor to compare with: the bare
#: app holds no data).
MEMORY_LIMIT_MB = 150.0


def _probe(*args: str) -> tuple[float, float, int]:
    """One probe in a fresh process: (seconds to ready, resident MB, rows on the board)."""
    import subprocess

    env = {**os.environ, "DESKTERM_NOW": NOW}
    # Compiled modules, as an installed deskterm has them (pip compiles at install):
    # with PYTHONDONTWRITEBYTECODE set (the development machine sets it), every probe
    # compiled deskterm's own ~60 modules again, ~500M instructions (callgrind), ~0.1 s
    # that no desk spends, while the floor's libraries came compiled. The warm-up
    # writes them (into __pycache__, as Python does by default).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run(
        [sys.executable, "-m", "deskterm.bench.startup", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("ready")), None)
    if line is None:
        raise RuntimeError(f"start-up probe failed: {out.stderr[-2000:]}")
    _, seconds, rss, board_rows = line.split()
    return float(seconds), float(rss), int(board_rows)


def measure(db: Path, runs: int, server: str | None = None) -> list[Figure]:
    """The start-up and memory figures of the app on ``db`` (a scratch copy: the app may
    write, as a desk does), or on ``server`` (a postgresql:// address holding a copy).

    The app and the bare app are probed in turn (a busier moment weighs on both), at
    least 7 times each, after one warm-up of each (the file in the OS's cache).
    """
    import statistics

    from deskterm.bench.common import Figure

    target = server or str(db)
    pairs = max(7, runs // 2)  # a start-up is ~1 s: fewer samples than the fast figures
    _probe("app", target)
    _probe("bare")
    apps, bares = [], []
    for _ in range(pairs):
        apps.append(_probe("app", target))
        bares.append(_probe("bare"))
    on_board = apps[-1][2]
    return [
        Figure(
            f"start-up to the first interactive screen (headless; {on_board} on the board)",
            statistics.median(s for s, _, _ in apps),
            floor=statistics.median(s for s, _, _ in bares),
            floor_of=f"the minimal app, {pairs} alternated probes",
            max_ratio=MAX_RATIO,
            unit="s",
        ),
        Figure(
            "resident memory of the app on the large database",
            max(r for _, r, _ in apps),
            floor=max(r for _, r, _ in bares),
            floor_of="the minimal app",
            limit=MEMORY_LIMIT_MB,
            unit="MB",
        ),
    ]


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
    from deskterm.cli.main import desk_args
    from deskterm.ui.run import pause_gc

    args = desk_args(["--db", path])  # read as `deskterm --db PATH` reads its arguments
    assert args is not None
    pause_gc()  # as `deskterm` does before its imports (the app turns it back on)
    from deskterm.cli.database import opened
    from deskterm.ui import read_ahead

    # Opened exactly as `deskterm` opens it (cli.desk): the header and schema read, not
    # every page; the start of day and the full check run in the app after the first paint.
    # The UI imported after the open, a server's first load read ahead meanwhile.
    with opened(args, start_of_day=False, thorough=False) as ctx:
        ahead = read_ahead.start(ctx)
        from deskterm.ui.app import create_app

        await _ready(create_app(ctx, blink=False, read_ahead=ahead))


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


def main(argv: list[str] | None = None) -> int:
    """Measure on a scratch copy of ``--db`` and print the figures; 1 if one is missed."""
    import argparse
    import sqlite3
    import tempfile
    from pathlib import Path

    from deskterm.bench.common import amount

    p = argparse.ArgumentParser(prog="python -m deskterm.bench.startup")
    default = Path(tempfile.gettempdir()) / "deskterm-large.db"
    p.add_argument("--db", type=Path, default=default, help="the large database")
    p.add_argument("--runs", type=int, default=14, help="twice the probes of each app")
    args = p.parse_args(argv)
    if sys.platform != "linux":
        print("The start-up probe reads /proc: it runs on Linux only.")
        return 2
    with tempfile.TemporaryDirectory(prefix="deskterm-bench-") as folder:
        scratch = Path(folder) / "bench.db"
        src, dst = sqlite3.connect(args.db), sqlite3.connect(scratch)
        src.backup(dst)
        src.close()
        dst.close()
        figures = measure(scratch, args.runs)
    for f in figures:
        floor = "" if f.floor is None else f" | floor {amount(f.floor, f.unit)} ({f.floor_of})"
        ratio = "" if f.ratio is None else f" | ratio {f.ratio:.2f}"
        met = "met" if f.met else "MISSED"
        print(f"{f.measure}: {amount(f.value, f.unit)}{floor}{ratio} | {f.target_text()} {met}")
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["app"]:
        asyncio.run(_app(sys.argv[2]))
    elif sys.argv[1:2] == ["bare"]:
        asyncio.run(_bare())
    else:
        sys.exit(main())
