"""The key bar at the bottom of every role screen, rebuilt only when its keys change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class DeskFooter(Footer):
    """Textual's Footer, without the rebuilds that show the same keys again.

    Textual rebuilds the Footer (one widget per key) on every focus change and every
    binding refresh: three times before the reception board's first paint and once per
    Tab in a form, ~25 ms each with the reception screen's 19 keys. This one compares
    what it would show with what it shows and rebuilds only on a difference, once per
    refresh however many changes were announced.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None
        self._pending = False

    def _keys(self) -> tuple[object, ...]:
        """What compose would show: each shown key, its label, state and tooltip."""
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (binding.key, binding.action, binding.description, enabled, tooltip)
                for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
                if binding.show
            ),
        )

    def compose(self) -> ComposeResult:
        self._pending = False
        if self._bindings_ready:
            self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._pending or self._keys() == self._shown:
            return
        self._pending = True
        self.call_after_refresh(self.recompose)
