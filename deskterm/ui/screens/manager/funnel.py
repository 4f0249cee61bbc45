"""The Funnel tab: first visits in a period and how far each got, per salesperson."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from deskterm.domain.analysis import FUNNEL_STAGES
from deskterm.i18n import N_, _
from deskterm.services.report import parse_range
from deskterm.ui.screens.dialogs import TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import FunnelView
from deskterm.ui.widgets.tables import sync_rows

STAGE_LABELS = {
    "received": N_("received"),
    "registered": N_("left contact"),
    "test_drive": N_("test drive"),
    "hot": N_("reached top level"),
    "won": N_("won"),
}


def funnel_cell(n: int, visitors: int) -> str:
    """A stage's count, and its share of the visitors."""
    # Each stage as a share of the visitors: the drop between stages reads off the row.
    return str(n) if n == visitors or visitors == 0 else f"{n} ({n / visitors:.0%})"


class FunnelTab(ManagerTab[FunnelView]):
    """Per salesperson and the team; ``r`` asks for another period."""

    BINDINGS = [
        Binding("r", "range", N_("Period"), id="manager.range"),
    ]

    class PeriodChosen(Message):
        """The manager chose the funnel's period: the screen loads it."""

        def __init__(self, first: date, last: date) -> None:
            super().__init__()
            self.first = first
            self.last = last

    def __init__(self) -> None:
        super().__init__(id="funnel-tab")

    def compose(self) -> ComposeResult:
        yield Static("", id="funnel-range", classes="hint", markup=False)
        yield DataTable(id="funnel", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#funnel", DataTable).add_columns(
            _("Salesperson"), *[_(STAGE_LABELS[s]) for s in FUNNEL_STAGES]
        )

    def show(self, view: FunnelView) -> None:
        names, fun = view.names, view.stages
        rows = []
        for sid, row in [*[(sid, fun[sid]) for sid in names if sid in fun], (None, fun.get(None))]:
            if row is None:
                continue
            rows.append(
                (
                    str(sid),
                    (
                        names.get(sid, _("Team")) if sid else _("Team"),
                        *[funnel_cell(row[s], row[FUNNEL_STAGES[0]]) for s in FUNNEL_STAGES],
                    ),
                )
            )
        sync_rows(self.query_one("#funnel", DataTable), rows)
        self.query_one("#funnel-range", Static).update(
            _(
                "First visits {first} – {last}, each stage as a share of the visitors; "
                "r changes the period",
                first=view.first.isoformat(),
                last=view.last.isoformat(),
            )
        )

    def action_range(self) -> None:
        """Ask for the period: week, month, a month or two days."""
        today = self.desk.ctx.today()

        def typed(text: str | None) -> None:
            if text is not None:
                self.post_message(self.PeriodChosen(*parse_range(text, today)))

        self.app.push_screen(
            TextPromptScreen(
                _("Period: week, month, 2026-10, or 2026-10-01 2026-10-31"),
                "month",
                check=lambda text: parse_range(text, today),
            ),
            typed,
        )
