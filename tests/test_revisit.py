"""A returning customer recognised on the walk-in form, and "came alone" (issue 15, items 1 and 6).

A revisit keeps level, name, owner and callbacks unless the form changes them on
purpose, and costs the receiver no counted turn (rotation rule 6).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from deskterm.errors import RuleViolation
from deskterm.services import reception, rotation
from deskterm.services.reception import InvalidForm, ReceptionForm
from deskterm.storage.models import (
    Audit,
    Callback,
    Companion,
    Customer,
    LevelChange,
    Reception,
    RotationEventRow,
)
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import ConfirmScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, wait_for

PHONE = "138 0013 8000"


def first_visit(ctx, team) -> int:
    """Wang, Li, Zhao on duty; Wang receives 张三, hot (callback on 9 March), and is done."""
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(name="张三", phone=PHONE, purchase_horizon="1m", model_interest="Model Y"),
    )
    assert (saved.level, saved.next_callback) == ("hot", date(2026, 3, 9))
    rotation.done(ctx, team.wang)
    return saved.customer_id


def board(ctx):
    return [(m.salesperson_id, m.ups) for m in rotation.get_board(ctx).members]


def open_callbacks(ctx, cid):
    with ctx.db.read() as s:
        return [
            (ctx.local_day(c.due_at), c.salesperson_id)
            for c in s.exec(
                select(Callback).where(Callback.customer_id == cid, Callback.status == "open")
            ).all()
        ]


def customer(ctx, cid):
    with ctx.db.read() as s:
        c = s.get(Customer, cid)
        return c.name, c.level, c.status, c.owner_id


@pytest.mark.both_databases
def test_a_recognised_phone_keeps_level_name_owner_and_callback_and_uses_no_turn(ctx, team):
    cid = first_visit(ctx, team)
    assert board(ctx) == [(team.li, 0), (team.zhao, 0), (team.wang, 1)]
    a = rotation.walk_in(ctx)  # Li is next up: it is Wang's customer
    assert a.salesperson_id == team.li
    # The Level field left blank, the purchase time "not sure", a different name typed.
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(name="张先生", phone="13800138000", purchase_horizon="unknown"),
    )
    assert saved.revisit and saved.turn_given_back and not saved.name_replaced
    assert customer(ctx, cid) == ("张三", "hot", "active", team.wang)
    assert open_callbacks(ctx, cid) == [(date(2026, 3, 9), team.wang)]
    # Li keeps the head of the queue and used no counted turn.
    assert board(ctx) == [(team.li, 0), (team.zhao, 0), (team.wang, 1)]
    with ctx.db.read() as s:
        rec = s.get(Reception, a.reception_id)
        assert (rec.first_visit, rec.requested, rec.courtesy) == (False, True, True)
        assert rec.credited_to_id == team.wang  # the owner keeps the credit
        assert len(s.exec(select(LevelChange)).all()) == 1
        assert s.exec(select(Audit).where(Audit.action == "rotation.turn_back")).one()
    # Saving the form again changes nothing more.
    reception.save_form(ctx, a.reception_id, ReceptionForm(name="张先生", phone="13800138000"))
    assert board(ctx) == [(team.li, 0), (team.zhao, 0), (team.wang, 1)]
    assert customer(ctx, cid) == ("张三", "hot", "active", team.wang)


def test_replace_the_name_on_purpose_and_change_the_level_on_purpose(ctx, team):
    cid = first_visit(ctx, team)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(name="张先生", phone=PHONE, replace_name=True, level="warm"),
    )
    assert saved.name_replaced and saved.level == "warm"
    assert customer(ctx, cid) == ("张先生", "warm", "active", team.wang)
    assert open_callbacks(ctx, cid) == [(date(2026, 4, 2), team.wang)]


def test_the_owner_receiving_their_own_customer_uses_no_turn(ctx, team):
    first_visit(ctx, team)
    rotation.reorder(ctx, [team.wang, team.li, team.zhao])
    a = rotation.walk_in(ctx)
    assert a.salesperson_id == team.wang
    saved = reception.save_form(ctx, a.reception_id, ReceptionForm(name="张三", phone=PHONE))
    assert saved.turn_given_back and not saved.offer_handover
    assert board(ctx) == [(team.wang, 1), (team.li, 0), (team.zhao, 0)]
    with ctx.db.read() as s:
        row = s.exec(
            select(RotationEventRow).where(RotationEventRow.reception_id == a.reception_id)
        ).one()
        assert row.kind == "requested"


def test_the_owner_free_on_the_floor_is_offered_the_visitor(ctx, team):
    first_visit(ctx, team)  # Wang is done: ready on the floor
    a = rotation.walk_in(ctx)
    saved = reception.save_form(ctx, a.reception_id, ReceptionForm(name="张三", phone=PHONE))
    assert saved.offer_handover
    rotation.away(ctx, team.wang, "delivery")
    b = rotation.walk_in(ctx)  # Zhao; Wang away on a delivery: nothing to offer
    other = reception.save_form(ctx, b.reception_id, ReceptionForm(name="张三", phone=PHONE))
    assert other.turn_given_back and not other.offer_handover


def test_a_new_visitor_still_uses_the_turn(ctx, team):
    first_visit(ctx, team)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="李四", phone="139 1234 5678")
    )
    assert not saved.revisit and not saved.turn_given_back
    assert board(ctx) == [(team.zhao, 0), (team.wang, 1), (team.li, 1)]


@pytest.mark.both_databases
def test_came_alone_is_recorded_and_counts_as_filled(ctx, team):
    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    form = ReceptionForm(
        name="张三",
        phone=PHONE,
        model_interest="Model Y",
        budget="200-300k",
        purchase_horizon="1m",
        companions=[("alone", "")],
    )
    reception.save_form(ctx, a.reception_id, form)
    with ctx.db.read() as s:
        rec = s.get(Reception, a.reception_id)
        assert (rec.form_fields_filled, rec.form_fields_total, rec.form_missing) == (7, 7, None)
        assert [c.relation for c in s.exec(select(Companion)).all()] == ["alone"]
    form.companions = []
    reception.save_form(ctx, a.reception_id, form)
    with ctx.db.read() as s:
        rec = s.get(Reception, a.reception_id)
        assert (rec.form_fields_filled, rec.form_missing) == (6, "companions")
    form.companions = [("alone", ""), ("spouse", "")]
    with pytest.raises(InvalidForm) as e:
        reception.save_form(ctx, a.reception_id, form)
    assert set(e.value.errors) == {"companions"}


# -- the form, driven with keys ----------------------------------------------------------


@pytest.fixture
def returning(ctx, team):
    """张三 is Wang's hot customer; Li is next up."""
    return ctx, first_visit(ctx, team)


SIZE = (140, 40)


async def _walk_in_with_phone(pilot, app, name: str) -> ReceptionFormScreen:
    await settle(pilot)
    await pilot.press("n", "1")
    await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
    form = app.screen
    await pilot.press(*name, "tab", *"13800138000")
    await wait_for(pilot, lambda: "revisit" in str(form.query_one("#known").render()))
    return form


async def _save_and_keep_the_visitor(pilot, app) -> None:
    """Ctrl+S; the owner (Wang) is free, so the desk offers the visitor: answer no."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
    await settle(pilot)


async def test_keys_n1_known_phone_ctrl_s_keeps_the_customer_and_the_turn(returning, team):
    ctx, cid = returning
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await _walk_in_with_phone(pilot, app, "")
        assert form.query_one("#name").value == "张三"
        assert form.query_one("#level").value == "hot"  # prefilled: leaving it keeps it
        assert "2026-03-09" in str(form.query_one("#known").render())
        assert "· 1 visit —" in str(form.query_one("#known").render())  # not "1 visit(s)"
        # Changing the level shows its callback date; going back to the level on file
        # empties the box again: the open callback stays.
        form.query_one("#level").focus()
        await pilot.press("2")
        assert form.query_one("#next_callback").value == "2026-04-02"
        await pilot.press("1")
        assert form.query_one("#next_callback").value == ""
        await _save_and_keep_the_visitor(pilot, app)
    assert customer(ctx, cid) == ("张三", "hot", "active", team.wang)
    assert open_callbacks(ctx, cid) == [(date(2026, 3, 9), team.wang)]
    assert board(ctx) == [(team.li, 0), (team.zhao, 0), (team.wang, 1)]


async def test_keys_a_different_name_is_offered_keep_or_replace(returning, team):
    ctx, cid = returning
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await _walk_in_with_phone(pilot, app, "Zhang San")
        await wait_for(pilot, lambda: bool(form.query_one("#row-name_choice").display))
        assert form.query_one("#name_choice").value == "keep"  # the default
        await pilot.press("shift+tab", "2")  # back to the choice: replace
        await _save_and_keep_the_visitor(pilot, app)
    assert customer(ctx, cid) == ("Zhang San", "hot", "active", team.wang)


async def test_keys_a_different_name_left_on_keep_keeps_the_name_on_file(returning, team):
    ctx, cid = returning
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await _walk_in_with_phone(pilot, app, "Zhang San")
        await wait_for(pilot, lambda: bool(form.query_one("#row-name_choice").display))
        await _save_and_keep_the_visitor(pilot, app)
    assert customer(ctx, cid) == ("张三", "hot", "active", team.wang)


async def test_keys_came_alone_is_a_choice_and_excludes_companions(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await pilot.press(*"Zhang", "tab", *"13912345678")
        # model: skip; budget 4, buys 1; with: spouse, then alone
        await pilot.press("tab", "tab", "4", "tab", "1", "tab", "1", "7")
        assert form.query_one("#companions").values == frozenset({"alone"})
        await pilot.press("1")
        assert form.query_one("#companions").values == frozenset({"spouse"})
        await pilot.press("7")
        assert form.query_one("#companions").values == frozenset({"alone"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    with ctx.db.read() as s:
        rec = s.exec(select(Reception)).one()
        assert [c.relation for c in s.exec(select(Companion)).all()] == ["alone"]
        assert "companions" not in (rec.form_missing or "")


def test_hand_the_visitor_over_to_the_owner(ctx, team):
    first_visit(ctx, team)
    a = rotation.walk_in(ctx)  # Li, for Wang's customer; Wang is free
    reception.save_form(ctx, a.reception_id, ReceptionForm(name="张三", phone=PHONE))
    assert reception.hand_over(ctx, a.reception_id) == "王伟"
    members = {m.salesperson_id: m for m in rotation.get_board(ctx).members}
    assert members[team.li].state == "ready" and members[team.li].position == 1
    assert members[team.wang].state == "with_customer" and members[team.wang].requested == 1
    with ctx.db.read() as s:
        rec = s.get(Reception, a.reception_id)
        assert (rec.salesperson_id, rec.courtesy, rec.credited_to_id) == (
            team.wang,
            False,
            team.wang,
        )
    with pytest.raises(RuleViolation):
        reception.hand_over(ctx, a.reception_id)  # already with the owner


async def test_keys_the_desk_offers_the_owner_and_hands_over(returning, team):
    ctx, cid = returning
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _walk_in_with_phone(pilot, app, "")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "王伟" in str(app.screen.query_one(".question").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    arrival = reception.arrivals(ctx)[0]
    assert (arrival.salesperson, arrival.courtesy, arrival.requested) == ("王伟", False, True)
    assert board(ctx) == [(team.li, 0), (team.zhao, 0), (team.wang, 1)]
