"""Snapshots of issue 23's dialogs on the demo sample: the day's log (`l`) and the undo's
confirmation that lists the later actions falling with the one chosen, both languages."""

from __future__ import annotations

import pytest

from deskterm.ui.app import create_app
from deskterm.ui.screens.reception import DayLogScreen, UndoConfirmScreen
from tests.ui_helpers import demo_ctx, settle, wait_for


async def _day_log(pilot) -> None:
    await wait_for(pilot, lambda: pilot.app.screen.query_one("#board").row_count > 0)
    await pilot.press("l")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DayLogScreen))
    await settle(pilot)


async def _undo_confirm(pilot) -> None:
    await _day_log(pilot)
    # 杨帆's check-in (the fifth action): the question he took since falls with it. (The
    # first four check-ins are refused: their visits have saved forms.)
    await pilot.press("home", "down", "down", "down", "down", "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, UndoConfirmScreen))
    await settle(pilot)


@pytest.mark.parametrize(
    ("dialog", "size"),
    [("log", (100, 30)), ("confirm", (100, 30)), ("confirm", (160, 45))],
    ids=["log-100x30", "confirm-100x30", "confirm-160x45"],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rotation_dialog_snapshot(dialog, size, lang, snap_compare, tmp_path):
    ctx = demo_ctx(tmp_path)
    try:
        app = create_app(ctx, lang=lang, blink=False)
        run = _day_log if dialog == "log" else _undo_confirm
        assert snap_compare(app, terminal_size=size, run_before=run)
    finally:
        ctx.db.close()
