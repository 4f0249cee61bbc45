"""Text fields of the app: an Input that does not blink when the app is told not to (tests),
and a search box that says why it refused an over-long paste."""

from __future__ import annotations

from textual.widgets import Input, Static

from deskterm.i18n import _


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
