"""A dialog answers once: a double tap (two keys read before it closed) must neither run
the caller's callback twice nor pop the screen below it (found by the tmux morning)."""

from __future__ import annotations

from textual.events import Key

from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, wait_for


async def test_a_double_tap_on_a_numbered_list_answers_once(ctx, team):
    app = create_app(ctx, lang="en", blink=False)
    answers: list[str | None] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pick = PickScreen("Who?", [("a", "Anna"), ("b", "Ben")])
        app.push_screen(pick, answers.append)
        await wait_for(pilot, lambda: app.screen is pick)
        # both keys are in the dialog's queue before the first one closes it
        pick.post_message(Key("1", "1"))
        pick.post_message(Key("2", "2"))
        await settle(pilot)
        assert answers == ["a"]
        assert isinstance(app.screen, ReceptionScreen)
        assert app.return_code is None  # the desk is still running


async def test_a_double_tap_on_yes_answers_once(ctx, team):
    app = create_app(ctx, lang="en", blink=False)
    answers: list[bool | None] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        confirm = ConfirmScreen("Sure?")
        app.push_screen(confirm, answers.append)
        await wait_for(pilot, lambda: app.screen is confirm)
        # as the keys y, n in its queue would: the second after the first closed it
        await confirm.run_action("answer(True)")
        await confirm.run_action("answer(False)")
        await settle(pilot)
        assert answers == [True]
        assert isinstance(app.screen, ReceptionScreen)
        assert app.return_code is None
