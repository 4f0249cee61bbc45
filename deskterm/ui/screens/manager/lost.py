"""The Lost requests tab: approve a salesperson's "lost", or send it back with a note."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from deskterm.i18n import N_, _
from deskterm.services import manager
from deskterm.ui.screens.dialogs import TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import LostView
from deskterm.ui.screens.manager.words import reason_names
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.tables import sync_rows


class LostTab(ManagerTab[LostView]):
    """Requests waiting for the manager, oldest first; the note whole under the table."""

    BINDINGS = [
        Binding("y", "approve", N_("Approve lost"), id="manager.approve"),
        Binding("n", "send_back", N_("Send back"), id="manager.send_back"),
    ]

    def __init__(self) -> None:
        super().__init__(id="lost-tab")

    def compose(self) -> ComposeResult:
        yield DataTable(id="lost", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="lost-detail")

    def on_mount(self) -> None:
        self.query_one("#lost", DataTable).add_columns(
            _("Customer"), _("Level"), _("Owner"), _("Reason"), _("Note")
        )

    def show(self, view: LostView) -> None:
        names = reason_names("lost")
        sync_rows(
            self.query_one("#lost", DataTable),
            [
                (
                    str(r.customer_id),
                    (r.name, r.level, r.owner, names.get(r.reason, r.reason), r.note),
                )
                for r in view.requests
            ],
        )
        self.show_detail()

    @on(DataTable.RowHighlighted, "#lost")
    def show_detail(self) -> None:
        """The highlighted request's note in full, under the table."""
        self.show_note("lost", 0)

    def selected(self) -> str | None:
        """The customer id under the cursor."""
        return selected_key(self.query_one("#lost", DataTable))

    def action_approve(self) -> None:
        """The customer is lost, as the salesperson asked."""
        key = self.selected()
        if key is not None:
            self.run_service(manager.approve_lost, self.desk.ctx, int(key))

    def action_send_back(self) -> None:
        """Not lost yet: the owner calls again, with the manager's note."""
        key = self.selected()
        if key is None:
            return
        ctx = self.desk.ctx

        def noted(note: str | None) -> None:
            if note:
                self.run_service(manager.send_back_lost, ctx, int(key), note)

        self.app.push_screen(
            TextPromptScreen(_("Send back with a note for the salesperson:")), noted
        )
