"""The title bar of every role screen, safe while its screen is being taken down."""

from __future__ import annotations

from textual import events
from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.widget import Widget
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class DeskHeader(Header):
    """Textual's Header, whose title update tolerates a screen already being removed.

    Textual's Header watches the app's title and sub-title; a change arriving while its
    screen is being torn down (sign-in switches the whole stack and sets the sub-title to
    the person's name in the same breath) found the title child already gone and raised
    ``NoMatches``, which takes the whole app down. CI caught it once in ~1,400 runs: a
    sign-in typed in one burst. This header skips the update when the title is gone,
    since nobody will see it.
    """

    def _on_mount(self, event: events.Mount) -> None:
        # Widget's own mount step (scrollbars), then our watchers instead of Header's.
        Widget._on_mount(self, event)
        event.prevent_default()

        async def set_title() -> None:
            try:
                title = self.query_one(HeaderTitle)
                title.update(self.format_title())
            except (NoMatches, NoScreen):
                return  # being removed: the header is not on screen any more

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
