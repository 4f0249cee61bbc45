"""Level history after a preset switch (issue 15, item 15): the history is mapped with the
customers, and a code deskterm no longer knows is shown as it is, never an exception."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from deskterm.services import setup
from deskterm.services.maintenance import check
from deskterm.services.report import as_json, daily_report
from deskterm.storage.models import Audit, Callback, LevelChange
from deskterm.ui.app import create_app
from deskterm.ui.screens.meeting import MeetingScreen
from tests.ui_helpers import demo_ctx, settle, wait_for

OLD_CODES = {"hot", "warm", "cold"}


def _codes_in_history(ctx) -> set[str]:
    with ctx.db.read() as s:
        found: set[str] = set()
        for a, b in s.exec(select(LevelChange.from_level, LevelChange.to_level)).all():
            found |= {a, b}
        for a, b in s.exec(select(Callback.level_before, Callback.level_after)).all():
            found |= {a, b}
    return found - {None}


def test_preset_switch_maps_the_history_and_past_reports_still_work(tmp_path):
    ctx = demo_ctx(tmp_path)
    assert _codes_in_history(ctx) & OLD_CODES  # the generated shop has history
    before = [as_json(daily_report(ctx, ctx.today() - timedelta(days=n))) for n in (3, 40)]
    setup.apply_level_preset(ctx, "habc")
    assert _codes_in_history(ctx) <= {"H", "A", "B", "C"}
    for n, old in zip((3, 40), before, strict=True):
        data = as_json(daily_report(ctx, ctx.today() - timedelta(days=n)))
        assert data["levels"] == ["H", "A", "B", "C"]
        # the mapping renames, it changes no recorded count: hot→H, warm→B, cold→C
        assert data["team"]["upgrades"] == old["team"]["upgrades"]
        assert data["team"]["receptions"] == old["team"]["receptions"]
        # The open pipeline is judged by the rules in force now (deskterm keeps no
        # history of level windows): H's shorter window can only lose more of them.
        assert 0 < data["team"]["H"] <= old["team"]["hot"]
    week = as_json(daily_report(ctx, date(2026, 11, 1), date(2026, 10, 1)))
    assert week["period"] == {"from": "2026-10-01", "to": "2026-11-01"}
    assert [p for p in check(ctx) if p.kind == "level"] == []
    with ctx.db.read() as s:
        audit = s.exec(select(Audit.after_json).where(Audit.action == "levels.preset")).all()
    assert any('"history_rows"' in (a or "") for a in audit)
    ctx.db.close()


def test_an_unknown_level_in_the_history_is_a_warning_not_a_crash(tmp_path):
    ctx = demo_ctx(tmp_path)
    # History written elsewhere (an old import, a hand edit): codes the shop has not got.
    with ctx.db.write() as s:
        for lc in s.exec(select(LevelChange).where(LevelChange.to_level == "warm")).all():
            lc.to_level = "zz"
        for cb in s.exec(select(Callback).where(Callback.level_after == "hot")).all():
            cb.level_after = "qq"
    for n in (0, 5, 60):
        as_json(daily_report(ctx, ctx.today() - timedelta(days=n)))
    found = [p.detail for p in check(ctx) if p.kind == "level"]
    assert any("unknown level zz" in d for d in found)
    assert any("unknown level qq" in d for d in found)
    ctx.db.close()


def test_switching_again_repairs_history_left_by_an_older_switch(tmp_path):
    ctx = demo_ctx(tmp_path)
    setup.apply_level_preset(ctx, "habc")
    with ctx.db.write() as s:  # as a switch made before the history was mapped left it
        for lc in s.exec(select(LevelChange).where(LevelChange.to_level == "B")).all():
            lc.to_level = "warm"
    assert any("unknown level warm" in p.detail for p in check(ctx))
    setup.apply_level_preset(ctx, "habc")
    assert _codes_in_history(ctx) <= {"H", "A", "B", "C"}
    assert [p for p in check(ctx) if p.kind == "level"] == []
    ctx.db.close()


async def test_meeting_screen_steps_back_after_a_preset_switch(tmp_path):
    ctx = demo_ctx(tmp_path)
    setup.apply_level_preset(ctx, "habc")
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
        for day in ("2026-11-19", "2026-11-18", "2026-11-17"):
            await pilot.press("left_square_bracket")
            await wait_for(
                pilot, lambda day=day: day in str(app.screen.query_one("#summary").render())
            )
        assert app.is_running and isinstance(app.screen, MeetingScreen)
    ctx.db.close()


async def test_the_manager_who_calls_personally_works_the_call_in_f3(tmp_path):
    from deskterm.services import callbacks, customers
    from deskterm.ui.screens.callbacks import MyCallbacksScreen, TickScreen
    from deskterm.ui.screens.dialogs import PickScreen

    ctx = demo_ctx(tmp_path)
    boss = setup.list_staff(ctx, "manager")[0]
    seller = setup.list_staff(ctx, "salesperson")[0]
    call = callbacks.due_callbacks(ctx, seller.id)[0]
    customers.reassign(ctx, call.customer_id, boss.id, "the manager calls personally")
    assert callbacks.due_callbacks(ctx, boss.id)[0].id == call.id
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        names = [name for _, name in app.screen.options]
        assert boss.name in names  # the manager is among the people who own callbacks
        await pilot.press(str(names.index(boss.name) + 1))
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, MyCallbacksScreen)
                and app.screen.query_one("#calls").row_count > 0
            ),
        )
        assert boss.name in str(app.screen.query_one("#who").render())
        assert [c.id for c in app.screen.items][0] == call.id
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await wait_for(pilot, lambda: call.id not in [c.id for c in app.screen.items])
    with ctx.db.read() as s:
        done = s.get(Callback, call.id)
        assert (done.status, done.outcome) == ("done", "reached")
    ctx.db.close()


async def test_the_signed_in_manager_sees_their_own_callbacks_in_f3(ctx, team, clock, monkeypatch):
    from datetime import datetime

    from deskterm.services import auth, customers, reception, rotation
    from deskterm.services.reception import ReceptionForm
    from deskterm.ui.screens.callbacks import MyCallbacksScreen
    from deskterm.ui.screens.signin import SignInScreen

    monkeypatch.setattr(auth, "SCRYPT_N", 2**10)  # a cheap hash keeps the test quick
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Tom", phone="13900001111", purchase_horizon="1m")
    )
    customers.reassign(ctx, saved.customer_id, team.boss, "the manager calls personally")
    clock.set(datetime(2026, 3, 9, 10, 0))  # the weekly callback is due
    setup.set_setting(ctx, "auth.mode", "pin")
    auth.set_pin(ctx, team.boss, "2468")
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        screen = app.screen
        names = [str(o.prompt) for o in screen.query_one("#people").options]
        screen.query_one("#people").highlighted = next(
            i for i, n in enumerate(names) if n.startswith("Chen Manager")
        )
        await pilot.press("enter", *"2468", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SignInScreen))
        await pilot.press("f3")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, MyCallbacksScreen)
                and app.screen.query_one("#calls").row_count == 1
            ),
        )
        assert app.screen.salesperson == (team.boss, "Chen Manager")  # no "who are you?"
        assert [c.customer_id for c in app.screen.items] == [saved.customer_id]


async def test_a_preset_switched_elsewhere_reaches_an_open_desk(database, clock, team, ctx):
    """Found by a tester: after `deskterm levels preset habc` an open desk still offered
    准购买/意向/潜在, and every save then failed with "unknown level: hot"."""
    from deskterm.services import reception, rotation
    from deskterm.services.maintenance import open_context
    from deskterm.ui.screens.form import ReceptionFormScreen

    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.levels.codes == ("hot", "warm", "cold")
        elsewhere = open_context(database, clock)  # the command line, another process
        try:
            setup.apply_level_preset(elsewhere, "habc")
        finally:
            elsewhere.db.close()
        await wait_for(pilot, lambda: app.levels.codes == ("H", "A", "B", "C"))
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        assert [code for code, _n in form.query_one("#level").options] == ["H", "A", "B", "C"]
        await pilot.press(*"Ann", "enter", *"13800001111")
        form.query_one("#level").focus()
        await pilot.press("1", "ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReceptionFormScreen))
    assert reception.lookup_phone(ctx, "13800001111").level == "H"


async def test_the_team_tab_takes_up_a_preset_switched_elsewhere(tmp_path):
    """Found by a tester: after `levels preset habc` the open F6 Team tab kept the old
    three level headers over four counts, every figure one column off."""
    from deskterm.services.maintenance import open_context
    from deskterm.ui.screens.manager import ManagerScreen

    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("f6")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ManagerScreen)
                and app.screen.query_one("#team").row_count > 0
            ),
        )
        table = app.screen.query_one("#team")
        elsewhere = open_context(ctx.db.path, ctx.clock, start_of_day=False)
        try:
            setup.apply_level_preset(elsewhere, "habc")
            names = [r.name for r in setup.get_levels(elsewhere)]
        finally:
            elsewhere.db.close()
        await wait_for(
            pilot,
            lambda: all(any(n in str(c.label) for c in table.columns.values()) for n in names),
            timeout=10,
        )
        heads = " ".join(str(c.label) for c in table.columns.values())
        assert "hot" not in heads and "准购买" not in heads
        assert len(table.columns) == len(table.get_row_at(0))
    ctx.db.close()
