"""The per-salesperson figures (F5 Meeting, F6 Team) on a small desk's screen.

Under ``DeskScreen.NARROW_BELOW`` columns the full table (13 columns, ~120 wide in
either language) does not fit: the narrow layout keeps every figure a manager reads at
the meeting on screen by folding the three callback counts into one "due/done/overdue"
cell, putting long headers on two lines and the essential columns first (name,
receptions, levels, callbacks, conversion), so a secondary one is what an 80-column
terminal scrolls to.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from deskterm.i18n import _


def callbacks_cell(due: object, done: object, overdue: object | Text) -> Text:
    """Due, done and overdue callbacks in one cell, ``6/0/2`` (overdue keeps its style)."""
    last = overdue if isinstance(overdue, Text) else str(overdue)
    return Text.assemble(str(due), "/", str(done), "/", last, end="")


def set_columns(table: DataTable, headers: Sequence[str | Text]) -> None:
    """Replace the table's columns; a header on two lines gets a two-line header row."""
    table.clear(columns=True)
    lines = max((len(str(h).splitlines()) for h in headers), default=1)
    table.header_height = max(lines, 1)
    for label in headers:
        table.add_column(label)  # as wide as the widest cell: nothing cut
    table.refresh()


def meeting_narrow(
    head: Sequence[str], rows: Sequence[Sequence[str]], n_levels: int
) -> tuple[list[str], list[list[object]]]:
    """``report_export.people_rows``' table for a narrow screen (same figures, refolded).

    Its columns are: name, receptions, the levels, due, done, overdue, upgrades, won,
    conversion, form, contact.
    """
    d = 2 + n_levels  # the first callback column
    if len(head) != d + 8:
        raise ValueError(f"unexpected meeting columns: {list(head)}")
    new_head = [
        head[0],
        _("Recep-\ntions"),
        *head[2:d],
        _("Due/done/\noverdue"),
        _("Conversion\n(contact)"),
        head[d + 4],  # won
        _("Up-\ngrades"),
        head[d + 6],  # form
        head[d + 7],  # contact
    ]
    new_rows: list[list[object]] = [
        [
            r[0],
            r[1],
            *r[2:d],
            callbacks_cell(r[d], r[d + 1], r[d + 2]),
            r[d + 5],
            r[d + 4],
            r[d + 3],
            r[d + 6],
            r[d + 7],
        ]
        for r in rows
    ]
    return new_head, new_rows
