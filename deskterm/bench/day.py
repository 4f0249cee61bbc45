"""The length of the day: what a walk-in, a done and the board cost early in a busy day and
late in it (issue 24: "a walk-in at the 500th event of a 64-person day costs what it
costs at the 5th").

``python -m deskterm.bench --day [--team 64] [--events 500] [--server ADDRESS]`` builds a
fresh showroom (a temporary SQLite file, or a fresh schema on the server), checks the
whole team in, lets walk-ins come and go, and times every walk-in, done and board read
at the log's length when it happened. The floor of the same run is the same action on
the same board early in the day (the 40 events after the check-ins); the figure is the
action around the 500th event, and its target is at most 1.5× the floor. Beside it, the
same late walk-in with the day's snapshot dropped first (the whole log replayed, as
every action did before the snapshot) shows what the snapshot saves.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from deskterm.bench.common import Figure

NOW = datetime(2026, 11, 20, 9, 0)
#: A late walk-in may cost at most this many times an early one.
MAX_RATIO = 1.5
#: The early window: this many log events after the team checked in; the late one: this
#: many before the last.
EARLY = 40
LATE_WINDOW = 25


@dataclass
class Timings:
    """Every timed action: (log events before it, milliseconds)."""

    walk_in: list[tuple[int, float]]
    done: list[tuple[int, float]]
    board: list[tuple[int, float]]
    replayed_walk_in: list[tuple[int, float]]


def _open(server: str | None, folder: Path, prefix: str) -> Any:
    from deskterm.clock import FixedClock
    from deskterm.services.maintenance import open_context

    if server is None:
        return open_context(str(folder / "day.db"), FixedClock(NOW))
    import psycopg

    from deskterm.bench.group import schema_address

    name = f"{prefix}day"
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        con.execute(f'CREATE SCHEMA "{name}"')
    return open_context(schema_address(server, name), FixedClock(NOW))


def run_day(ctx: Any, team: int, events: int) -> Timings:
    """Play a busy day on ``ctx``'s fresh showroom up to ``events`` log events; time it."""
    from datetime import timedelta

    from deskterm.services import rotation, setup
    from deskterm.storage import rotation_snapshot

    def drop_rotation_snapshot() -> None:
        # Straight on the table: the bench's own "before", no desk ever does this.
        with ctx.db.write() as s:
            rotation_snapshot.drop(s)

    setup.set_setting(ctx, "auth.mode", "open")
    # Forms are not the subject here (and would hold everybody out, unsaved).
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    ids = [setup.add_staff(ctx, f"Salesperson {k + 1}", "salesperson").id for k in range(team)]
    out = Timings([], [], [], [])
    logged = 0

    def timed(into: list[tuple[int, float]], fn: Callable[[], Any]) -> Any:
        nonlocal logged
        t = time.perf_counter()
        result = fn()
        into.append((logged, (time.perf_counter() - t) * 1000))
        return result

    def step(fn: Callable[[], Any]) -> Any:
        nonlocal logged
        result = fn()
        logged += 1
        return result

    # The whole team on the floor first, so early and late compare the same board: the
    # day's length is the only difference.
    for member in ids:
        step(partial(rotation.check_in, ctx, member))
    serving: list[int] = []
    clock = ctx.clock
    while logged < events:
        clock.set(clock.now() + timedelta(seconds=20))
        board = timed(out.board, lambda: rotation.get_board(ctx))
        if board.next_up is not None and (len(serving) < team // 2 or not serving):
            if logged > team + EARLY and len(out.replayed_walk_in) < len(out.walk_in) // 4:
                # Now and then, the same walk-in with the snapshot gone: a full replay.
                drop_rotation_snapshot()
                arrival = timed(out.replayed_walk_in, lambda: step(lambda: rotation.walk_in(ctx)))
            else:
                arrival = timed(out.walk_in, lambda: step(lambda: rotation.walk_in(ctx)))
            serving.append(arrival.salesperson_id)
        else:
            sid = serving.pop(0)
            timed(out.done, partial(step, partial(rotation.done, ctx, sid)))
    return out


def _around(values: list[tuple[int, float]], low: int, high: int) -> float:
    inside = [ms for n, ms in values if low <= n <= high]
    return statistics.median(inside) if inside else float("nan")


def measure(
    team: int = 64, events: int = 500, server: str | None = None, prefix: str = "deskterm_bench_"
) -> list[Figure]:
    """The day's figures: each action late in the day beside the same action early."""
    with tempfile.TemporaryDirectory(prefix="deskterm-day-") as folder:
        ctx = _open(server, Path(folder), prefix)
        try:
            t = run_day(ctx, team, events)
        finally:
            ctx.db.close()
    late = (events - LATE_WINDOW, events)
    early = (team, team + EARLY)
    early_walk_in = _around(t.walk_in, *early)
    said = f"events {team + 1}–{team + EARLY} (the first walk-ins)"
    where = "PostgreSQL" if server else "SQLite"

    def late_beside_early(what: str, times: list[tuple[int, float]]) -> Figure:
        return Figure(
            f"{what} at event ~{events} of a {team}-person day ({where})",
            _around(times, *late),
            _around(times, *early),
            f"{what} at {said}",
            MAX_RATIO,
        )

    return [
        late_beside_early("walk-in", t.walk_in),
        late_beside_early("done", t.done),
        late_beside_early("board read", t.board),
        Figure(
            f"walk-in at event ~{events} replaying the log, no snapshot ({where})",
            _around(t.replayed_walk_in, events - 4 * LATE_WINDOW, events),
            early_walk_in,
            "the early walk-in (not a target: what the snapshot saves)",
        ),
    ]
