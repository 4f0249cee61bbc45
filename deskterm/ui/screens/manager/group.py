"""The Group tab (a dealer group's server only): every showroom's meeting figures today,
side by side, with the group's total; a showroom that cannot be read named below."""

from __future__ import annotations

from typing import Any, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from deskterm.i18n import N_, _
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.widgets.tables import sync_rows


class GroupTab(ManagerTab[dict[str, Any]]):
    """The group report's table (a row per showroom, the Group row last), read when the
    tab is opened and on ``g``, not on every change: it opens each showroom's schema."""

    BINDINGS = [
        Binding("g", "read_again", N_("Read every showroom again"), id="manager.group_read"),
    ]

    def __init__(self) -> None:
        super().__init__(id="group-tab")

    def compose(self) -> ComposeResult:
        yield Static(_("Reading every showroom…"), id="group-title", markup=False)
        yield DataTable(id="group", cursor_type="row", zebra_stripes=True)
        yield Static("", id="group-problems", markup=False)

    def show(self, view: dict[str, Any]) -> None:
        from deskterm.services.report_export import group_table

        title, head, rows, problems = group_table(view)
        table = self.query_one("#group", DataTable)
        if [str(c.label) for c in table.columns.values()] != head:
            table.clear(columns=True)
            table.add_columns(*head)
        sync_rows(table, [(str(i), row) for i, row in enumerate(rows)])
        self.query_one("#group-title", Static).update(title)
        self.query_one("#group-problems", Static).update("\n".join(problems))

    def action_read_again(self) -> None:
        """Read every showroom's figures again."""
        self.query_one("#group-title", Static).update(_("Reading every showroom…"))
        cast(Any, self.screen).load_group()
