"""The Coaching tab: each salesperson's recent months, form and contact, fields left empty."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable

from deskterm.domain.kpi import FIELD_LABELS
from deskterm.i18n import _
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import CoachingView
from deskterm.ui.widgets.tables import sync_rows


class CoachingTab(ManagerTab[CoachingView]):
    """Read-only: what to coach each salesperson on."""

    def __init__(self) -> None:
        super().__init__(id="coaching-tab")

    def compose(self) -> ComposeResult:
        yield DataTable(id="coaching", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#coaching", DataTable).add_columns(
            _("Salesperson"),
            _("Month"),
            _("Receptions"),
            _("Contact"),
            _("Form"),
            _("Most often empty"),
        )

    def show(self, view: CoachingView) -> None:
        rows = []
        for person in view.people:
            for month, m in person.months.items():
                rows.append(
                    (
                        f"{person.name}-{month}",
                        (
                            person.name,
                            month,
                            str(m.receptions),
                            "-" if m.capture_rate is None else f"{m.capture_rate:.0%}",
                            "-" if m.completeness is None else f"{m.completeness:.0%}",
                            _(", ").join(
                                _(FIELD_LABELS.get(f, f)) for f, _n in person.missing.most_common(2)
                            ),
                        ),
                    )
                )
        sync_rows(self.query_one("#coaching", DataTable), rows)
