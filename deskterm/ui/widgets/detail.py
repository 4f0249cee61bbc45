"""The highlighted row's long text in full, under a table.

A note, a reason or an audit change can be longer than a small desk's screen has room
for in the table's last column (and a table cuts a note at 40 characters anyway): the
line under the table shows the highlighted row's text whole, wrapped.
"""

from __future__ import annotations

from textual.widgets import Static


class RowDetail(Static):
    """One to three lines of plain text about the highlighted row (never markup)."""

    DEFAULT_CSS = """
    RowDetail {
        height: auto;
        max-height: 3;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__("", id=id, markup=False)
