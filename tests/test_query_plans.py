"""The indexes the desk relies on, proven on the real queries (EXPLAIN QUERY PLAN).

The statements are captured while the services run, so a query that changes shape or
an index that goes missing fails here rather than at a shop with years of data.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event

from deskterm.services import callbacks, customers, marketing, reception, rotation
from deskterm.services.report import daily_report
from tests.scenario import new_customer


def _plans(ctx, call: Callable[[], object]) -> list[tuple[str, str]]:
    """(statement, its query plan) for every SELECT the call ran."""
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(ctx.db.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", capture)
    out = []
    with ctx.db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for statement, params in seen:
            rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            out.append((statement, " | ".join(r[-1] for r in rows)))
    return out


@pytest.fixture
def desk(ctx, team):
    rotation.check_in(ctx, team.wang)
    for i in range(5):
        new_customer(ctx, f"1390000{i:04d}")
    return ctx


def _plan_for(plans, table: str) -> str:
    return " || ".join(p for s, p in plans if f"FROM {table}" in s)


def test_callbacks_due_today_seek_the_partial_index(desk, team):
    plans = _plans(desk, lambda: callbacks.due_callbacks(desk, team.wang))
    plan = _plan_for(plans, "callback")
    assert "ix_callback_open_due" in plan
    assert "SCAN callback" not in plan


def test_arrivals_and_report_read_one_day_by_index(desk):
    plans = _plans(desk, lambda: reception.arrivals(desk))
    assert "ix_reception_day" in _plan_for(plans, "reception")
    plans = _plans(desk, lambda: daily_report(desk))
    reception_plans = [p for s, p in plans if "FROM reception" in s]
    assert reception_plans and all("SCAN reception" not in p for p in reception_plans)


def test_a_phone_already_on_file_is_found_by_its_unique_index(desk):
    plans = _plans(desk, lambda: reception.lookup_phone(desk, "139 0000 0001"))
    plan = _plan_for(plans, "customer")
    assert "USING INDEX" in plan and "SCAN customer" not in plan


def test_a_customers_history_reads_by_customer(desk):
    cid = customers.search(desk, "C01")[0].id
    plans = _plans(desk, lambda: customers.timeline(desk, cid))
    for table in ("reception", "callback", "level_change", "ownership_change"):
        plan = _plan_for(plans, table)
        assert plan and f"SCAN {table}" not in plan, (table, plan)


def test_the_marketing_pool_is_paged(desk):
    plans = _plans(desk, lambda: marketing.marketing_pool(desk, limit=50))
    assert any("LIMIT" in s.upper() for s, _p in plans)


def test_search_walks_the_narrow_search_index_in_contact_order(desk):
    for text in ("C01", "139 0000", "王伟"):
        plans = _plans(desk, lambda t=text: customers.search(desk, t))
        plan = _plan_for(plans, "customer")
        assert "ix_customer_search" in plan and "TEMP B-TREE" not in plan, (text, plan)
