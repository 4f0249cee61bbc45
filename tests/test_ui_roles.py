"""F7 marketing pool, F8 customer care, level history, periods and the day change, by key."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from deskterm.services import callbacks, care, customers, manager, reception, rotation
from deskterm.services.reception import ReceptionForm
from deskterm.ui.app import create_app
from deskterm.ui.screens.care import CareScreen
from deskterm.ui.screens.contact import ContactScreen, LeadScreen
from deskterm.ui.screens.customers import CustomersScreen
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.screens.manager import ManagerScreen
from deskterm.ui.screens.marketing import MarketingScreen
from deskterm.ui.screens.meeting import MeetingScreen
from tests.scenario import new_customer
from tests.ui_helpers import settle, table_rows, wait_for

SIZE = (140, 40)


@pytest.fixture
def floor(ctx, team):
    rotation.check_in(ctx, team.wang)
    return ctx


async def _pick_me(pilot, app, person_id):
    await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
    app.screen.dismiss(str(person_id))
    await settle(pilot)


async def test_marketing_logs_a_contact_hands_back_and_registers_a_lead(floor, team):
    cold = new_customer(floor, "13900000002", "unknown", name="Cold One")
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, MarketingScreen)
                and len(table_rows(app.screen, "#pool")) == 1
            ),
        )
        screen = app.screen
        assert table_rows(screen, "#pool")[0][0] == "Cold One"
        screen.query_one("#pool").focus()
        await pilot.press("space")  # nobody chosen yet: asks who first, then the dialog
        await _pick_me(pilot, app, team.market)
        await wait_for(pilot, lambda: isinstance(app.screen, ContactScreen))
        await pilot.press("1", "tab", *"invited", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MarketingScreen))
        await wait_for(pilot, lambda: table_rows(screen, "#pool")[0][5] == "1")  # contacts
        await pilot.press("h")
        assert isinstance(app.screen, TextPromptScreen)
        await pilot.press(*"wants a test drive", "enter")
        await wait_for(pilot, lambda: table_rows(screen, "#pool")[0][6] == "yes")  # handed back
        assert [v.customer_id for v in manager.leads_to_hand_out(floor)] == [cold]

        await pilot.press("l")
        assert isinstance(app.screen, LeadScreen)
        await pilot.press(*"Web Lead", "tab", *"12345", "ctrl+s")
        await wait_for(pilot, lambda: app.screen.query_one("#err-phone").has_class("shown"))
        assert app.screen.query_one("#name").value == "Web Lead"  # nothing typed is lost
        app.screen.query_one("#phone").value = "13900000002"  # already a customer
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "already" in str(app.screen.query_one("#err-phone").render()))
        app.screen.query_one("#phone").value = "137 0000 0009"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MarketingScreen))
    [contact] = [e for e in customers.timeline(floor, cold) if e.kind == "marketing"][:1]
    assert contact.by == "Zhou Market" and "invited" in contact.text
    assert len(manager.leads_to_hand_out(floor)) == 2


async def test_care_ticks_off_a_keep_in_touch_call(floor, team, clock):
    c = new_customer(floor, "13900000001")
    clock.set(datetime(2026, 3, 9, 10))
    [cb] = callbacks.due_callbacks(floor, team.wang)
    callbacks.complete_callback(floor, cb.id, "won")
    clock.set(datetime(2026, 3, 13, 10))  # the 3-day call, a day late
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await _pick_me(pilot, app, team.care)
        screen = app.screen
        assert isinstance(screen, CareScreen)
        await wait_for(pilot, lambda: len(table_rows(screen, "#care-calls")) == 1)
        assert table_rows(screen, "#care-calls")[0][4] == "1 d overdue"
        await pilot.press("space")
        assert isinstance(app.screen, ContactScreen)
        await pilot.press("tab", *"happy", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CareScreen))
        await wait_for(pilot, lambda: table_rows(screen, "#care-calls") == [])
    [nxt] = care.care_due(floor, team.care, date(2026, 4, 9))
    assert (nxt.customer_id, nxt.due, nxt.step) == (c, date(2026, 4, 9), 2)


async def test_level_history_beside_the_timeline(floor, team, clock):
    c = new_customer(floor, "13900000001", "6m", name="Level Lin")
    clock.set(datetime(2026, 4, 2, 10))  # warm: the first callback a month later
    [cb] = callbacks.due_callbacks(floor, team.wang)
    callbacks.complete_callback(floor, cb.id, "reached", new_level="hot")
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press(*"Level", "enter")
        await wait_for(pilot, lambda: len(table_rows(app.screen, "#level-history")) == 2)
        rows = table_rows(app.screen, "#level-history")
    assert rows[0][:5] == ["hot", "2026-04-02", "now", "0", "王伟"]
    assert rows[1][:5] == ["warm", "2026-03-02", "2026-04-02", "31", "王伟"]
    assert customers.get_customer(floor, c).level == "hot"


async def test_a_new_day_while_open_closes_yesterday_and_escalates(floor, team, clock):
    c = new_customer(floor, "13900000001")
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.check_day()  # same day: nothing to do
        await settle(pilot)
        assert customers.get_customer(floor, c).status == "active"
        clock.set(datetime(2026, 6, 10, 8, 30))  # hot, three months without progress
        app.check_day()
        await settle(pilot)
        assert app.day == date(2026, 6, 10)
        assert customers.get_customer(floor, c).status == "at_risk"
        assert rotation.close_past_days(app.system_ctx) == 0  # 2 March was closed by the day change


async def test_meeting_periods_and_ranges_by_key(floor, team):
    new_customer(floor, "13900000001")
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        screen = app.screen
        assert isinstance(screen, MeetingScreen)
        await settle(pilot)
        await pilot.press("p")  # week: Monday 2 March – Sunday 8 March
        await settle(pilot)
        assert "2026-03-02 to 2026-03-08" in str(screen.query_one("#summary").render())
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "2026-02-23 to 2026-03-01" in str(screen.query_one("#summary").render())
        await pilot.press("p")  # month of the shown week's end
        await settle(pilot)
        assert "2026-03-01 to 2026-03-31" in str(screen.query_one("#summary").render())
        await pilot.press("r", *"2026-02-30", "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#err-answer").has_class("shown"))
        app.screen.query_one("#answer").value = "2026-01-15 2026-03-02"
        await pilot.press("enter")
        await settle(pilot)
        text = str(screen.query_one("#summary").render())
        assert "2026-01-15 to 2026-03-02" in text and "Receptions: 1" in text


def _actions(screen) -> set[str]:
    """The actions of the keys active on ``screen`` now (what its Footer reads)."""
    return {active.binding.action for active in screen.active_bindings.values()}


async def test_manager_funnel_range_and_keys_per_tab(floor, team):
    new_customer(floor, "13900000001")
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        screen = app.screen
        assert isinstance(screen, ManagerScreen)
        await settle(pilot)
        # the keys the Footer shows are the open tab's: no lost-request keys here
        assert "approve" not in _actions(screen)
        screen.query_one("#tabs").active = "tab-funnel"
        await settle(pilot)
        assert "range" in _actions(screen)
        await pilot.press("r")
        assert isinstance(app.screen, TextPromptScreen)
        app.screen.query_one("#answer").value = "2026-02"
        await pilot.press("enter")
        await settle(pilot)
        assert "2026-02-01 – 2026-02-28" in str(screen.query_one("#funnel-range").render())
        assert table_rows(screen, "#funnel") == []  # nobody came in February
        await pilot.press("r")
        app.screen.query_one("#answer").value = "2026-03"
        await pilot.press("enter")
        await settle(pilot)
        assert table_rows(screen, "#funnel")[-1] == ["Team", "1", "1", "0 (0%)", "1", "0 (0%)"]


async def test_every_role_screen_is_in_the_palette(floor):
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for name in (
            "Reception",
            "My callbacks",
            "Customers",
            "Meeting",
            "Manager",
            "Marketing pool",
            "Customer care",
        ):
            assert f"Go to: {name}" in titles
        await pilot.press("f7")
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Log contact", "Hand back", "New lead"} <= titles


async def test_reasons_by_salesperson_on_the_manager_screen(floor, team):
    a = rotation.walk_in(floor)
    reception.save_form(
        floor, a.reception_id, ReceptionForm(contact_left=False, no_contact_reason="refused")
    )
    rotation.done(floor, team.wang)
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#tabs").active = "tab-reasons"
        await wait_for(pilot, lambda: len(table_rows(screen, "#reasons-people")) == 1)
        [row] = table_rows(screen, "#reasons-people")
    assert row[:2] == ["王伟", "1"] and row[2].endswith(" 1") and row[3] == "0"


async def test_another_windows_tick_shows_within_two_seconds(floor, team, clock):
    from deskterm.services.maintenance import open_context

    new_customer(floor, "13900000001", name="Shared")
    clock.set(datetime(2026, 3, 9, 10))
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await _pick_me(pilot, app, team.wang)
        screen = app.screen
        await wait_for(pilot, lambda: len(table_rows(screen, "#calls")) == 1)
        other = open_context(floor.db.path, clock, start_of_day=False)  # a second window
        [cb] = callbacks.due_callbacks(other, team.wang)
        callbacks.complete_callback(other, cb.id, "reached")
        other.db.close()
        await wait_for(pilot, lambda: table_rows(screen, "#calls") == [], timeout=2.0)


async def test_manager_reads_the_audit_trail_and_filters_it(floor, team):
    c = new_customer(floor, "13900000001", name="Trail")
    customers.reassign(floor, c, team.li, "meeting")
    app = create_app(floor, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#tabs").active = "tab-audit"
        await wait_for(pilot, lambda: len(table_rows(screen, "#audit")) > 2)
        assert table_rows(screen, "#audit")[0][2] == "customer reassigned"
        screen.query_one("#audit-filter").focus()
        await pilot.press(*"reassign")
        await wait_for(pilot, lambda: len(table_rows(screen, "#audit")) == 1)
        row = table_rows(screen, "#audit")[0]
    assert row[3] == f"customer #{c}" and "reason: meeting" in row[4]
