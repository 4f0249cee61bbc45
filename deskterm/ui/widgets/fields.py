"""Text fields of the app: an Input that does not blink when the app is told not to (tests),
and a search box that says why it refused an over-long paste."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input, Static

from deskterm.i18n import _

#: Tab and Shift+Tab for a screen of fields and one-digit choices, acted on as soon as the
#: app reads the key. An ordinary Tab binding runs only when the key has come back up
#: from the focused field; keys that arrived with it (a fast typist, a burst from the
#: terminal) were already handed to that field, so "Tab 2" typed a 2 into the name
#: instead of picking the second role. No id: Tab is not a shop's to move (keys.RESERVED).
#: The other way round, a save (Ctrl+S) is *not* a priority binding: acted on when read, it
#: saved before the field behind it had taken the digit typed just before it.
FIELD_MOVES = [
    Binding("tab", "app.focus_next", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", show=False, priority=True),
]


class TextField(Input):
    """An Input; its cursor stays still when ``app.blink`` is False (deterministic snapshots)."""

    def on_mount(self) -> None:
        if not getattr(self.app, "blink", True):
            self.cursor_blink = False


class SearchField(TextField):
    """A search box with a length cap: what would make it longer is refused, and said so
    under the field (in ``#err-<id>`` of its screen), not only with the terminal's bell."""

    def restricted(self) -> None:
        """A key or a paste refused for the length: tell the person who typed it, there."""
        super().restricted()
        if self.max_length:
            self._note(_("A search is at most {n} characters.", n=self.max_length))

    def on_input_changed(self, event: Input.Changed) -> None:
        """Anything taken clears the message (the event goes on to the screen)."""
        if event.input is self:
            self._note("")

    def _note(self, text: str) -> None:
        for box in self.screen.query(f"#err-{self.id}").results(Static):
            box.update(f"! {text}" if text else "")
            box.set_class(bool(text), "shown")
