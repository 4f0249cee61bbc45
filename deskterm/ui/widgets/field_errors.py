"""Showing a form's errors: each message under its field, focus on the first wrong one."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from textual.screen import Screen
from textual.widgets import Static


def show_field_errors(screen: Screen, errors: Mapping[str, str],
                      focusable: Collection[str] = ()) -> None:
    """Clear old messages, show new ones in ``#err-<field>``, focus the first wrong field.

    Nothing typed is touched: the user corrects the field and saves again.
    """
    for box in screen.query(".field-error").results(Static):
        box.update("")
        box.remove_class("shown")
    first: str | None = None
    for field, message in errors.items():
        for box in screen.query(f"#err-{field}").results(Static):
            box.update(f"! {message}")
            box.add_class("shown")
        if first is None and field in focusable:
            first = field
    if first is not None:
        screen.query_one(f"#{first}").focus()
