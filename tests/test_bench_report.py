"""The meeting report's bench figure in small (issue 20): on a small generated shop, the
report stays within a few times its floor (the same figures by the fewest aggregate
statements on the bare driver), and the two give the same numbers.

Ratios, not times: a busy CI machine slows both alike. The margin is three times the
bench's target (3×), so noise never fails it; on a shop this small a statement costs
microseconds, so the ratio alone misses a read per salesperson (tried: 1.5 → 1.6) and
one lost index (callbacks scanned: 1.5 → 5.9). Two exact checks beside it catch those:
the report runs a fixed number of statements, and only the one pass over the customers
that the floor makes too reads a table whole.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from dateutil import parser as date_parser
from sqlalchemy import event

from deskterm.bench import report as bench
from deskterm.clock import FixedClock
from deskterm.services.maintenance import open_context
from deskterm.services.report import daily_report

ROOT = Path(__file__).resolve().parent.parent
MARGIN = 3  # times the bench's target ratio


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated shop of 4,000 customers (the large data set at 2 %)."""
    from deskterm.demo.large import generate_large

    return generate_large(tmp_path_factory.mktemp("bench") / "shop.db", scale=0.02)


def _numbers_of(path: Path) -> tuple[bench.Numbers, bench.Numbers]:
    """(the report's numbers, the floor's) for today on ``path``."""
    ctx = open_context(path, FixedClock(date_parser.isoparse(bench.NOW)), start_of_day=False)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return bench.report_numbers(daily_report(ctx)), bench.Floor(con, False, ctx).numbers()
    finally:
        con.close()
        ctx.db.close()


def test_the_report_is_within_its_margin_of_the_floor(shop):
    (figure,) = bench.measure(shop, runs=31)
    assert figure.floor_of == "fewest aggregate statements, raw sqlite3"
    assert figure.max_ratio == 3
    assert figure.ratio is not None and figure.ratio <= MARGIN * figure.max_ratio, figure


def _statements(ctx, call: Callable[[], object]) -> list[str]:
    """Every SELECT ``call`` ran on ``ctx``'s database, values bound in."""
    seen: list[str] = []

    def on_connect(dbapi_con, _record) -> None:
        dbapi_con.set_trace_callback(
            lambda sql: seen.append(sql) if sql.lstrip().upper().startswith("SELECT") else None
        )

    ctx.db.engine.dispose()  # fresh connections, each traced from its first statement
    event.listen(ctx.db.engine, "connect", on_connect)
    try:
        call()
    finally:
        event.remove(ctx.db.engine, "connect", on_connect)
        ctx.db.engine.dispose()
    return seen


def test_a_few_statements_each_reading_by_index(shop):
    """No read per salesperson or per customer, and no big table read whole but the
    customers, once (won_at has no index; the floor reads them whole too)."""
    ctx = open_context(shop, FixedClock(date_parser.isoparse(bench.NOW)), start_of_day=False)
    try:
        statements = _statements(ctx, lambda: daily_report(ctx))
    finally:
        ctx.db.close()
    assert 5 < len(statements) <= 16, statements
    raw = sqlite3.connect(f"file:{shop}?mode=ro", uri=True)
    try:
        plans = [
            " | ".join(r[-1] for r in raw.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in statements
        ]
    finally:
        raw.close()
    scans = [
        p
        for p in plans
        if "SCAN" in p and not p.startswith(("SCAN setting", "SCAN staff", "SCAN level"))
    ]
    assert scans == ["SCAN customer"], scans


def test_the_floor_gives_the_reports_numbers(shop):
    ours, floor = _numbers_of(shop)
    assert bench.differences(ours, floor) == []
    # Not a comparison of empty reports.
    assert ours.team["callbacks_due"] > 0 and ours.team["window_won"] > 0
    assert sum(ours.levels[None].values()) > 1000


def test_the_floor_gives_the_reports_numbers_on_the_sample_shop(tmp_path):
    """The committed sample: at-risk customers, customers due for reassignment, test
    drives, a level the rules have moved on since the last start of day."""
    path = tmp_path / "sample.db"
    shutil.copyfile(ROOT / "deskterm.db.sample", path)
    ours, floor = _numbers_of(path)
    assert bench.differences(ours, floor) == []
    assert ours.levels[None]


@pytest.mark.postgresql_only
def test_on_the_server_too(database, tmp_path):
    """The same figure on PostgreSQL: a copy of a smaller shop, the floor on psycopg."""
    from deskterm.demo.large import generate_large
    from deskterm.services.maintenance import copy_to

    path = generate_large(tmp_path / "shop.db", scale=0.01)
    source = open_context(path, FixedClock(date_parser.isoparse(bench.NOW)), start_of_day=False)
    try:
        copy_to(source, database)
    finally:
        source.db.close()
    (figure,) = bench.measure(path, runs=15, server=database)
    assert figure.floor_of == "fewest aggregate statements, raw psycopg"
    assert figure.ratio is not None and figure.ratio <= MARGIN * 3, figure
