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
    from deskterm.bench.common import Figure

    table = to_table(
        [
            Figure("a", 1.0, 0.5, "raw", max_ratio=3),
            Figure("b", 3.0, 0.5, "raw", max_ratio=3),
            Figure("c", 90.0, limit=150, unit="MB"),
        ]
    )
    assert "| a | 1.00 ms | 0.500 ms raw | ×2.00 | ≤ 3× floor | yes |" in table
    assert "| b | 3.00 ms | 0.500 ms raw | ×6.00 | ≤ 3× floor | **no** |" in table
    assert "| c | 90 MB | - | - | ≤ 150 MB | yes |" in table


def test_the_growth_table_judges_each_key_by_how_it_grows():
    from deskterm.bench.__main__ import growth_chart, growth_table

    sizes = [10_000, 50_000, 200_000]
    curve = [("search", [1.0, 1.2, 1.5]), ("due list", [1.0, 4.0, 20.0])]
    table = growth_table(sizes, curve)
    assert "| search | 1.00 | 1.20 | 1.50 | ×1.50 | yes |" in table
    assert "| due list | 1.00 | 4.00 | 20.0 | ×20.00 | **no** |" in table
    assert growth_chart(sizes, curve).count("<polyline") == 2


def test_search_stays_near_its_floor_on_a_small_shop(tmp_path):
    """The small bench: each kind of search against the raw index query that returns the
    same rows, on 10,000 customers. There a search is about 3× its floor (a fixed tenth
    of a millisecond of Python on a floor of tenths); with the indexes lost (every
    customer walked) the rare fragments are 11-14× (tried)."""
    from deskterm.bench import search

    db = generate_large(tmp_path / "s.db", scale=0.05)

    def rare_ratios() -> dict[str, float]:
        figures = search.measure(db, 9)
        rare = {f.measure: f.ratio for f in figures if "common" not in f.measure}
        assert len(rare) == 5 and None not in rare.values()
        return rare  # type: ignore[return-value]

    first = rare_ratios()
    if any(r > 7 for r in first.values()):
        # Measured again once: on a loaded machine (a full suite on 2 shared cores) a
        # 0.4 ms floor met ×10 twice in two sessions and passed alone each time. A lost
        # index is 11-14× in every measurement, so it still fails.
        again = rare_ratios()
        first = {k: min(first[k], again[k]) for k in first}
    for measure, ratio in first.items():
        assert ratio <= 7, (measure, ratio)
