"""The sign-in dialog keeps its PIN field on screen at every size a shop has (issue 16):
at 80x24 a dozen names used to push it out of the dialog, and the PIN was typed blind."""

from __future__ import annotations

import pytest

from deskterm.services import setup
from deskterm.ui.app import create_app
from deskterm.ui.screens.signin import SignInScreen
from tests.ui_helpers import demo_ctx, settle, wait_for


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45), (240, 67)])
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_pin_field_and_its_message_show_under_a_dozen_names(tmp_path, lang, size):
    ctx = demo_ctx(tmp_path)
    setup.set_setting(ctx, "auth.mode", "pin")
    assert len(setup.list_staff(ctx)) >= 12
    app = create_app(ctx, lang=lang, blink=False)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await settle(pilot)
        await pilot.press("down", "enter", "1", "enter")  # a PIN too short: an error
        await wait_for(pilot, lambda: app.screen.query_one("#err-pin").has_class("shown"))
        await settle(pilot)
        dialog = app.screen.query_one(".dialog")
        inside = dialog.content_region
        for part in ("#pin", "#err-pin", "#pin-hint", "#people"):
            region = app.screen.query_one(part).region
            assert region.height > 0 and inside.contains_region(region), (part, region, inside)
        assert app.screen.region.contains_region(dialog.region)
    ctx.db.close()
