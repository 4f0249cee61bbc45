"""Every key path of the front desk, driven headless with Textual's pilot."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from sqlmodel import select

from deskterm.services import callbacks, customers, reception, rotation, setup
from deskterm.services.report import as_json, daily_report
from deskterm.storage.models import Callback, Customer, Reception
from deskterm.ui.app import FirstRunScreen, create_app
from deskterm.ui.screens.callbacks import MyCallbacksScreen, TickScreen
from deskterm.ui.screens.customers import CustomersScreen
from deskterm.ui.screens.dialogs import ConfirmScreen, CustomerPickScreen, PickScreen
from deskterm.ui.screens.edit import EditCustomerScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.meeting import MeetingScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import demo_ctx, settle, table_rows, wait_for

SIZE = (140, 40)


@pytest.fixture
def desk(ctx, team):
    """Wang, Li and Zhao checked in, in that order."""
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    return ctx


def board(app) -> list[list[str]]:
    return table_rows(app.screen, "#board")


async def test_demo_opens_on_reception_with_a_populated_board(tmp_path):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReceptionScreen)
        assert len(board(app)) >= 4 and any("▶" in r[1] for r in board(app))
        assert len(table_rows(app.screen, "#arrivals")) >= 4
        assert "Next up" in str(app.screen.query_one("#next-up").render())
    ctx.db.close()


async def test_first_visit_walk_in_and_the_form_in_few_keys(desk, team):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, PickScreen)  # "first visit?" before anything else
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press(*"Zhang")
        keys = ["tab"]
        await pilot.press(*keys)
        await pilot.press(*"13912345678")
        # model: skip; budget 4, buys 1, spouse 1; save (contact and channel come prefilled)
        rest = ["tab", "tab", "4", "tab", "1", "tab", "1", "ctrl+s"]
        await pilot.press(*rest)
        assert len(keys) + len(rest) <= 12
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
        assert board(app)[-1][1].strip() == "王伟"  # taker went to the back
    with desk.db.read() as s:
        c = s.exec(select(Customer)).one()
        assert (c.name, c.phone, c.level, c.budget) == (
            "Zhang",
            "+8613912345678",
            "hot",
            "200-300k",
        )
        assert s.exec(select(Callback)).one().salesperson_id == team.wang


async def test_form_errors_show_at_the_field_and_nothing_typed_is_lost(desk):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        form.query_one("#name").value = "王小明"
        form.query_one("#phone").value = "12345"
        form.query_one("#notes").value = "想要白色"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.query_one("#err-phone").has_class("shown"))
        assert "11 digits" in str(form.query_one("#err-phone").render())
        assert app.focused is form.query_one("#phone")
        assert form.query_one("#name").value == "王小明"
        assert form.query_one("#notes").value == "想要白色"
        form.query_one("#phone").value = "139 1234 5678"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))


async def test_escape_on_a_typed_form_asks_first(desk):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press(*"Li")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, ReceptionFormScreen)
        assert app.screen.query_one("#name").value == "Li"
        await pilot.press("escape", "y")
        assert isinstance(app.screen, ReceptionScreen)


async def test_known_phone_turns_the_entry_into_a_revisit(desk, team):
    a = rotation.walk_in(desk)
    reception.save_form(
        desk,
        a.reception_id,
        reception.ReceptionForm(name="老客户", phone="13800138000", purchase_horizon="1m"),
    )
    rotation.done(desk, team.wang)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press("tab", *"13800138000")
        await wait_for(pilot, lambda: "revisit" in str(app.screen.query_one("#known").render()))
        assert app.screen.query_one("#name").value == "老客户"
        await pilot.press("ctrl+s")
        # Wang, the owner, is free: the desk offers to hand the visitor over (rule 6).
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
    with desk.db.read() as s:
        assert len(s.exec(select(Customer)).all()) == 1


async def test_returning_customer_goes_to_owner_with_r(desk, team):
    a = rotation.walk_in(desk)
    reception.save_form(
        desk,
        a.reception_id,
        reception.ReceptionForm(name="回头客", phone="13800138000", purchase_horizon="1m"),
    )
    rotation.done(desk, team.wang)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        assert isinstance(app.screen, CustomerPickScreen)
        await pilot.press(*"0013")
        await wait_for(pilot, lambda: bool(app.screen.found))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert app.screen.query_one("#name").value == "回头客"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    recs = reception.arrivals(desk)
    assert recs[0].requested and recs[0].salesperson == "王伟"


async def test_skip_break_done_undo_check_in_out_and_reorder_keys(desk, team):
    setup.add_staff(desk, "New Guy", "salesperson")
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # s: skip next-up (Wang) for personal reasons -> to the back
        await pilot.press("s")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("1")
        await settle(pilot)
        assert [r[1].strip(" ▶") for r in board(app)] == ["Li Na", "赵敏", "王伟"]
        # b after another action asks who (a numbered pick), then why
        wang = lambda: next(r for r in board(app) if r[1].strip(" ▶") == "王伟")  # noqa: E731
        await pilot.press("b")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("3", "1")  # 王伟 (third on the board), on a break
        await settle(pilot)
        assert "on break" in wang()[5] and wang()[2] == "away"
        await pilot.press("b", "3")
        await settle(pilot)
        assert wang()[2] == "ready"
        # n: walk-in goes to Li; d asks among those with a customer: only Li
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press("escape")
        await settle(pilot)
        assert board(app)[-1][1].strip() == "Li Na" and board(app)[-1][2] == "with customer"
        await pilot.press("d")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("1")
        await settle(pilot)
        assert all(r[2] == "ready" for r in board(app))
        # u: undo the done (with confirmation)
        await pilot.press("u")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert board(app)[-1][2] == "with customer"
        # i: check the new salesperson in; o asks who, then confirms
        await pilot.press("i", "1")
        await settle(pilot)
        assert board(app)[-1][1].strip() == "New Guy"
        first = board(app)[0][1].strip(" ▶")
        await pilot.press("o", "1", "y")
        await settle(pilot)
        assert first not in [r[1].strip(" ▶") for r in board(app)]
        # ctrl+down: the manager moves a member down one place; again: the same one again
        first = board(app)[0][1].strip(" ▶")
        await pilot.press("ctrl+down", "1")
        await settle(pilot)
        assert board(app)[1][1].strip(" ▶") == first
        await pilot.press("ctrl+down")
        await settle(pilot)
        assert board(app)[2][1].strip(" ▶") == first


async def test_uncounted_up_and_phone_arrival(desk):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x", "2")  # service / parts
        await settle(pilot)
        assert table_rows(app.screen, "#arrivals")[0][1] == "service / parts"
        assert board(app)[0][2] == "with customer" and board(app)[0][4] == "0"
        await pilot.press("p", "1", "2")  # phone, taken by the second on the list
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        app.screen.query_one("#name").value = "电话客户"
        app.screen.query_one("#phone").value = "13700000000"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
        assert table_rows(app.screen, "#arrivals")[0][1] == "phone"


async def test_my_callbacks_tick_off_schedules_the_next(ctx, team, clock):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(
        ctx,
        a.reception_id,
        reception.ReceptionForm(name="Tom", phone="13900001111", purchase_horizon="6m"),
    )
    clock.set(datetime(2026, 4, 2, 10))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("1")  # salespeople by name: Li Na, 王伟, 赵敏
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MyCallbacksScreen) and screen.salesperson[0] == team.li
        assert table_rows(screen, "#calls")[0][0] == "Tom"
        await pilot.press("space")
        assert isinstance(app.screen, TickScreen)
        await pilot.press("1", "tab", "1")  # reached, level hot
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        assert table_rows(app.screen, "#calls") == []
    assert callbacks.due_callbacks(ctx, team.li, date(2026, 4, 9))[0].level == "hot"


async def test_lost_needs_a_reason_shown_at_the_field(ctx, team, clock):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(
        ctx,
        a.reception_id,
        reception.ReceptionForm(name="Tom", phone="13900001111", purchase_horizon="1m"),
    )
    clock.set(datetime(2026, 3, 9, 10))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        app.screen.dismiss(str(team.li))
        await settle(pilot)
        await pilot.press("space", "5", "ctrl+s")  # lost, no reason
        await wait_for(pilot, lambda: app.screen.query_one("#err-lost_reason").has_class("shown"))
        assert isinstance(app.screen, TickScreen)


def _ouyang_walked_in(desk) -> None:
    """欧阳娜娜 walked in and her form was saved: a customer to search for."""
    a = rotation.walk_in(desk)
    reception.save_form(
        desk,
        a.reception_id,
        reception.ReceptionForm(name="欧阳娜娜", phone="13800138000", purchase_horizon="1m"),
    )


async def test_customers_search_timeline_and_edit(desk, team):
    _ouyang_walked_in(desk)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press(*"欧阳")
        await wait_for(pilot, lambda: len(table_rows(app.screen, "#results")) == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(table_rows(app.screen, "#timeline")) >= 2)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditCustomerScreen))
        app.screen.query_one("#phone").value = "bad"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query_one("#err-phone").has_class("shown"))
        app.screen.query_one("#phone").value = "138 0013 8001"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
    assert customers.search(desk, "欧阳")[0].phone == "+8613800138001"


async def test_the_history_beside_the_list_is_the_highlighted_customer_s(desk, team):
    """Typed as a receptionist does, a key at a time: the first line's customer changes
    under the cursor (no highlight event), and the history follows it; a search that
    finds nobody shows nobody's history."""
    from textual.widgets import Label

    for name, phone in (("Anna Li", "13800138001"), ("Helen Tang", "13800138002")):
        a = rotation.walk_in(desk)
        reception.save_form(
            desk,
            a.reception_id,
            reception.ReceptionForm(name=name, phone=phone, purchase_horizon="1m"),
        )
        rotation.done(desk, a.salesperson_id)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, CustomersScreen)

        def title() -> str:
            return str(screen.query_one("#timeline-title", Label).render())

        await pilot.press("l")  # both hold an "l": Helen Tang first, the newer
        await wait_for(pilot, lambda: len(table_rows(screen, "#results")) == 2)
        await wait_for(pilot, lambda: title() == "History of Helen Tang")
        await pilot.press("i")  # "li": Anna Li alone, on the line Helen Tang was on
        await wait_for(pilot, lambda: title() == "History of Anna Li")
        assert [r[0] for r in table_rows(screen, "#results")] == ["Anna Li"]
        await pilot.press("x")  # "lix": nobody
        await wait_for(pilot, lambda: not table_rows(screen, "#results") and title() == "")
        assert not table_rows(screen, "#timeline")
        assert not table_rows(screen, "#level-history")


async def test_second_window_changes_show_within_two_seconds(desk, team):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rotation.walk_in(desk)  # another window receives a walk-in
        await wait_for(pilot, lambda: board(app)[-1][2] == "with customer", timeout=2.0)


async def test_a_database_that_stops_answering_is_said_once_then_when_it_is_back(
    desk, team, monkeypatch
):
    """A server gone from the network: one steady banner, not a toast a second; when it
    answers again, that is said and the screen reloads (what changed meanwhile shows)."""
    from deskterm.errors import StorageError
    from deskterm.services import maintenance
    from deskterm.ui.boundary import DatabaseLostBanner

    real, down = maintenance.change_marker, [True]

    def marker(ctx):
        if down[0]:
            raise StorageError(
                "Cannot reach the database server {path} ({error}): nothing "
                "was saved. Check the network and that the server is running.",
                path="db.example",
                error="timeout",
            )
        return real(ctx)

    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(maintenance, "change_marker", marker)
        await pilot.pause(3.5)  # three looks or more, all failing
        said = [n.message for n in app._notifications]
        assert sum("Cannot reach" in m for m in said) == 0
        assert len(app.screen.query(DatabaseLostBanner)) == 1
        rotation.walk_in(desk)  # meanwhile, another PC receives a walk-in
        down[0] = False
        await wait_for(
            pilot,
            lambda: any("answers again" in n.message for n in app._notifications),
            timeout=3.0,
        )
        await wait_for(pilot, lambda: board(app)[-1][2] == "with customer", timeout=2.0)
        assert not app.screen.query(DatabaseLostBanner)


async def test_a_reload_that_lands_while_the_app_closes_is_harmless(desk, team):
    """Another window's commit, seen by the watch just as the app exits: the reload
    finds no screen (CI saw a worker fail with "No screens on stack")."""
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    app._refresh_screen()  # what call_from_thread runs once the last screen is gone


async def test_a_reload_that_lands_while_a_screen_is_built_waits_for_it(desk, team):
    """The start-of-day checks or another window's commit reload the screen while F4 is
    being built: Textual mounts a screen's Footer before the tables inside its panes (the
    names trial wrote a crash report, NoMatches '#results'). It loads itself once mounted."""
    _ouyang_walked_in(desk)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.switch_mode("customers")  # not awaited: built from here on
        half_built = 0
        while not app.screen.is_mounted:  # the reload at every turn of the event loop
            if app.screen.query("Footer") and not app.screen.query("#results"):
                half_built += 1
            app._refresh_screen()  # what call_from_thread runs for the workers
            await asyncio.sleep(0)
        assert half_built  # the reloads did land on the half-built screen
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press(*"欧阳")  # and it works as ever
        await wait_for(pilot, lambda: len(table_rows(app.screen, "#results")) == 1)


async def test_first_run_leads_to_adding_staff(ctx):
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press(*"王伟", "enter")
        await pilot.press(*"Li", "enter")
        await pilot.press("escape")
        await settle(pilot)
        assert "Press i" in str(app.screen.query_one("#next-up").render())
        await pilot.press("i", "1")
        await settle(pilot)
        assert len(board(app)) == 1
    assert [p.name for p in setup.list_staff(ctx, "salesperson")] == ["Li", "王伟"]


async def test_meeting_screen_shows_the_reports_figures(tmp_path):
    ctx = demo_ctx(tmp_path)
    expected = as_json(daily_report(ctx))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("f5")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, MeetingScreen)
                and app.screen.query_one("#people").row_count > 0
            ),
        )
        rows = {r[0]: r for r in table_rows(app.screen, "#people")}
        for p in expected["salespeople"]:
            row = rows[p["name"]]
            assert row[1] == str(p["receptions"])
            assert row[2:5] == [str(p[lv]) for lv in expected["levels"]]
            assert row[5:10] == [
                str(p["callbacks_due"]),
                str(p["callbacks_done"]),
                str(p["callbacks_overdue"]),
                str(p["upgrades"]),
                str(p["won"]),
            ]
        await pilot.press("left_square_bracket")
        await wait_for(
            pilot, lambda: "2026-11-19" in str(app.screen.query_one("#summary").render())
        )
    ctx.db.close()


async def test_chinese_interface_and_cjk_typing(desk):
    app = create_app(desk, lang="zh", blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "下一位" in str(app.screen.query_one("#next-up").render())
        assert board(app)[0][2] == "待接待"
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press(*"王小明")
        assert app.screen.query_one("#name").value == "王小明"


async def test_command_palette_reaches_screen_actions(desk):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Close the day" in titles and "Walk-in" in titles
        assert "Go to: Meeting" in titles


async def test_phone_is_normalised_as_typed(desk):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press("tab", *"+86-139")
        await wait_for(pilot, lambda: "11 digits" in str(app.screen.query_one("#known").render()))
        await pilot.press(*"12345678")
        await wait_for(
            pilot, lambda: "139 1234 5678" in str(app.screen.query_one("#known").render())
        )


async def test_lift_hold_and_open_a_form_later(desk, team):
    a = rotation.walk_in(desk)  # Wang: form not saved, then done -> held out
    rotation.done(desk, team.wang)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        wang_row = next(i for i, r in enumerate(board(app)) if "王伟" in r[1])
        assert "held" in board(app)[wang_row][5]
        await pilot.press("h")  # the only one held: the pick offers Wang as 1
        assert isinstance(app.screen, PickScreen)
        await pilot.press("1")
        await settle(pilot)
        assert "lifted" in board(app)[wang_row][5]
        # f on the arrival opens its form, filled in later
        app.screen.query_one("#arrivals").focus()
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        app.screen.query_one("#name").value = "Later"
        app.screen.query_one("#phone").value = "13600000000"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
    with desk.db.read() as s:
        assert s.get(Reception, a.reception_id).form_saved_at is not None


async def test_the_collector_paused_for_the_start_runs_again_once_the_screen_is_up(
    ctx, team, monkeypatch
):
    """`deskterm` pauses Python's cycle collector for its start-up (the benchmark's
    start-up figure); the app must turn it back on, or memory would only ever grow."""
    import gc

    import deskterm.ui.app as app_module
    from deskterm.ui.run import pause_gc

    monkeypatch.setattr(app_module, "START_CHECKS_DELAY", 0.2)
    pause_gc()
    try:
        app = create_app(ctx, blink=False)
        async with app.run_test(size=(120, 36)) as pilot:
            assert not gc.isenabled()
            await wait_for(pilot, gc.isenabled, timeout=5)
            assert gc.get_freeze_count() > 0
            await settle(pilot)
    finally:
        gc.unfreeze()
        gc.enable()
