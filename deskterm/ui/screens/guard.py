"""Finding the open forms that hold typing no save has kept yet.

Quitting (Ctrl+Q) asks first while any open form holds such typing: a receptionist's
half-typed walk-in is never thrown away by one key. A form says so through its
``unsaved_changes()`` (the reception form; the others through ``AsksBeforeDiscarding``).
"""

from __future__ import annotations

from textual.screen import Screen


def screens_with_unsaved_changes(stacks: list[list[Screen]]) -> list[Screen]:
    """The open screens, in any mode's stack, that hold unsaved typing."""
    found = []
    for stack in stacks:
        for screen in stack:
            check = getattr(screen, "unsaved_changes", None)
            if callable(check) and check():
                found.append(screen)
    return found
