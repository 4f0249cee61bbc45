"""The Stale customers tab: the at-risk, to-reassign and stalled lists, reassigned in two keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from deskterm.i18n import N_, _, _p
from deskterm.services import customers, setup
from deskterm.ui.screens.dialogs import PickScreen
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import StaleView
from deskterm.ui.widgets.tables import sync_rows

STALE_LABELS = {"at_risk": N_("at risk"), "reassign": N_("to reassign"), "stalled": N_("stalled")}


class StaleTab(ManagerTab[StaleView]):
    """The stale lists, the most urgent first; ``a`` reassigns, ``m`` takes the customer."""

    BINDINGS = [
        Binding("a", "assign", N_("Reassign / hand out"), id="manager.assign"),
        Binding("m", "take", N_("Take myself"), id="manager.take"),
    ]
    #: Rows on screen: a neglected dealer group can have thousands; the most urgent
    #: first, a page of them; the report and the CSV export have them all.
    ROWS = 500

    def __init__(self) -> None:
        super().__init__(id="stale-tab")

    def compose(self) -> ComposeResult:
        yield DataTable(id="stale", cursor_type="row", zebra_stripes=True)
        more = Static("", id="stale-more", classes="hint", markup=False)
        more.display = False  # only when the list is longer than the screen shows
        yield more

    def on_mount(self) -> None:
        self.query_one("#stale", DataTable).add_columns(
            _("Customer"), _("Level"), _("Owner"), _("List"), _p("stale", "Since"), _("Days over")
        )

    def show(self, view: StaleView) -> None:
        stale = [
            (r.key, (r.name, r.level, r.owner, _(STALE_LABELS[r.kind]), r.since, str(r.days_over)))
            for r in view.rows
        ]
        more = self.query_one("#stale-more", Static)
        more.display = len(stale) > self.ROWS
        more.update(
            _(
                "Showing the first {k} of {n}: at risk first, the longest overdue first.",
                k=self.ROWS,
                n=len(stale),
            )
        )
        sync_rows(self.query_one("#stale", DataTable), stale[: self.ROWS])

    def selected(self) -> str | None:
        """The row key under the cursor: ``<list>-<customer id>``."""
        return selected_key(self.query_one("#stale", DataTable))

    def action_assign(self) -> None:
        """Give the customer to another salesperson (at risk: to a senior one)."""
        key = self.selected()
        if key is None or self.view is None:
            return
        kind, cid = key.split("-")
        owner = next(
            (r.owner_id for r in self.view.rows if r.key == key),
            None,
        )
        ctx = self.desk.ctx
        seniors = [
            (str(p.id), p.name)
            for p in setup.list_staff(ctx, "salesperson")
            if (p.seniority == "senior" or kind != "at_risk") and p.id != owner
        ]
        reason = (
            _("at risk: reassigned to a senior salesperson")
            if kind == "at_risk"
            else _("{what}: reassigned at the meeting", what=_(STALE_LABELS[kind]))
        )

        def picked(sid: str | None) -> None:
            if sid:
                self.run_service(
                    customers.reassign,
                    ctx,
                    int(cid),
                    int(sid),
                    reason,
                    then=lambda v: self.notify(
                        _("Now owned by {name}.", name=v.owner), markup=False
                    ),
                )

        self.app.push_screen(PickScreen(_("Give the customer to:"), seniors), picked)

    def action_take(self) -> None:
        """The manager calls the customer personally."""
        key = self.selected()
        ctx = self.desk.ctx
        people = setup.list_staff(ctx, "manager")
        me = people[0].id if people else None
        if key is None or me is None:
            return
        self.run_service(
            customers.reassign,
            ctx,
            int(key.split("-")[1]),
            me,
            _("the manager calls personally"),
        )
