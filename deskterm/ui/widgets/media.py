"""Where visitors come from, as the Meeting and the Manager's Media tab show it: one row
per medium — its spend, the visitors, contacts and sales it brought, and what each
visitor and each sale cost (issue 18; the rules are in ``domain.media``, the words in
``services.labels``)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from deskterm.i18n import _
from deskterm.services.labels import media_cells, media_heads, media_name
from deskterm.services.media import MediaReport
from deskterm.ui.widgets.people import fit_name, set_columns
from deskterm.ui.widgets.tables import sync_rows

#: Under this width the month's whole spend is left out (the spend to date is the one
#: the costs are worked from): every column fits 100 columns in both languages.
WIDE_FROM = 120

#: A medium's name is cut to this many cells (the Media tab's line under the table has it
#: whole): a shop's long name must not push the figures off the screen.
NAME_CELLS = 26

#: The key of the "every medium" row (a medium's code never has a space).
TOTAL_KEY = "all media"
#: The key of the row of visitors whose form named no medium.
NONE_KEY = "not recorded"


def row_key(code: str | None) -> str:
    """The table row key of a medium's row."""
    return NONE_KEY if code is None else code


def fill(table: DataTable[object], report: MediaReport, width: int) -> None:
    """Draw ``report`` in ``table`` for a screen ``width`` columns wide: every medium of
    the month, the unrecorded visitors, then all of them together."""
    wide = width >= WIDE_FROM
    want = media_heads(wide)
    if [str(c.label) for c in table.ordered_columns] != want:
        set_columns(table, want)
    rows = [
        (row_key(r.code), media_cells(media_name(report, r.code), r, wide)) for r in report.rows
    ]
    rows.append((TOTAL_KEY, media_cells(_("All media"), report.total, wide)))
    # The name as typed (never markup), cut to NAME_CELLS; the figures right-aligned.
    sync_rows(
        table,
        [
            (key, (fit_name(name, NAME_CELLS), *(Text(c, justify="right") for c in rest)))
            for key, (name, *rest) in rows
        ],
    )
