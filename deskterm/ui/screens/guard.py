"""Knowing whether a form screen holds typing that no save has kept yet.

Quitting (Ctrl+Q) asks first while any open form holds such typing: a receptionist's
half-typed walk-in is never thrown away by one key.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Input, TextArea


class UnsavedGuard:
    """Mixin for a form screen: ``unsaved_changes()`` is True once a text field differs
    from what it showed when the form opened (prefilled values do not count)."""

    _opened: dict[int, str] | None = None

    def on_mount(self) -> None:
        # After the screen's own mount (prefills) has run and been applied.
        assert isinstance(self, Screen)
        self.call_after_refresh(self._remember_opened)

    def _remember_opened(self) -> None:
        assert isinstance(self, Screen)
        self._opened = {id(w): _text(w) for w in self.query("Input, TextArea")}

    def unsaved_changes(self) -> bool:
        """Anything typed since the form opened."""
        assert isinstance(self, Screen)
        opened = self._opened or {}
        return any(_text(w) != opened.get(id(w), "") for w in self.query("Input, TextArea"))


def _text(widget: object) -> str:
    if isinstance(widget, Input):
        return widget.value.strip()
    if isinstance(widget, TextArea):
        return widget.text.strip()
    return ""


def screens_with_unsaved_changes(stacks: list[list[Screen]]) -> list[Screen]:
    """The open screens, in any mode's stack, that hold unsaved typing."""
    found = []
    for stack in stacks:
        for screen in stack:
            check = getattr(screen, "unsaved_changes", None)
            if callable(check) and check():
                found.append(screen)
    return found
