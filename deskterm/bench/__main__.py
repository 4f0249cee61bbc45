"""``python -m deskterm.bench [--db FILE] [--runs N] [--server ADDRESS] [--growth]
[--scale]``: the speed and memory figures, each beside a floor measured in the same run.
(``--server ADDRESS --group SHOPSxDESKS [--latency MS]``: the group load bench, see
:mod:`deskterm.bench.group`.)

Each figure is a median, printed with its floor — the same work done the plainest way
(a bare Textual app; the same statement on the bare driver; an FTS5 or pg_trgm query;
the fewest aggregate statements; an ``executemany``; openpyxl's own write-only mode) —
and its target as a ratio to that floor, so a slower or busier machine moves both alike.
The large database comes from ``deskterm demo generate --scale large`` (made if
missing). Every write is made on a scratch copy, never on the file you pass. With
``--server``, the scratch copy is first copied (``deskterm copy-to``) into that empty
PostgreSQL database or schema, and every figure is measured there. ``--growth`` measures
the desk's keys at 10,000, 50,000 and 200,000 customers (and 1,000,000 with ``--scale``)
and prints how each grows.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dateutil import parser as date_parser

from deskterm.bench.common import Figure, amount, median_ms
from deskterm.clock import FixedClock
from deskterm.errors import DesktermError

DEFAULT_DB = Path(tempfile.gettempdir()) / "deskterm-large.db"
NOW = "2026-11-20T10:40"

#: Customers at each point of the growth curve (the last only with --scale).
GROWTH = (10_000, 50_000, 200_000)
GROWTH_SCALE = 1_000_000
#: A desk key may grow at most this much from the smallest shop to the largest: a
#: logarithmic cost grows ~1.3× from 10,000 to 200,000 customers (2× with the noise of a
#: shared machine); a square root would be 4.5×, a linear one 20×.
GROWTH_LIMIT = 2.0


def scratch_copy(db: Path) -> Path:
    """A private copy of ``db`` (sqlite3's backup: consistent even while it is in use)."""
    scratch = Path(tempfile.mkdtemp(prefix="deskterm-bench-")) / "bench.db"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(scratch)
    src.backup(dst)
    src.close()
    dst.close()
    return scratch


def _durable_commit_floor(scratch: Path) -> Callable[[], None]:
    """One row inserted and committed durably on the bare driver (WAL, synchronous=FULL):
    what any key that saves must pay at least. Printed beside the keys for scale, not
    judged as a ratio: a walk-in writes the day's event, the reception and the audit
    trail and reads the board back, a dozen statements against this one; the keys are
    judged by their limit and by how they grow (--growth)."""
    con = sqlite3.connect(scratch, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, at TEXT)")

    def commit() -> None:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO bench_floor (at) VALUES ('x')")
        con.execute("COMMIT")

    return commit


def desk_keys(target: str, scratch: Path, runs: int, server: str | None) -> list[Figure]:
    """The desk's keys: next-up, the due list, saving a form (search: bench.search)."""
    from deskterm.services import callbacks, reception, rotation, setup
    from deskterm.services.maintenance import open_context
    from deskterm.services.reception import ReceptionForm
    from deskterm.storage import queries

    figures: list[Figure] = []
    clock = FixedClock(date_parser.isoparse(NOW))
    ctx = open_context(target, clock, start_of_day=False)  # the file, or the server
    # Walk-ins without forms would hold everybody out (the unsaved-form rule).
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    raw: Any = None
    try:
        today = ctx.today()
        sid = setup.list_staff(ctx, "salesperson")[0].id
        if server is None:
            commit = _durable_commit_floor(scratch)
            commit_of = "one durable commit, raw sqlite3"
        else:
            import psycopg

            pg: Any = psycopg.connect(ctx.db.conninfo)  # type: ignore[attr-defined]
            pg.execute("CREATE TEMP TABLE bench_floor (id serial PRIMARY KEY, at text)")
            pg.commit()

            def commit() -> None:
                pg.execute("INSERT INTO bench_floor (at) VALUES ('x')")
                pg.commit()

            commit_of = "one commit, raw psycopg"
        floor_commit = median_ms(commit, runs)

        def walk_in_and_board() -> None:
            a = rotation.walk_in(ctx)
            rotation.get_board(ctx)
            rotation.done(ctx, a.salesperson_id)
            rotation.get_board(ctx)

        ms = median_ms(walk_in_and_board, runs) / 2  # two key presses: walk-in, done
        figures.append(
            Figure(
                "next-up takes a walk-in → board reloaded",
                ms,
                floor_commit,
                commit_of,
                limit=50,
            )
        )

        _, end = ctx.day_range_utc(today)
        # The floor: the very statement the service runs, on the bare driver (the service
        # also reads the level rules and works out each customer's escalation countdown).
        if server is None:
            raw = sqlite3.connect(f"file:{scratch}?mode=ro", uri=True)
            floor_of = "the same statement, raw sqlite3"
            stored = queries.to_stored(end)
            due_floor = median_ms(
                lambda: raw.execute(queries.DUE_CALLBACKS_SQL, (sid, stored)).fetchall(), runs
            )
        else:
            import psycopg

            raw = psycopg.connect(ctx.db.conninfo, autocommit=True)  # type: ignore[attr-defined]
            floor_of = "the same statement, raw psycopg"
            sql = queries.postgresql_sql(queries.DUE_CALLBACKS_SQL)
            due_floor = median_ms(lambda: raw.execute(sql, (sid, end)).fetchall(), runs)
        due = median_ms(lambda: callbacks.due_callbacks(ctx, sid), runs)
        n_due = len(callbacks.due_callbacks(ctx, sid))
        figures.append(
            Figure(
                f"callbacks due today, one salesperson ({n_due} rows)",
                due,
                due_floor,
                floor_of,
                max_ratio=5,
            )
        )

        counter = iter(range(10**6))
        save_times: list[float] = []

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

        for _ in range(runs + 1):
            save_form()
        figures.append(
            Figure(
                "saving a reception form durably ("
                + ("a server commit" if server else "WAL, synchronous=FULL")
                + ", audit)",
                statistics.median(save_times[1:]),
                floor_commit,
                commit_of,
                limit=20,
            )
        )
    finally:
        if raw is not None:
            raw.close()
        ctx.db.close()
    return figures


def _copy_to_server(scratch: Path, server: str) -> None:
    from deskterm.services.maintenance import copy_to, open_context

    t0 = time.perf_counter()
    source = open_context(scratch, FixedClock(date_parser.isoparse(NOW)), start_of_day=False)
    try:
        copied = sum(copy_to(source, server).values())
    finally:
        source.db.close()
    print(f"Copied {copied:,} rows to the server in {time.perf_counter() - t0:.0f} s.", flush=True)


def measure(db: Path, runs: int, server: str | None = None) -> list[Figure]:
    """Every figure, on a scratch copy of ``db`` (or on ``server``, a copy of it)."""
    from deskterm.bench import report, search, sheets, startup

    scratch = scratch_copy(db)
    try:
        target: str = str(scratch)
        if server is not None:
            _copy_to_server(scratch, server)
            target = server
        figures = startup.measure(scratch, runs, server)
        figures += desk_keys(target, scratch, runs, server)
        figures += search.measure(scratch, runs, server)
        figures += report.measure(scratch, runs, server)
        figures += sheets.measure(scratch, runs, server)
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)
    return figures


def growth(runs: int, sizes: Sequence[int], folder: Path) -> list[tuple[str, list[float]]]:
    """The desk's keys (and the report) at each number of customers: (measure, medians)."""
    from deskterm.bench import report, search
    from deskterm.demo.large import SIZES, generate_large

    curve: dict[str, list[float]] = {}
    for n in sizes:
        db = folder / f"growth-{n}.db"
        if not db.exists():
            print(f"Generating {n:,} customers at {db}…", flush=True)
            generate_large(db, scale=n / SIZES["customers"])
        scratch = scratch_copy(db)
        try:
            figures = desk_keys(str(scratch), scratch, runs, None)
            # Searches that return the same (nothing) at every size: a fragment found in a
            # share of the customers returns more of them in a larger shop.
            figures += search.measure(scratch, runs, None, search.NOWHERE)
            figures += report.measure(scratch, max(3, runs // 4), None)
        finally:
            shutil.rmtree(scratch.parent, ignore_errors=True)
        for f in figures:
            what = f.measure.split(" (")[0]  # without the counts, which differ with size
            value = f.value
            if what.startswith("callbacks due today"):
                # A salesperson's due list grows with his customers (60 salespeople at
                # every size): judged per row, as the keys' own cost.
                rows = int(f.measure.split("(")[1].split()[0])
                what, value = "callbacks due today, per row shown", value / max(1, rows)
            curve.setdefault(what, []).append(value)
        print(f"… {n:,} customers measured.", flush=True)
    return list(curve.items())


def growth_table(sizes: Sequence[int], curve: list[tuple[str, list[float]]]) -> str:
    """The growth curve as a Markdown table: each measure at each size, and its growth."""
    head = " | ".join(f"{n:,}" for n in sizes)
    lines = [
        f"| measure (median ms) | {head} | growth ×{sizes[-1] // sizes[0]} customers | met |",
        "|---|" + "---:|" * len(sizes) + "---:|---|",
    ]
    for what, values in curve:
        grown = values[-1] / values[0]
        # The report reads the day's rows, not the customers: it is shown, not judged.
        judged = not what.startswith("daily meeting report")
        met = "yes" if grown <= GROWTH_LIMIT else "**no**"
        cells = " | ".join(amount(v, "ms").removesuffix(" ms") for v in values)
        lines.append(f"| {what} | {cells} | ×{grown:.2f} | {met if judged else '-'} |")
    return "\n".join(lines)


def growth_chart(sizes: Sequence[int], curve: list[tuple[str, list[float]]]) -> str:
    """The growth curve as an SVG line chart (log-log: a straight flat line is constant,
    a slope of 1 linear)."""
    w, h, left, bottom, top, right = 760, 380, 60, 40, 20, 250
    xs = [math.log10(n) for n in sizes]
    values = [v for _, vs in curve for v in vs]
    lo, hi = math.log10(min(values) / 1.5), math.log10(max(values) * 1.5)

    def x(v: float) -> float:
        return left + (v - xs[0]) / ((xs[-1] - xs[0]) or 1) * (w - left - right)

    def y(v: float) -> float:
        return h - bottom - (math.log10(v) - lo) / (hi - lo) * (h - bottom - top)

    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>',
    ]
    for n, xv in zip(sizes, xs, strict=True):
        out.append(f'<text x="{x(xv):.0f}" y="{h - bottom + 15}" text-anchor="middle">{n:,}</text>')
    for p in range(math.floor(lo), math.ceil(hi) + 1):
        if lo <= p <= hi:
            out.append(
                f'<text x="{left - 5}" y="{y(10**p) + 4:.0f}" text-anchor="end">{10**p:g} ms</text>'
            )
    out.append(
        f'<text x="{(w - right) / 2}" y="{h - 5}" text-anchor="middle">customers (log)</text>'
    )
    for i, (what, vs) in enumerate(curve):
        c = colors[i % len(colors)]
        pts = " ".join(f"{x(xv):.1f},{y(v):.1f}" for xv, v in zip(xs, vs, strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        label = what if len(what) <= 38 else what[:37] + "…"
        out.append(f'<text x="{w - right + 8}" y="{top + 14 * i + 10}" fill="{c}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


def to_table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table (what README shows)."""
    lines = [
        "| measure | median | floor (same run) | ratio | target | met |",
        "|---|---:|---|---:|---|---|",
    ]
    for f in figures:
        floor = f"{amount(f.floor, f.unit)} {f.floor_of}" if f.floor is not None else "-"
        ratio = f"×{f.ratio:.2f}" if f.ratio is not None else "-"
        met = "yes" if f.met else "**no**"
        lines.append(
            f"| {f.measure} | {amount(f.value, f.unit)} | {floor} | {ratio} | "
            f"{f.target_text()} | {met} |"
        )
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
    p.add_argument(
        "--growth",
        action="store_true",
        help="measure the desk's keys at 10,000, 50,000 and 200,000 customers",
    )
    p.add_argument("--scale", action="store_true", help="with --growth: also 1,000,000")
    p.add_argument("--chart", type=Path, help="with --growth: write the curve as an SVG here")
    group = p.add_argument_group("the group load bench (with --server)")
    group.add_argument(
        "--group",
        metavar="SHOPSxDESKS",
        help="run this many showrooms' desks at once on --server, such as 8x3",
    )
    group.add_argument(
        "--latency", type=float, default=0.0, metavar="MS", help="added to each round trip"
    )
    group.add_argument("--seconds", type=float, default=60.0, help="how long the desks run")
    group.add_argument("--team", type=int, help="salespeople per showroom (8; with --day: 64)")
    group.add_argument(
        "--walk-ins", type=int, default=240, metavar="N", help="walk-ins an hour per showroom"
    )
    group.add_argument(
        "--prefix",
        default="deskterm_group_",
        help="the showrooms' schemas are this and 1, 2, … (dropped and made afresh)",
    )
    day = p.add_argument_group("the length of the day")
    day.add_argument(
        "--day",
        action="store_true",
        help="time a walk-in, a done and the board early in a busy day and late in it "
        "(on a fresh SQLite file, or a fresh schema on --server)",
    )
    day.add_argument(
        "--events", type=int, default=500, metavar="N", help="with --day: the day's log length"
    )
    args = p.parse_args(argv)
    if args.day:
        from deskterm.bench import day as day_bench

        try:
            figures = day_bench.measure(args.team or 64, args.events, args.server, args.prefix)
        except DesktermError as exc:  # the server out of reach, refused, …
            print(exc.message, file=sys.stderr)
            return 2
        print(to_table(figures))
        return 0 if all(f.met for f in figures) else 1
    if args.group:
        if not args.server:
            p.error("--group runs on a server: give --server postgresql://…")
        from deskterm.bench import group as group_bench

        try:
            return group_bench.main(
                args.server,
                args.group,
                args.latency,
                args.seconds,
                args.team or 8,
                args.walk_ins,
                args.prefix,
            )
        except ValueError as exc:
            p.error(str(exc))
        except DesktermError as exc:  # the server out of reach, refused, …
            print(exc.message, file=sys.stderr)
            return 2
    if sys.platform != "linux":
        print(
            "The benchmark reads /proc for its start-up probe: it runs on Linux only "
            "(the desk itself runs on Windows too)."
        )
        return 2
    if args.growth:
        sizes = [*GROWTH, GROWTH_SCALE] if args.scale else list(GROWTH)
        folder = Path(tempfile.gettempdir())
        curve = growth(args.runs, sizes, folder)
        print(growth_table(sizes, curve))
        if args.chart:
            args.chart.write_text(growth_chart(sizes, curve), encoding="utf-8")
        judged = [vs for what, vs in curve if not what.startswith("daily meeting report")]
        return 0 if all(vs[-1] / vs[0] <= GROWTH_LIMIT for vs in judged) else 1
    if not args.db.exists():
        from deskterm.demo.large import generate_large

        print(f"Generating the large database at {args.db} (about a minute)…", flush=True)
        generate_large(args.db, progress=True)
    figures = measure(args.db, args.runs, args.server)
    print(to_table(figures))
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
