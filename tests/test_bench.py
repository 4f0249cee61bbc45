"""The large data set's shape and the benchmark's table (figures come from a real run)."""

from __future__ import annotations

from dateutil import parser

from deskterm.bench.__main__ import to_table
from deskterm.clock import FixedClock
from deskterm.demo.large import SIZES, generate_large
from deskterm.services import callbacks, setup
from deskterm.services.maintenance import check, open_context
from deskterm.services.report import daily_report


def test_large_data_set_is_deterministic_consistent_and_to_scale(tmp_path):
    a = generate_large(tmp_path / "a.db", scale=0.005)
    b = generate_large(tmp_path / "b.db", scale=0.005)
    ctx = open_context(a, FixedClock(parser.isoparse("2026-11-20T10:40+08:00")), start_of_day=False)
    other = open_context(b, ctx.clock, start_of_day=False)
    try:
        assert check(ctx) == []
        people = setup.list_staff(ctx, "salesperson")
        assert len(people) == SIZES["salespeople"]
        report = daily_report(ctx, ctx.today())
        assert report.team.receptions == daily_report(other, other.today()).team.receptions
        with ctx.db.read() as s:
            counts = [
                s.connection().exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                for t in ("customer", "reception", "callback")
            ]
        assert counts == [1000, 2000, 5000]
        assert sum(len(callbacks.due_callbacks(ctx, p.id)) for p in people) > 0
    finally:
        ctx.db.close()
        other.db.close()


def test_the_table_marks_missed_targets():
    table = to_table([("a", "1 ms", "", "≤ 2 ms", True), ("b", "3 ms", "1 ms", "≤ 2 ms", False)])
    assert "| a | 1 ms | - | ≤ 2 ms | yes |" in table and "**no**" in table
