"""From the independent check (pre-existing): a yes/no question longer than the dialog
is cut, not wrapped. Seen in tmux at 160x45: "Close the day? Open receptions are closed
and the rota" and "刘洋 owns this customer and is free: hand the visitor" — the person at
the desk answers y to a question whose end they cannot read."""

from __future__ import annotations

import pytest
from textual.widgets import Label

from deskterm.i18n import _
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import ConfirmScreen
from tests.ui_helpers import settle, wait_for

QUESTIONS = [
    "Close the day? Open receptions are closed and the rotation statistics kept.",
    "{owner} owns this customer and is free: hand the visitor over?",
]


@pytest.mark.parametrize("size", [(160, 45), (100, 30)])
@pytest.mark.parametrize("question", QUESTIONS)
async def test_a_long_question_is_shown_whole(ctx, team, size, question):
    text = _(question, owner="Emily Zhang")
    app = create_app(ctx, lang="en", blink=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        confirm = ConfirmScreen(text)
        app.push_screen(confirm)
        await wait_for(pilot, lambda: app.screen is confirm)
        await settle(pilot)
        label = confirm.query(Label).first()
        box = confirm.query_one(".dialog").content_region
        # The question's cells fit in the dialog (a label wider than it is clipped).
        assert label.region.right <= box.right, (label.region, box, text)
        assert label.size.width * label.size.height >= len(text), (label.size, text)
