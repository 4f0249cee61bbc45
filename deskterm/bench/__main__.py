"""``python -m deskterm.bench [--db FILE] [--runs N] [--server ADDRESS]``: the speed and
memory figures.

Each figure is a median, printed beside its target and, where there is one, a floor
measured in the same run (a bare Textual app; the same query in raw sqlite3, or raw
psycopg). The large database comes from ``deskterm demo generate --scale large`` (made
if missing). Each write is made on a scratch copy, never on the file you pass. With
``--server``, the scratch copy is first copied (``deskterm copy-to``) into that empty
PostgreSQL database or schema, and every figure is measured there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dateutil import parser as date_parser

from deskterm.clock import FixedClock

DEFAULT_DB = Path(tempfile.gettempdir()) / "deskterm-large.db"
NOW = "2026-11-20T10:40"


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the caches once, as a desk that has been open a minute has
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _probe(*args: str) -> tuple[float, float, int]:
    env = {**os.environ, "DESKTERM_NOW": NOW}
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


def measure(
    db: Path, runs: int, server: str | None = None
) -> list[tuple[str, str, str, str, bool]]:
    """Rows of (what, median, floor, target, met); on ``server`` if one is named."""
    from deskterm.services import analysis, callbacks, customers, reception, rotation, setup
    from deskterm.services.maintenance import open_context
    from deskterm.services.reception import ReceptionForm
    from deskterm.services.report import daily_report
    from deskterm.storage import queries

    rows: list[tuple[str, str, str, str, bool]] = []
    # Everything runs on a scratch copy: even the start-up probe may write (the start
    # of day closes a day left open), and the file passed must stay as it was.
    scratch = Path(tempfile.mkdtemp(prefix="deskterm-bench-")) / "bench.db"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(scratch)
    src.backup(dst)
    src.close()
    dst.close()
    target: str = str(scratch)
    if server is not None:
        from deskterm.services.maintenance import copy_to

        t0 = time.perf_counter()
        source = open_context(scratch, FixedClock(date_parser.isoparse(NOW)), start_of_day=False)
        try:
            copied = sum(copy_to(source, server).values())
        finally:
            source.db.close()
        print(
            f"Copied {copied:,} rows to the server in {time.perf_counter() - t0:.0f} s.", flush=True
        )
        target = server
    probes = max(5, runs // 2)  # a start-up is ~1 s: fewer samples than the fast figures
    starts, bares = [], []
    for _ in range(probes):  # alternated, so a busier minute weighs on both alike
        starts.append(_probe("app", target))
        bares.append(_probe("bare"))
    app_s = statistics.median(s for s, _, _ in starts)
    bare_s = statistics.median(s for s, _, _ in bares)
    rss = max(r for _, r, _ in starts)
    on_board = starts[-1][2]
    rows.append(
        (
            f"start-up to the first interactive screen (headless; {on_board} on the board)",
            f"{app_s:.2f} s",
            f"{bare_s:.2f} s (ratio {app_s / bare_s:.2f})",
            "≤ 1.5 s and ratio ≤ 1.3",
            app_s <= 1.5 and app_s / bare_s <= 1.3,
        )
    )
    rows.append(
        (
            "resident memory of the app on the large database",
            f"{rss:.0f} MB",
            f"{max(r for _, r, _ in bares):.0f} MB",
            "≤ 150 MB",
            rss <= 150,
        )
    )

    clock = FixedClock(date_parser.isoparse(NOW))
    ctx = open_context(target, clock, start_of_day=False)  # the file, or the server
    # Walk-ins without forms would hold everybody out (the unsaved-form rule).
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    try:
        today = ctx.today()
        sellers = setup.list_staff(ctx, "salesperson")
        sid = sellers[0].id

        def walk_in_and_board() -> None:
            a = rotation.walk_in(ctx)
            rotation.get_board(ctx)
            rotation.done(ctx, a.salesperson_id)
            rotation.get_board(ctx)

        ms = _median_ms(walk_in_and_board, runs) / 2  # two key presses: walk-in, done
        rows.append(
            ("next-up takes a walk-in → board reloaded", f"{ms:.1f} ms", "", "≤ 50 ms", ms <= 50)
        )

        due = _median_ms(lambda: callbacks.due_callbacks(ctx, sid), runs)
        _, end = ctx.day_range_utc(today)
        # The floor: the very statement the service runs, on the bare driver (the service
        # also reads the level rules and works out each customer's escalation countdown).
        raw: Any
        if server is None:
            raw = sqlite3.connect(f"file:{scratch}?mode=ro", uri=True)
            floor_of = "raw sqlite3"
            raw_ms = _median_ms(
                lambda: raw.execute(
                    queries.DUE_CALLBACKS_SQL, (sid, queries.to_stored(end))
                ).fetchall(),
                runs,
            )
        else:
            import psycopg

            raw = psycopg.connect(ctx.db.conninfo, autocommit=True)  # type: ignore[attr-defined]
            floor_of = "raw psycopg"
            sql = queries.postgresql_sql(queries.DUE_CALLBACKS_SQL)
            raw_ms = _median_ms(lambda: raw.execute(sql, (sid, end)).fetchall(), runs)
        n_due = len(callbacks.due_callbacks(ctx, sid))
        rows.append(
            (
                f"callbacks due today, one salesperson ({n_due} rows)",
                f"{due:.2f} ms",
                f"{raw_ms:.3f} ms {floor_of} (×{due / raw_ms:.1f})",
                "≤ 1 ms and ≤ 5× raw",
                due <= 1 and due / raw_ms <= 5,
            )
        )

        phone = _median_ms(lambda: customers.search(ctx, "13112"), runs)
        name = _median_ms(lambda: customers.search(ctx, "王伟"), runs)
        rows.append(
            ("customer search by phone digits", f"{phone:.1f} ms", "", "≤ 20 ms", phone <= 20)
        )
        rows.append(
            ("customer search by name fragment", f"{name:.1f} ms", "", "≤ 20 ms", name <= 20)
        )

        report = _median_ms(lambda: daily_report(ctx), max(3, runs // 4))
        rows.append(("daily meeting report", f"{report:.0f} ms", "", "≤ 300 ms", report <= 300))
        first = today.replace(day=1)
        month = _median_ms(
            lambda: analysis.reasons(ctx, "no_contact", first, today), max(3, runs // 4)
        )
        rows.append(("monthly reasons analysis", f"{month:.0f} ms", "", "≤ 1000 ms", month <= 1000))

        counter = iter(range(10**6))

        def save_form() -> None:
            a = rotation.walk_in(ctx)
            n = next(counter)
            t = time.perf_counter()
            reception.save_form(
                ctx,
                a.reception_id,
                ReceptionForm(name=f"Bench {n}", phone=f"1580000{n:04d}", purchase_horizon="1m"),
            )
            save_times.append((time.perf_counter() - t) * 1000)
            rotation.done(ctx, a.salesperson_id)

        save_times: list[float] = []
        for _ in range(runs + 1):
            save_form()
        save = statistics.median(save_times[1:])
        rows.append(
            (
                "saving a reception form durably ("
                + ("a server commit" if server else "WAL, synchronous=FULL")
                + ", audit)",
                f"{save:.1f} ms",
                "",
                "≤ 20 ms",
                save <= 20,
            )
        )
        raw.close()
    finally:
        ctx.db.close()
        shutil.rmtree(scratch.parent, ignore_errors=True)
    return rows


def to_table(rows: list[tuple[str, str, str, str, bool]]) -> str:
    """The figures as a Markdown table (what README shows)."""
    lines = ["| measure | median | floor (same run) | target | met |", "|---|---:|---|---|---|"]
    lines += [
        f"| {w} | {m} | {f or '-'} | {t} | {'yes' if ok else '**no**'} |" for w, m, f, t, ok in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table; exit 1 if a target was missed."""
    p = argparse.ArgumentParser(prog="python -m deskterm.bench")
    p.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        help="the large database (made with --scale large if missing)",
    )
    p.add_argument("--runs", type=int, default=21)
    p.add_argument(
        "--server",
        metavar="ADDRESS",
        help="measure on PostgreSQL: an empty database or schema (postgresql://…) "
        "that is filled with a copy of --db and left so",
    )
    args = p.parse_args(argv)
    if not args.db.exists():
        from deskterm.demo.large import generate_large

        print(f"Generating the large database at {args.db} (about a minute)…", flush=True)
        generate_large(args.db, progress=True)
    rows = measure(args.db, args.runs, args.server)
    print(to_table(rows))
    return 0 if all(ok for *_rest, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
