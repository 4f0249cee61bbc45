"""F6 Manager: the morning meeting run from one screen, on the demo showroom."""

from __future__ import annotations

from deskterm.services import analysis, customers, manager
from deskterm.services.report import as_json, daily_report
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.screens.manager import ManagerScreen
from deskterm.ui.screens.manager.stale import StaleTab
from tests.ui_helpers import demo_ctx, settle, table_rows, wait_for


async def _open(pilot, app, tab="tab-stale"):
    await pilot.press("f6")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ManagerScreen) and app.screen.query_one("#stale").row_count > 0
        ),
    )
    app.screen.query_one("#tabs").active = tab
    await settle(pilot)


async def test_team_tab_shows_who_is_behind_with_the_reports_figures(tmp_path):
    ctx = demo_ctx(tmp_path)
    data = as_json(daily_report(ctx))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _open(pilot, app, "tab-team")
        assert app.screen.query_one("#tabs").active == "tab-team"
        rows = {r[0]: r for r in table_rows(app.screen, "#team")}
        team = app.screen.query_one("#team")
        col = 4 + len(data["levels"])
        overdue_styles = {
            str(team.get_row_at(i)[0]): team.get_row_at(i)[col].style for i in range(team.row_count)
        }
        summary = str(app.screen.query_one("#team-summary").render())
    n = len(data["levels"])
    for p in data["salespeople"]:
        row = rows[p["name"]]
        assert row[1] == str(p["receptions"])
        assert row[2 + n : 5 + n] == [
            str(p["callbacks_due"]),
            str(p["callbacks_done"]),
            str(p["callbacks_overdue"]),
        ]
        # an overdue backlog in bold red, on purpose (emphasis), not by markup
        assert overdue_styles[p["name"]] == ("b red" if p["callbacks_overdue"] else "")
    behind = [p["name"] for p in data["salespeople"] if p["callbacks_overdue"]]
    assert f"{len(behind)} salespeople with overdue callbacks" in summary
    # the worst backlog first, the team's line last
    expected = sorted(data["salespeople"], key=lambda p: (-p["callbacks_overdue"], p["name"]))
    assert list(rows) == [p["name"] for p in expected] + ["Team"]
    ctx.db.close()


async def test_reassign_at_risk_to_a_senior_or_take_it_myself(tmp_path):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _open(pilot, app)
        first = table_rows(app.screen, "#stale")[0]
        cid = int(app.screen.query_one(StaleTab).selected().split("-")[1])
        await pilot.press("a")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("1")
        await settle(pilot)
        owner = customers.get_customer(ctx, cid).owner
        assert owner != first[2]
        assert customers.timeline(ctx, cid)[-1].text.endswith("senior salesperson")
        cid2 = int(app.screen.query_one(StaleTab).selected().split("-")[1])
        await pilot.press("m")
        await settle(pilot)
        assert customers.get_customer(ctx, cid2).owner.startswith("孙经理")
    ctx.db.close()


async def test_lost_requests_leads_countermeasure_and_export(tmp_path):
    ctx = demo_ctx(tmp_path)
    pending = manager.pending_lost_requests(ctx)
    leads = manager.leads_to_hand_out(ctx)
    assert len(pending) >= 2 and leads
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _open(pilot, app)
        app.screen.query_one("#tabs").active = "tab-lost"
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert customers.get_customer(ctx, pending[0].customer_id).status == "lost"
        await pilot.press("n")
        assert isinstance(app.screen, TextPromptScreen)
        await pilot.press(*"call again", "enter")
        await settle(pilot)
        assert manager.pending_lost_requests(ctx) == pending[2:]
        app.screen.query_one("#tabs").active = "tab-leads"
        await settle(pilot)
        await pilot.press("a", "1")
        await settle(pilot)
        assert customers.get_customer(ctx, leads[0].customer_id).status == "active"
        app.screen.query_one("#tabs").active = "tab-reasons"
        await settle(pilot)
        before = analysis.reasons(ctx, "no_contact", ctx.today(), ctx.today()).countermeasures
        await pilot.press("c", *"gift", "enter")
        await settle(pilot)
        rep = analysis.reasons(ctx, "no_contact", ctx.today(), ctx.today())
        # The demo's manager dated some already: one more, today's.
        added = [m for m, _ba in rep.countermeasures if m.id not in {b.id for b, _ in before}]
        assert [(m.note, m.since) for m in added] == [("gift", ctx.today())]
        await pilot.press("x")
        await settle(pilot)
    out = ctx.db.path.parent / "reports"
    html = (out / "meeting-2026-11-20.html").read_text("utf-8")
    assert "<table>" in html and "David Chen" in html
    assert (out / "meeting-2026-11-20.md").read_text("utf-8").startswith("# ")
    ctx.db.close()


async def test_a_long_stale_list_shows_its_most_urgent_page_and_says_so(tmp_path, monkeypatch):
    ctx = demo_ctx(tmp_path)
    report = as_json(daily_report(ctx))
    total = len(report["at_risk"]) + len(report["to_reassign"]) + len(report["stalled"])
    assert total > 3
    monkeypatch.setattr(StaleTab, "ROWS", 3)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _open(pilot, app)
        more = app.screen.query_one("#stale-more")
        assert app.screen.query_one("#stale").row_count == 3 and more.display
        assert f"Showing the first 3 of {total}" in str(more.render())
    ctx.db.close()


async def test_every_manager_tab_is_in_the_palette_past_the_screens_width(tmp_path):
    """At 100 columns the tab bar shows the first tabs only: the palette opens any."""
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, app)
        commands = {str(c.title): c for c in app.get_system_commands(app.screen)}
        assert "Tab: Audit trail" in commands and "Tab: Follow-up" in commands
        commands["Tab: Audit trail"].callback()
        await pilot.pause()
        assert app.screen.query_one("#tabs").active == "tab-audit"
    ctx.db.close()
