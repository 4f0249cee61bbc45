"""Text fields of the app: an Input that does not blink when the app is told not to (tests)."""

from __future__ import annotations

from textual.widgets import Input


class TextField(Input):
    """An Input; its cursor stays still when ``app.blink`` is False (deterministic snapshots)."""

    def on_mount(self) -> None:
        if not getattr(self.app, "blink", True):
            self.cursor_blink = False
