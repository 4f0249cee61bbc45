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


@pytest.mark.parametrize(("lang", "label"), [("en", "Last note: "), ("zh", "上次备注：")])
async def test_the_tick_shows_the_whole_last_note_the_list_cuts(ctx, team, lang, label):
    rotation.check_in(ctx, team.li)
    arrival = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx,
        arrival.reception_id,
        ReceptionForm(name="Tom", phone="13800138000", purchase_horizon="1m"),
    )
    rotation.done(ctx, team.li)
    with ctx.db.write() as s:  # the customer's note, as an edit or an import leaves it
        s.exec(select(Customer)).one().notes = NOTE
    ctx.clock.set(datetime.combine(saved.next_callback, time(10)))
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
