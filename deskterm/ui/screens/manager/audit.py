"""The Audit trail tab: who changed what, newest first, in words; filtered as you type."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Input

from deskterm.i18n import _
from deskterm.services import labels
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import AuditView
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.fields import TextField
from deskterm.ui.widgets.tables import sync_rows


class AuditTab(ManagerTab[AuditView]):
    """Read-only; the filter's text goes to the screen, which loads the matching trail."""

    class FilterChanged(Message):
        """The filter's text changed: the screen loads the trail that matches it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__(id="audit-tab")

    def compose(self) -> ComposeResult:
        yield TextField(
            placeholder=_("filter: action, customer id, name, value…"), id="audit-filter"
        )
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="audit-detail")

    def on_mount(self) -> None:
        audit = self.query_one("#audit", DataTable)
        for label in (_("When"), _("Who"), _("Action"), _("What"), _("Change")):
            audit.add_column(label)  # as wide as the widest cell: nothing cut

    @property
    def filter_text(self) -> str:
        """What the filter holds now."""
        return self.query_one("#audit-filter", Input).value

    @on(Input.Changed, "#audit-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    def show(self, view: AuditView) -> None:
        """The trail, newest first, in words (codes stay in the data); read-only."""
        zone = view.zone
        names = labels.Names(
            lambda code: view.level_names.get(code, code), view.reasons, view.staff
        )
        sync_rows(
            self.query_one("#audit", DataTable),
            [
                (
                    str(e.id),
                    (
                        e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                        e.actor or _("(desk)"),
                        labels.audit_action(e.action),
                        labels.audit_entity(e.entity, e.entity_id),
                        labels.audit_change(e.before, e.after, names, zone)[:200],
                    ),
                )
                for e in view.entries
            ],
        )
        self.show_detail()

    @on(DataTable.RowHighlighted, "#audit")
    def show_detail(self) -> None:
        """The highlighted change in full, under the table."""
        self.show_note("audit", 3)
