"""Showing a form's errors: each message under its field, focus on the first wrong one."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from textual.screen import Screen
from textual.widgets import Static


def show_field_errors(
    screen: Screen, errors: Mapping[str, str], focusable: Collection[str] = ()
) -> None:
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


def _show_where_possible(screen: Any, errors: Mapping[str, str], general_field: str) -> None:
    # A field without its own message box (e.g. "customer") shows under the general one:
    # a message nobody sees is a swallowed error.
    placed: dict[str, str] = {}
    for field, message in errors.items():
        target = field if screen.query(f"#err-{field}") else general_field
        placed[target] = f"{placed[target]} {message}" if target in placed else message
    screen.show_errors(placed)


def save_or_show_errors(screen: Any, save: Callable[[], Any], general_field: str = "form") -> None:
    """Run ``save`` (from a worker thread): dismiss the dialog with its result, or show
    every field error under its field (the others under ``general_field``)."""
    from deskterm.errors import DesktermError
    from deskterm.services.reception import InvalidForm

    try:
        result = save()
    except InvalidForm as exc:
        errors = {f: e.message for f, e in exc.errors.items()}
    except DesktermError as exc:
        errors = {exc.field or general_field: exc.message}
    else:
        screen.app.call_from_thread(screen.dismiss, result)
        return
    screen.app.call_from_thread(_show_where_possible, screen, errors, general_field)
