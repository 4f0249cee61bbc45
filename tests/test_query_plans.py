"""The indexes the desk relies on, proven on the real queries (EXPLAIN QUERY PLAN).

The statements are traced while the services run, so a query that changes shape or
an index that goes missing fails here rather than at a shop with years of data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import event

from deskterm.services import callbacks, customers, marketing, reception, rotation
from deskterm.services.report import daily_report
from deskterm.storage import queries
from tests.scenario import new_customer


def _plans(ctx, call: Callable[[], object]) -> list[tuple[str, str]]:
    """(statement, its query plan) for every SELECT the call ran.

    SQLite's own trace sees every statement, whether it came through SQLAlchemy or
    a hot-path driver cursor, with its values bound in.
    """
    seen: list[str] = []

    def trace(statement: str) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    def on_connect(dbapi_con, _record) -> None:
        dbapi_con.set_trace_callback(trace)

    ctx.db.engine.dispose()  # fresh connections, each traced from its first statement
    event.listen(ctx.db.engine, "connect", on_connect)
    try:
        call()
    finally:
        event.remove(ctx.db.engine, "connect", on_connect)
        ctx.db.engine.dispose()
    out = []
    raw = sqlite3.connect(ctx.db.path)
    try:
        for statement in seen:
            rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
            out.append((statement, " | ".join(r[-1] for r in rows)))
    finally:
        raw.close()
    assert out, "the call ran no SELECT"
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
    assert "ix_callback_customer_id" in plan  # the last note: the customer's own callbacks
    assert "SCAN" not in plan


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


def test_a_rare_fragment_is_looked_up_in_the_search_indexes(desk):
    """Three characters or more: the trigram index (a phone's four digits or more: its
    suffixes' B-tree, v17); one or two: the name's characters. Only the hits are then
    read, by primary key: no scan of the customers."""
    for text, index in (("C01", "customer_trigram"), ("139", "customer_trigram")):
        plans = _plans(desk, lambda t=text: customers.search(desk, t))
        assert "VIRTUAL TABLE" in _plan_for(plans, index), (text, plans)
        plan = _plan_for(plans, "customer NOT INDEXED")
        assert "INTEGER PRIMARY KEY" in plan and "SCAN customer " not in plan, (text, plan)
        # The index is asked once: its ids are handed to the statement that reads them.
        assert len([s for s, _p in plans if "MATCH" in s]) == 1, plans
    for text in ("139 0000", "0000", "13900000001"):
        plans = _plans(desk, lambda t=text: customers.search(desk, t))
        plan = _plan_for(plans, "customer_phone_suffix")
        assert "PRIMARY KEY (suffix>? AND suffix<?)" in plan, (text, plans)
        assert "SCAN customer_phone_suffix" not in plan, (text, plan)
        plan = _plan_for(plans, "customer NOT INDEXED")
        assert "INTEGER PRIMARY KEY" in plan and "SCAN customer " not in plan, (text, plan)
        assert len([s for s, _p in plans if "phone_suffix" in s]) == 1, plans
    # Found nowhere: the count says so, and the hits are not looked for again.
    for text in ("98765", "Qxz Qxz"):
        plans = _plans(desk, lambda t=text: customers.search(desk, t))
        assert not _plan_for(plans, "customer NOT INDEXED"), (text, plans)
        assert len([s for s, _p in plans if "MATCH" in s or "phone_suffix" in s]) == 1, plans
    for text in ("王伟", "C"):
        plans = _plans(desk, lambda t=text: customers.search(desk, t))
        assert "VIRTUAL TABLE" in _plan_for(plans, "customer_chars"), (text, plans)


def test_a_common_fragment_walks_the_narrow_search_index_in_contact_order(desk, monkeypatch):
    """More hits than the indexes' limit: the most recent ones by the recency index, which
    stops at the page; the whole name then by its own index, never by a scan."""
    monkeypatch.setattr(queries, "INDEX_HITS_MAX", 1)
    monkeypatch.setattr(customers, "_SEARCH_WIDEN", 1)
    for text in ("C0", "139 0000"):
        plans = _plans(desk, lambda t=text: customers.search(desk, t, limit=2))
        plan = _plan_for(plans, "customer INDEXED BY ix_customer_search")
        assert "ix_customer_search" in plan and "TEMP B-TREE" not in plan, (text, plan)
    plans = _plans(desk, lambda: customers.search(desk, "C0", limit=2))
    assert "ix_customer_name_nocase" in _plan_for(plans, "customer AS c"), plans
