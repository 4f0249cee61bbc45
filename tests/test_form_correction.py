"""Correcting a saved reception form (`f` on an arrival whose form is saved).

Found by a tester driving the desk: the form opened empty, and saving a stranger's
name and phone rewrote the real customer's phone, gave the receiver's turn back and
turned a first visit into a revisit. A correction opens with what was saved, changes
only what is edited, never moves the turn again, and refuses a phone that belongs to
another customer (the field says whose).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from deskterm.services import reception, rotation
from deskterm.services.reception import InvalidForm, ReceptionForm
from deskterm.storage.models import Audit, Customer, Reception, RotationEventRow
from deskterm.ui.app import create_app
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, wait_for

PHONE = "138 0013 8000"


def _saved_walk_in(ctx, team) -> tuple[int, int]:
    """Wang, Li on duty; Wang receives 张三 (hot, with a companion) on a counted turn."""
    for sid in (team.wang, team.li):
        rotation.check_in(ctx, sid)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(
            name="张三",
            phone=PHONE,
            purchase_horizon="1m",
            model_interest="Model Y",
            budget="200-300k",
            companions=[("spouse", "[/b] 妻子")],
            notes="asked about financing",
        ),
    )
    assert saved.customer_id is not None
    return a.reception_id, saved.customer_id


def _state(ctx, rid: int, cid: int):
    with ctx.db.read() as s:
        rec, c = s.get(Reception, rid), s.get(Customer, cid)
        kinds = [e.kind for e in s.exec(select(RotationEventRow)).all()]
        return (
            (c.name, c.phone, c.level, c.owner_id, c.model_interest, c.last_contact_at),
            (rec.first_visit, rec.requested, rec.courtesy, rec.credited_to_id),
            kinds,
        )


@pytest.mark.both_databases
def test_the_saved_form_comes_back_as_saved(ctx, team):
    rid, cid = _saved_walk_in(ctx, team)
    form, own = reception.form_prefill(ctx, rid)
    assert own == cid
    assert (form.name, form.phone, form.level, form.model_interest) == (
        "张三",
        PHONE,
        "hot",
        "Model Y",
    )
    assert (form.budget, form.purchase_horizon, form.notes) == (
        "200-300k",
        "1m",
        "asked about financing",
    )
    assert form.companions == [("spouse", "[/b] 妻子")]
    assert form.next_callback is None  # empty: the open callback stays


@pytest.mark.both_databases
def test_saving_the_saved_form_unchanged_changes_nothing_that_matters(ctx, team):
    rid, cid = _saved_walk_in(ctx, team)
    before = _state(ctx, rid, cid)
    form, _own = reception.form_prefill(ctx, rid)
    reception.save_form(ctx, rid, form)
    assert _state(ctx, rid, cid) == before
    with ctx.db.read() as s:
        actions = [a.action for a in s.exec(select(Audit)).all()]
    assert "rotation.turn_back" not in actions
    assert actions.count("reception.form_edit") == 1


@pytest.mark.both_databases
def test_a_corrected_name_and_phone_correct_the_customer_and_nothing_else(ctx, team):
    rid, cid = _saved_walk_in(ctx, team)
    (_n, _p, level, owner, model, contact), rec, kinds = _state(ctx, rid, cid)
    form, _own = reception.form_prefill(ctx, rid)
    form.name, form.phone = "张三丰", "139 1111 0001"
    reception.save_form(ctx, rid, form)
    assert _state(ctx, rid, cid) == (
        ("张三丰", "+8613911110001", level, owner, model, contact),
        rec,
        kinds,
    )


@pytest.mark.both_databases
def test_a_phone_of_another_customer_is_refused_at_the_phone_field(ctx, team):
    rid, cid = _saved_walk_in(ctx, team)
    b = rotation.walk_in(ctx)
    other = reception.save_form(
        ctx, b.reception_id, ReceptionForm(name="李四", phone="13900000002")
    )
    before = _state(ctx, rid, cid)
    form, _own = reception.form_prefill(ctx, rid)
    form.phone = "139 0000 0002"
    with pytest.raises(InvalidForm) as err:
        reception.save_form(ctx, rid, form)
    assert "李四" in err.value.errors["phone"].message
    assert _state(ctx, rid, cid) == before
    with ctx.db.read() as s:
        assert s.get(Reception, b.reception_id).customer_id == other.customer_id


async def test_keys_f_on_a_saved_arrival_opens_it_filled_and_a_fix_keeps_the_rest(ctx, team):
    rid, cid = _saved_walk_in(ctx, team)
    (_n, _p, level, owner, model, contact), rec, kinds = _state(ctx, rid, cid)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#arrivals").focus()
        await pilot.press("home", "f")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await wait_for(pilot, lambda: form.query_one("#phone").value == PHONE)
        assert form.query_one("#name").value == "张三"
        assert form.query_one("#level").value == "hot"
        assert form.query_one("#model_interest").value == "Model Y"
        assert "revisit" not in str(form.query_one("#known").render())
        # An untouched correction closes at once on Esc.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await wait_for(pilot, lambda: form.query_one("#phone").value == PHONE)
        await pilot.press("end", "丰", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    assert _state(ctx, rid, cid) == (
        ("张三丰", "+8613800138000", level, owner, model, contact),
        rec,
        kinds,
    )
    with ctx.db.read() as s:
        assert s.exec(select(Audit.action).where(Audit.action == "rotation.turn_back")).all() == []
    assert rotation.get_board(ctx).members[0].salesperson_id == team.li
    assert date(2026, 3, 9) >= ctx.today()


async def test_a_form_saved_without_a_level_says_it_went_to_marketing(ctx, team):
    """Found by a tester: name and phone only, Ctrl+S, "Saved." — and the visitor was
    潜在 in marketing's pool with no callback, without a word."""
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press(*"Undo Me", "enter", *"13955556666", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await wait_for(
            pilot, lambda: any("marketing" in str(n.message) for n in app._notifications)
        )
    assert reception.lookup_phone(ctx, "13955556666").status == "marketing"


async def test_keys_another_customers_phone_is_refused_at_the_field(ctx, team):
    """Found by a tester: the correction took the other customer's phone, offered
    "keep / replace" and announced a revisit; only Ctrl+S refused it."""
    rid, cid = _saved_walk_in(ctx, team)
    b = rotation.walk_in(ctx)
    reception.save_form(ctx, b.reception_id, ReceptionForm(name="李四", phone="13900000002"))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#arrivals").focus()
        await pilot.press("home", "down", "f")  # newest first: the saved walk-in is second
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form_screen = app.screen
        await wait_for(pilot, lambda: form_screen.query_one("#phone").value == PHONE)
        form_screen.query_one("#phone").focus()
        form_screen.query_one("#phone").value = ""
        await pilot.press(*"13900000002")
        await wait_for(pilot, lambda: "李四" in str(form_screen.query_one("#err-phone").render()))
        assert not form_screen.query_one("#row-name_choice").display
        assert "revisit" not in str(form_screen.query_one("#known").render())
