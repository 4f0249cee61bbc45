"""What a walk through the desk (issue 16, as a receptionist and a salesperson) still
found: each a key path driven with the pilot."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlmodel import select
from textual.widgets import Static

from deskterm.services import reception, rotation
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Customer
from deskterm.ui.app import create_app
from deskterm.ui.screens.callbacks import MyCallbacksScreen, TickScreen
from deskterm.ui.screens.dialogs import PickScreen
from tests.ui_helpers import settle, table_rows, wait_for

NOTE = "[bold red]wife[/] wants the long-range version, asks about financing over 5 years"


def _tom_due_today(ctx, team, note: str | None = None) -> None:
    """Li received Tom (hot) and is done; the clock moves to the day his callback is due."""
    rotation.check_in(ctx, team.li)
    arrival = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx,
        arrival.reception_id,
        ReceptionForm(name="Tom", phone="13800138000", purchase_horizon="1m"),
    )
    rotation.done(ctx, team.li)
    if note is not None:
        with ctx.db.write() as s:  # the customer's note, as an edit or an import leaves it
            s.exec(select(Customer)).one().notes = note
    ctx.clock.set(datetime.combine(saved.next_callback, time(10)))


@pytest.mark.parametrize(("lang", "label"), [("en", "Last note: "), ("zh", "上次备注：")])
async def test_the_tick_shows_the_whole_last_note_the_list_cuts(ctx, team, lang, label):
    _tom_due_today(ctx, team, NOTE)
    app = create_app(ctx, lang=lang, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        assert table_rows(app.screen, "#calls")[0][-1] != NOTE  # cut in the list
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
        await settle(pilot)
        shown = app.screen.query_one("#last-note", Static)
        assert str(shown.render()) == label + NOTE  # whole, as typed, not as markup
        assert app.screen.query_one(".dialog").content_region.contains_region(shown.region)


async def _tick_open(ctx, team, app, pilot) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
    await pilot.press("1")
    await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
    await settle(pilot)
    await pilot.press("space")
    await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
    await settle(pilot)


async def test_esc_on_a_tick_closes_it_untouched_and_asks_once_something_was_picked(ctx, team):
    from deskterm.ui.screens.dialogs import ConfirmScreen

    _tom_due_today(ctx, team)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _tick_open(ctx, team, app, pilot)
        await pilot.press("escape")  # as it opened (reached, the level on file): closed
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
        await settle(pilot)
        await pilot.press("2", "tab", "tab", *"call back Friday", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # no: back to the tick, nothing lost
        await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
        assert app.screen.query_one("#note").value == "call back Friday"
        await pilot.press("escape", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        assert table_rows(app.screen, "#calls")[0][0] == "Tom"  # not ticked


async def test_esc_on_the_customer_edit_closes_it_untouched_and_asks_once_typed(ctx, team):
    from deskterm.ui.screens.customers import CustomersScreen
    from deskterm.ui.screens.dialogs import ConfirmScreen
    from deskterm.ui.screens.edit import EditCustomerScreen

    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(name="欧阳娜娜", phone="13800138000", purchase_horizon="1m"),
    )
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4", *"欧阳")
        await wait_for(pilot, lambda: len(table_rows(app.screen, "#results")) == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(table_rows(app.screen, "#timeline")) >= 1)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditCustomerScreen))
        await settle(pilot)
        await pilot.press("escape")  # nothing changed: closed at once
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditCustomerScreen))
        await settle(pilot)
        await pilot.press("end", *"女士", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))


async def test_ctrl_q_with_a_typed_callback_note_asks_first(ctx, team):
    """Quitting asks for every form that holds typing, not only the walk-in's."""
    from deskterm.ui.screens.dialogs import ConfirmScreen

    _tom_due_today(ctx, team)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _tick_open(ctx, team, app, pilot)
        await pilot.press("2", "tab", "tab", *"call back Friday", "ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
        assert app.screen.query_one("#note").value == "call back Friday"
        assert app.is_running
