"""Appointments at the desk, driven with the pilot: the tick-off with a day and a time,
marketing's invitation, the expected visitors on the Reception screen and the key `a`."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from deskterm.services import callbacks, marketing, reception, rotation
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Appointment, Reception
from deskterm.ui.app import create_app
from deskterm.ui.screens.callbacks import MyCallbacksScreen, TickScreen
from deskterm.ui.screens.contact import ContactScreen
from deskterm.ui.screens.dialogs import PickScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.marketing import MarketingScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, table_rows, wait_for

HOSTILE = json.loads(
    (Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text("utf-8")
)["markup"]


def _appointments(ctx) -> list[tuple]:
    with ctx.db.read() as s:
        return [
            (a.customer_id, a.at, a.model, a.note, a.status, a.reception_id)
            for a in s.exec(select(Appointment).order_by(col(Appointment.id))).all()
        ]


def _customer(ctx, team, name="Tom", phone="13800138000", sid=None) -> tuple[int, int]:
    """A hot customer of ``sid`` (Li) received today: (customer id, open callback id)."""
    sid = sid or team.li
    rotation.check_in(ctx, sid)  # alone on the board: next-up
    arrival = rotation.walk_in(ctx, sid)
    saved = reception.save_form(
        ctx,
        arrival.reception_id,
        ReceptionForm(name=name, phone=phone, purchase_horizon="1m", model_interest="Model Y"),
    )
    rotation.done(ctx, sid)
    rotation.check_out(ctx, sid)
    due = callbacks.due_callbacks(ctx, sid, date(2026, 6, 1))
    return saved.customer_id, next(c.id for c in due if c.customer_id == saved.customer_id)


def _at(ctx, day: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 3, day, h, m, tzinfo=ctx.clock.zone)


async def _open_tick(app, pilot) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
    await pilot.press("1")  # Li Na (the names in order)
    await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
    await settle(pilot)
    await pilot.press("space")
    await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
    await settle(pilot)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_tick_off_books_a_day_and_a_time(ctx, team, lang):
    cid, _cb = _customer(ctx, team)
    ctx.clock.set(datetime(2026, 3, 9, 10, 0))  # the callback's day (a week on)
    app = create_app(ctx, lang=lang, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_tick(app, pilot)
        await pilot.press("3")  # appointment booked: the cursor goes on to the time
        assert app.screen.query_one("#row-appointment").display
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "appointment"
        # typed straight on, as a salesperson does: its digits pick no other outcome
        await pilot.press(*"2026-03-12")  # a day without its time: said, nothing lost
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "HH:MM" in str(app.screen.query_one("#err-appointment").render())
        )
        assert app.screen.query_one("#appointment").value == "2026-03-12"
        await pilot.press(*" 14:30", "tab")
        assert app.focused.id == "model"
        await pilot.press(*"Model 3")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
    [(customer, at, model, _note, status, _rid)] = _appointments(ctx)
    assert (customer, at, model, status) == (cid, _at(ctx, 12, 14, 30), "Model 3", "booked")


async def test_the_tick_off_takes_tomorrow_in_chinese_and_refuses_the_past(ctx, team):
    _customer(ctx, team)
    ctx.clock.set(datetime(2026, 3, 9, 10, 0))
    app = create_app(ctx, lang="zh", blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_tick(app, pilot)
        await pilot.press("3")
        app.screen.query_one("#appointment").value = "2026-03-08 15:00"
        app.screen.query_one("#model").value = HOSTILE[0]
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "已过" in str(app.screen.query_one("#err-appointment").render())
        )
        assert app.screen.query_one("#model").value == HOSTILE[0]  # nothing typed is lost
        app.screen.query_one("#appointment").value = "明天 15:00"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
    [(_c, at, model, _n, _s, _r)] = _appointments(ctx)
    assert at == _at(ctx, 10, 15) and model == HOSTILE[0]


async def test_marketing_invites_a_pool_customer_to_visit(ctx, team):
    lead = marketing.register_lead(ctx, "Lead Liu", "139 1111 2222", "online")
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, (PickScreen, MarketingScreen)))
        if isinstance(app.screen, PickScreen):
            await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, MarketingScreen))
        await wait_for(pilot, lambda: app.screen.query_one("#pool").row_count == 1)
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, (PickScreen, ContactScreen)))
        if isinstance(app.screen, PickScreen):
            await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactScreen))
        await settle(pilot)
        assert not app.screen.query_one("#invite-rows").display
        await pilot.press("2")  # reached — invited to visit: the cursor goes on to the time
        assert app.screen.query_one("#invite-rows").display
        await settle(pilot)
        # typed straight on, as marketing does ("2" then the time used to re-pick the
        # outcome and save "no answer" without the invitation)
        await pilot.press(*"03-04 11:00", "tab", *"Model Y")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MarketingScreen))
        await settle(pilot)
    [(customer, at, model, _n, status, _r)] = _appointments(ctx)
    assert (customer, at, model, status) == (lead, _at(ctx, 4, 11), "Model Y", "booked")


def _expected_day(ctx, team) -> tuple[int, int]:
    """Wang, Li checked in; Tom (Li's, 15:00) and Ann (Zhao's, 11:00) expected today."""
    tom, cb1 = _customer(ctx, team)
    ann, cb2 = _customer(ctx, team, "Ann", "13900000002", sid=team.zhao)
    rotation.check_in(ctx, team.wang)
    callbacks.complete_callback(ctx, cb1, "appointment", appointment=_at(ctx, 2, 15), model="Y")
    callbacks.complete_callback(ctx, cb2, "appointment", appointment=_at(ctx, 2, 11))
    rotation.check_in(ctx, team.li)  # Zhao is not in today
    ctx.clock.set(datetime(2026, 3, 2, 11, 20))
    return tom, ann


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_records_the_expected_visitor_picked_by_a_digit(ctx, team, lang):
    tom, _ann = _expected_day(ctx, team)
    app = create_app(ctx, lang=lang, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#expected-table").row_count == 2)
        rows = table_rows(app.screen, "#expected-table")
        late, expected = ("late", "expected") if lang == "en" else ("已迟到", "待到店")
        assert [r[:2] + r[-1:] for r in rows] == [
            ["11:00", "Ann", late],
            ["15:00", "Tom", expected],
        ]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("2")  # Tom
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert app.screen.query_one("#name").value == "Tom"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await wait_for(
            pilot, lambda: table_rows(app.screen, "#expected-table")[1][-1] in ("arrived", "已到店")
        )
    [rec] = [a for a in reception.arrivals(ctx) if a.customer == "Tom" and a.requested]
    assert rec.salesperson == "Li Na" and not rec.courtesy  # the owner, no turn
    shown = [a for a in _appointments(ctx) if a[0] == tom]
    assert shown[0][4] == "shown" and shown[0][5] == rec.id


async def test_a_on_the_row_under_a_moved_cursor_and_the_owner_away(ctx, team):
    _tom, ann = _expected_day(ctx, team)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#expected-table").row_count == 2)
        table = app.screen.query_one("#expected-table")
        table.focus()
        await pilot.press("down", "up")  # moved back onto Ann (Zhao's, checked out)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert app.screen.query_one("#name").value == "Ann"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    with ctx.db.read() as s:
        rec = s.exec(select(Reception).where(Reception.customer_id == ann)).all()[-1]
        assert rec.courtesy and rec.credited_to_id == team.zhao  # next-up, Zhao keeps her


async def test_the_key_shows_only_on_a_day_with_someone_expected(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#expected").display
        assert "arrive" not in {
            b.action for _n, b, e, _t in app.screen.active_bindings.values() if e
        }
        assert app.screen.check_action("arrive", ()) is False


async def test_hostile_names_models_and_notes_are_shown_as_text(ctx, team):
    for i, text in enumerate(HOSTILE[:6]):
        cid, cb = _customer(ctx, team, f"{text}"[:40] or "x", f"1390000{i:04d}")
        callbacks.complete_callback(
            ctx, cb, "appointment", appointment=_at(ctx, 2, 12 + i), model=text[:60], note=text
        )
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#expected-table").row_count == 6)
        rows = table_rows(app.screen, "#expected-table")
        assert [r[3] for r in rows] == [t[:60] for t in HOSTILE[:6]]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReceptionScreen)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reception_snapshot_with_expected_visitors(ctx, team, snap_compare, lang):
    _expected_day(ctx, team)
    app = create_app(ctx, lang=lang, blink=False)

    async def ready(pilot) -> None:
        await wait_for(pilot, lambda: app.screen.query_one("#expected-table").row_count == 2)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(160, 45), run_before=ready)


async def test_the_desk_timer_settles_no_shows_and_a_storage_error_is_one_message(
    ctx, team, monkeypatch
):
    from deskterm.errors import StorageError
    from deskterm.services import appointments

    tom, _ann = _expected_day(ctx, team)
    ctx.clock.set(datetime(2026, 3, 2, 16, 0))  # Tom's 15:00 and its hour of grace passed
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.settle_no_shows()  # what the minute timer runs
        await settle(pilot)
        assert {a[0]: a[4] for a in _appointments(ctx)}[tom] == "no_show"
        due = callbacks.due_callbacks(ctx, team.li)
        assert [c.customer_id for c in due] == [tom] and due[0].overdue_days == 0

        def fails(_ctx):
            raise StorageError("The database is locked by another program.")

        monkeypatch.setattr(appointments, "settle_no_shows", fails)
        app.settle_no_shows()  # failed: said once, by the worker boundary
        await wait_for(pilot, lambda: any("locked" in str(n.message) for n in app._notifications))
        assert app.is_running and isinstance(app.screen, ReceptionScreen)


async def test_whom_the_desk_still_awaits_comes_first(ctx, team):
    """The list is two rows tall at 100×30: an earlier visitor who already arrived goes
    below the one still to come (a tester saw only arrived rows at 10:44)."""
    from deskterm.services import appointments

    tom, ann = _expected_day(ctx, team)
    [ann_appt] = [a for a in appointments.expected(ctx) if a.customer == "Ann"]
    appointments.arrive(ctx, ann_appt.id)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#expected-table").row_count == 2)
        rows = table_rows(app.screen, "#expected-table")
        assert [(r[1], r[-1]) for r in rows] == [("Tom", "expected"), ("Ann", "arrived")]


async def test_a_busy_owner_is_said_to_be_with_a_customer(ctx, team):
    """A tester: the owner serving someone else was said to be "not on the floor"."""
    _tom, _ann = _expected_day(ctx, team)
    rotation.walk_in(ctx)  # Wang
    rotation.walk_in(ctx)  # Li, who expects Tom
    rotation.check_in(ctx, team.zhao)  # free: receives Tom as a courtesy
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#expected-table").row_count == 2)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("2")  # Tom
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        notes = [str(n.message) for n in app._notifications]
        assert any("Li Na is with a customer" in n and "courtesy" in n for n in notes), notes
