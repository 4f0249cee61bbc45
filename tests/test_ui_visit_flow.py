"""Issue 19 at the desk: digits tick the steps of the sale on the arrival under the cursor,
the waiting visitors and their wait, and the form's WeChat / e-mail, party size, decider
and new-or-used — both languages, hostile text shown as text."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from deskterm.i18n import set_language
from deskterm.services import reception, rotation, setup, steps, waiting
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Customer, Reception, ReceptionStep, WaitingVisitor
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import PickScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.test_key_bursts import burst
from tests.ui_helpers import settle, table_rows, wait_for

SIZE = (100, 30)
HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())


def _ticked(ctx) -> set[tuple[int, str]]:
    with ctx.db.read() as s:
        return {(r.reception_id, r.step) for r in s.exec(select(ReceptionStep)).all()}


def _notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_digit_ticks_the_step_on_the_arrival_under_the_cursor(ctx, team, lang):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    first = rotation.walk_in(ctx)
    reception.save_form(ctx, first.reception_id, ReceptionForm(name="Ann", phone="13800138000"))
    second = rotation.walk_in(ctx)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReceptionScreen)
        screen.query_one("#arrivals").focus()
        await settle(pilot)  # the cursor is on the newest arrival: the second
        await pilot.press("1")
        await wait_for(pilot, lambda: _ticked(ctx) == {(second.reception_id, "greeted")})
        await pilot.press("down", "5")
        await wait_for(pilot, lambda: (first.reception_id, "quote") in _ticked(ctx))
        await settle(pilot)
        assert any("Ann" in n and "1/6" in n for n in _notices(app))
        rows = table_rows(screen, "#arrivals")
        quote = "报价" if lang == "zh" else "quote"
        assert rows[1][-1] == f"1/6 {quote}"
        # On the board, the salesperson with that customer: the furthest step in the Note.
        board = {r[1].strip(" ▶"): r[-1] for r in table_rows(screen, "#board")}
        assert board["王伟"] == quote
        await pilot.press("5")  # again: taken back
        await wait_for(pilot, lambda: (first.reception_id, "quote") not in _ticked(ctx))
        await pilot.press("9")  # no ninth step: said, nothing ticked
        await settle(pilot)
        assert len(_ticked(ctx)) == 1


async def test_n_1_typed_fast_answers_the_question_and_never_ticks_a_step(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    old = rotation.walk_in(ctx)  # an arrival under the cursor a digit could tick
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#arrivals").focus()
        await settle(pilot)
        burst(app, "n", "1", "2", "3")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await settle(pilot)
        assert app.screen.query_one("#name").value == "23"  # typed ahead for the form
    assert _ticked(ctx) == set()
    assert old.reception_id


async def test_f_then_a_digit_goes_to_the_form_not_to_the_steps(ctx, team):
    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#arrivals").focus()
        await settle(pilot)
        burst(app, "f", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await settle(pilot)
        assert app.screen.query_one("#name").value == "1"
    assert _ticked(ctx) == set() and a.reception_id


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_nobody_free_makes_a_waiting_visitor_whom_n_takes_later(ctx, team, clock, lang):
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    rotation.check_in(ctx, team.wang)
    rotation.walk_in(ctx)  # Wang is busy: nobody is free
    came = ctx.now()
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "n", "1", "Ann")  # what was typed for the form is dropped
        await wait_for(pilot, lambda: len(waiting.waiting_list(ctx).visitors) == 1)
        await settle(pilot)
        assert isinstance(app.screen, ReceptionScreen)
        when = came.astimezone(ctx.clock.zone).strftime("%H:%M")
        assert any(when in n for n in _notices(app))
        line = str(app.screen.query_one("#waiting").render())
        assert when in line
        # Four minutes later (past the alert of 3): the banner warns, the wait grows.
        clock.set(clock.now() + timedelta(minutes=4))
        await pilot.pause(1.3)
        await settle(pilot)
        banner = app.screen.query_one("#next-up")
        assert banner.has_class("long-wait")
        assert "4" in str(app.screen.query_one("#waiting").render())
        rotation.done(ctx, team.wang)
        await pilot.pause(1.3)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
    with ctx.db.read() as s:
        rec = s.exec(select(Reception).order_by(Reception.id.desc())).first()  # type: ignore[union-attr]
        assert rec.arrived_at == came and rec.assigned_at == came + timedelta(minutes=4)
        assert s.exec(select(WaitingVisitor)).one().reception_id == rec.id


async def test_w_records_that_a_waiting_visitor_left(ctx, team, clock):
    first = waiting.add_waiting(ctx)
    clock.set(clock.now() + timedelta(minutes=2))
    waiting.add_waiting(ctx)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("1")
        await wait_for(pilot, lambda: len(waiting.waiting_list(ctx).visitors) == 1)
    with ctx.db.read() as s:
        assert s.get(WaitingVisitor, first.id).left_at is not None


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_forms_new_fields_after_the_prefilled_ones(ctx, team, lang):
    rotation.check_in(ctx, team.wang)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await pilot.press(*"Ann Lee")
        form.query_one("#contact_other").focus()
        await pilot.press(*"ann_lee88", "tab", *"3", "tab", "2", "tab", "2")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
    with ctx.db.read() as s:
        c = s.exec(select(Customer)).one()
        rec = s.exec(select(Reception)).one()
        assert (c.phone, c.contact_other) == (None, "ann_lee88")
        assert (rec.party_size, rec.decider, rec.interest) == (3, "spouse", "used")


async def test_a_walk_in_with_a_wechat_id_instead_of_a_phone_counts_its_keys(ctx, team):
    """The common path keeps its dozen keys; a WeChat visitor costs the Tabs to reach the
    field (past the prefilled ones) and nothing else."""
    from tests.test_form_keys import Keys

    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        k = Keys(pilot)
        await k.key("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await k.type("Ann")
        await k.key("enter", "enter")  # no phone
        await k.type("Model Y")
        await k.key("enter", "4", "enter", "1", "enter", "1")  # budget, buys, with
        while form.focused is not form.query_one("#contact_other"):
            await k.key("tab")
        await k.type("ann_wechat")
        await k.key("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
    assert k.count <= 20, k.count
    with ctx.db.read() as s:
        assert s.exec(select(Customer)).one().contact_other == "ann_wechat"


async def test_wrong_new_fields_show_under_their_field_and_nothing_typed_is_lost(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        hostile = HOSTILE["markup"][2]  # "[bold red]Red[/]"
        form.query_one("#name").value = "Ann"
        form.query_one("#contact_other").value = hostile
        form.query_one("#party_size").value = "99"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(str(form.query_one("#err-party_size").render())))
        assert str(form.query_one("#err-contact_other").render())
        assert form.query_one("#contact_other").value == hostile
        assert form.query_one("#party_size").value == "99"
        assert isinstance(app.screen, ReceptionFormScreen)


async def test_a_returning_customers_form_opens_with_their_wechat(ctx, team):
    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    reception.save_form(ctx, a.reception_id, ReceptionForm(name="Ann", contact_other="ann_wx1"))
    rotation.done(ctx, team.wang)
    b = rotation.walk_in(ctx)
    with ctx.db.write() as s:
        s.get(Reception, b.reception_id).customer_id = s.exec(select(Customer)).one().id
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#arrivals").focus()
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert app.screen.query_one("#contact_other").value == "ann_wx1"
    assert steps.active_steps(ctx)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_k_edits_the_step_list_and_ctrl_arrows_reorder_it(ctx, team, lang):
    from textual.widgets import DataTable

    from deskterm.services import reasons
    from deskterm.ui.screens.manager.lists import ListScreen
    from tests.test_ui_manager_method import open_tab

    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, app, "tab-media")
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("4")  # the steps of the sale
        await wait_for(pilot, lambda: isinstance(app.screen, ListScreen))
        table = app.screen.query_one("#list", DataTable)
        await wait_for(pilot, lambda: table.row_count == 6)
        await pilot.press("ctrl+down")  # greeted after needs analysis
        await wait_for(
            pilot,
            lambda: [r.code for r in reasons.pick_list(ctx, "step")][:2] == ["needs", "greeted"],
        )
        await settle(pilot)
        assert table.cursor_row == 1  # the cursor went with it
    assert [s.key for s in steps.active_steps(ctx) if s.code == "greeted"] == [2]


async def test_a_digit_after_a_walk_in_ticks_the_visitor_just_received(ctx, team):
    """The arrivals' cursor goes to the arrival the desk just made: a tester's steps landed
    on the older row the cursor had been left on."""
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    older = {rotation.walk_in(ctx).reception_id, rotation.walk_in(ctx).reception_id}
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#arrivals").focus()
        await settle(pilot)
        await pilot.press("down")  # the cursor left on an older arrival
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await wait_for(pilot, lambda: app.screen.query_one("#arrivals").row_count == 3)
        await settle(pilot)
        await pilot.press("1")
        await wait_for(pilot, lambda: len(_ticked(ctx)) == 1)
    [(rid, step)] = _ticked(ctx)
    assert rid not in older and step == "greeted"
