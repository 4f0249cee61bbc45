"""The title bar survives a title change that lands while its screen is being removed."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets._header import HeaderTitle

from deskterm.ui.widgets.header import DeskHeader


class _OneHeader(App[None]):
    def compose(self) -> ComposeResult:
        yield DeskHeader()


async def test_a_title_change_after_the_title_is_gone_does_not_crash_the_app():
    """CI saw Textual's Header raise NoMatches when sign-in set the sub-title while the
    signed-out screen was being taken down; here the title child is removed first, as
    teardown does, and the app must keep running and still show titles afterwards."""
    app = _OneHeader()
    async with app.run_test(size=(60, 5)) as pilot:
        header = app.query_one(DeskHeader)
        await header.query_one(HeaderTitle).remove()
        app.sub_title = "Li Na"
        app.title = "deskterm"
        await pilot.pause()
        await pilot.pause()
        assert app.is_running
        assert app._exception is None


async def test_the_header_still_follows_the_title():
    app = _OneHeader()
    async with app.run_test(size=(60, 5)) as pilot:
        app.title = "deskterm"
        app.sub_title = "Li Na"
        await pilot.pause()
        shown = str(app.query_one(HeaderTitle).render())
        assert "deskterm" in shown and "Li Na" in shown
