"""The Manager screen's tabs as widgets: each draws a hand-built view alone, and a
view from an older load never replaces a newer one."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from deskterm.domain.analysis import CoachingMonth, ReasonsTable
from deskterm.services import manager, setup
from deskterm.services.analysis import ReasonsReport
from deskterm.services.audit import AuditEntry
from deskterm.ui.app import create_app
from deskterm.ui.screens.manager.audit import AuditTab
from deskterm.ui.screens.manager.coaching import CoachingTab
from deskterm.ui.screens.manager.funnel import FunnelTab
from deskterm.ui.screens.manager.leads import LeadsTab
from deskterm.ui.screens.manager.lost import LostTab
from deskterm.ui.screens.manager.reasons import ReasonsTab
from deskterm.ui.screens.manager.stale import StaleTab
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.team import TeamTab
from deskterm.ui.screens.manager.views import (
    AuditView,
    CoachingRow,
    CoachingView,
    FunnelView,
    LeadRow,
    LeadsView,
    LostRow,
    LostView,
    ReasonsView,
    StaleRow,
    StaleView,
    TeamView,
)
from tests.ui_helpers import demo_ctx, settle, table_rows, wait_for

#: Names people type: markup-like text must come out as typed, never as markup.
HOSTILE = "[/b] Li [b]Na"
OTHER = "[@click=app.quit]Wang"


class OneTab(App[None]):
    """A bare app holding one tab widget: no database, no screen around it."""

    def __init__(self, tab: ManagerTab[object]) -> None:
        super().__init__()
        self.tab = tab

    def compose(self) -> ComposeResult:
        yield self.tab


def _line(pid: int, name: str, overdue: int = 0) -> dict[str, object]:
    return {
        "id": pid,
        "name": name,
        "receptions": 3,
        "new": 2,
        "hot": 1,
        "callbacks_due": 4,
        "callbacks_done": 2,
        "callbacks_overdue": overdue,
        "upgrades": 1,
        "won": 0,
        "conversion_rate": 0.5,
        "conversion_rate_with_contact": 0.75,
        "form_completeness": 0.9,
        "contact_capture_rate": 0.6,
    }


def _reasons(kind: str, name: str) -> ReasonsReport:
    table = ReasonsTable(
        ["2026-10", "2026-11"],
        Counter({"price": 3}),
        {7: Counter({"price": 3})},
        {"price": {"2026-10": 1, "2026-11": 2}},
    )
    return ReasonsReport(kind, table, [], {7: name})


VIEWS: dict[type[ManagerTab[object]], tuple[object, str]] = {
    TeamTab: (
        TeamView(
            day="2026-11-20",
            rates_from="2026-10-22",
            rates_to="2026-11-20",
            levels=("new", "hot"),
            level_names={"new": "New", "hot": "Hot"},
            salespeople=(_line(1, HOSTILE, overdue=2), _line(2, OTHER)),
            team={**_line(0, "", overdue=2), "receptions": 6},
            tomorrow={HOSTILE: 1},
            at_risk_owners=(HOSTILE,),
        ),
        "#team",
    ),
    StaleTab: (
        StaleView(
            (
                StaleRow("at_risk", 11, HOSTILE, "Hot", OTHER, 2, "2026-11-18", 2),
                StaleRow("stalled", 12, OTHER, "New", HOSTILE, 1, "2026-11-01", 19),
            )
        ),
        "#stale",
    ),
    LostTab: (LostView((LostRow(11, HOSTILE, "Hot", OTHER, "price", "[b]too dear"),)), "#lost"),
    LeadsTab: (LeadsView((LeadRow(11, HOSTILE, "phone", "2026-11-19", OTHER),)), "#leads"),
    ReasonsTab: (
        ReasonsView(_reasons("no_contact", HOSTILE), _reasons("lost", HOSTILE)),
        "#reasons-people",
    ),
    FunnelTab: (
        FunnelView(
            date(2026, 10, 22),
            date(2026, 11, 20),
            {
                1: dict(received=4, registered=2, test_drive=1, hot=1, won=0),
                None: dict(received=4, registered=2, test_drive=1, hot=1, won=0),
            },
            {1: HOSTILE},
        ),
        "#funnel",
    ),
    CoachingTab: (
        CoachingView((CoachingRow(HOSTILE, {"2026-11": CoachingMonth(4, 2, 9, 10)}, Counter()),)),
        "#coaching",
    ),
    AuditTab: (
        AuditView(
            (
                AuditEntry(
                    5,
                    datetime(2026, 11, 20, 2, 30, tzinfo=UTC),
                    HOSTILE,
                    "customer.update",
                    "customer",
                    11,
                    {"name": "x"},
                    {"name": OTHER},
                ),
            )
        ),
        "#audit",
    ),
}


@pytest.mark.parametrize("tab_class", list(VIEWS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("width", [160, 80])
async def test_each_tab_draws_a_hand_built_view_alone_with_names_as_typed(tab_class, width):
    view, table_id = VIEWS[tab_class]
    tab = tab_class()
    app = OneTab(tab)
    async with app.run_test(size=(width, 40)) as pilot:
        tab.post_message(ManagerTab.Loaded(view, 1))
        await wait_for(pilot, lambda: app.query_one(table_id, DataTable).row_count > 0)
        await pilot.pause()
        text = [cell for row in table_rows(app, table_id) for cell in row]
        assert tab.view is view
    # the person's name is in the table exactly as typed: neither parsed nor lost
    assert any(HOSTILE in cell for cell in text), text


async def test_a_view_from_an_older_load_arriving_late_is_dropped():
    new = StaleView((StaleRow("at_risk", 1, "newer", "Hot", "Wang", 2, "2026-11-18", 2),))
    old = StaleView((StaleRow("at_risk", 2, "older", "Hot", "Wang", 2, "2026-11-10", 9),))
    tab = StaleTab()
    app = OneTab(tab)
    async with app.run_test(size=(120, 30)) as pilot:
        tab.post_message(ManagerTab.Loaded(new, 2))
        await wait_for(pilot, lambda: tab.view is new)
        # the older load's thread finished last: its view must not replace the newer one
        tab.post_message(ManagerTab.Loaded(old, 1))
        await pilot.pause()
        await pilot.pause()
        assert tab.view is new
        assert [r[0] for r in table_rows(app, "#stale")] == ["newer"]
        # a newer one still gets through
        tab.post_message(ManagerTab.Loaded(old, 3))
        await wait_for(pilot, lambda: tab.view is old)
        assert [r[0] for r in table_rows(app, "#stale")] == ["older"]


def test_a_queued_newer_view_supersedes_an_older_one_not_the_reverse():
    older, newer = ManagerTab.Loaded("a", 1), ManagerTab.Loaded("b", 2)
    assert older.can_replace(newer)  # the queued newer one: the older need not be drawn
    assert not newer.can_replace(older)


def _footer(app) -> dict[str, str]:
    return {k.description: k.key_display for k in app.screen.query(FooterKey)}


async def test_a_tabs_keys_show_and_work_on_that_tab_only_and_a_shop_may_move_them(tmp_path):
    ctx = demo_ctx(tmp_path)
    setup.set_setting(ctx, "keys.manager.approve", "z")
    pending = manager.pending_lost_requests(ctx)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.screen.query_one("#stale").row_count > 0)
        await settle(pilot)
        footer = _footer(app)  # the Team tab: read-only, the screen's keys only
        assert "Reassign / hand out" not in footer and "Export report" in footer
        app.screen.query_one("#tabs").active = "tab-stale"
        await wait_for(pilot, lambda: "Take myself" in _footer(app))
        footer = _footer(app)
        assert footer["Reassign / hand out"] == "a" and footer["Take myself"] == "m"
        assert "Approve lost" not in footer and "Export report" in footer
        app.screen.query_one("#tabs").active = "tab-lost"
        await wait_for(pilot, lambda: "Approve lost" in _footer(app))
        footer = _footer(app)
        assert footer["Approve lost"] == "z" and "Take myself" not in footer
        await pilot.press("z")
        await settle(pilot)
        assert manager.pending_lost_requests(ctx) == pending[1:]
    ctx.db.close()
