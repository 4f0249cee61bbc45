"""The Leads tab: nurtured pool customers and new phone/online leads, handed out with ``a``."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from deskterm.i18n import N_, _, _p
from deskterm.services import manager, setup
from deskterm.services.reception import CHANNELS
from deskterm.ui.screens.dialogs import PickScreen
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import LeadsView
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.tables import sync_rows


class LeadsTab(ManagerTab[LeadsView]):
    """Leads waiting for a salesperson, oldest first; the note whole under the table."""

    BINDINGS = [
        # The same id as the Stale tab's: one key, one setting, "reassign / hand out".
        Binding("a", "assign", N_("Reassign / hand out"), id="manager.assign"),
    ]

    def __init__(self) -> None:
        super().__init__(id="leads-tab")

    def compose(self) -> ComposeResult:
        yield DataTable(id="leads", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="leads-detail")

    def on_mount(self) -> None:
        self.query_one("#leads", DataTable).add_columns(
            _("Customer"), _("Channel"), _p("leads", "Since"), _("Note")
        )

    def show(self, view: LeadsView) -> None:
        sync_rows(
            self.query_one("#leads", DataTable),
            [
                (str(v.customer_id), (v.name, _(CHANNELS.get(v.source, v.source)), v.since, v.note))
                for v in view.leads
            ],
        )
        self.show_detail()

    @on(DataTable.RowHighlighted, "#leads")
    def show_detail(self) -> None:
        """The highlighted lead's note in full, under the table."""
        self.show_note("leads", 0)

    def selected(self) -> str | None:
        """The customer id under the cursor."""
        return selected_key(self.query_one("#leads", DataTable))

    def action_assign(self) -> None:
        """Hand the lead to a salesperson (its first callback is theirs)."""
        key = self.selected()
        if key is None:
            return
        ctx = self.desk.ctx
        people = [(str(p.id), p.name) for p in setup.list_staff(ctx, "salesperson")]

        def to(sid: str | None) -> None:
            if sid:
                self.run_service(
                    manager.hand_out_lead,
                    ctx,
                    int(key),
                    int(sid),
                    then=lambda due: self.notify(
                        _("Handed out; first callback {day}.", day=due), markup=False
                    ),
                )

        self.app.push_screen(PickScreen(_("Hand the lead to:"), people), to)
