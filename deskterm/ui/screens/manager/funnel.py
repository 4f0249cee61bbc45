"""The Funnel tab: first visits in a period and how far each got, per salesperson."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Static

from deskterm.domain.analysis import FUNNEL_STAGES
from deskterm.i18n import N_, _
from deskterm.services.report import parse_range
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.dialogs import TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import FunnelView
from deskterm.ui.text import cells, plain
from deskterm.ui.widgets.charts import PALETTE, Chart, bar_chart
from deskterm.ui.widgets.people import set_columns
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


def fold_name(name: str, width: int, wide_width: int) -> str:
    """A step's name on lines of at most ``width`` cells, broken at spaces; a name in
    Chinese (wide characters, no spaces) in pieces of ``wide_width`` cells."""
    if cell_len(name) == len(name):
        return "\n".join(textwrap.wrap(name, width) or [name])
    lines, line = [], ""
    for ch in name:
        if line and cell_len(line + ch) > wide_width:
            lines.append(line)
            line = ""
        line += ch
    return "\n".join([*lines, line])


def step_share(n: int, visits: int) -> str:
    """A step's share of the visits alone (a narrow screen's cell)."""
    return "-" if visits == 0 else f"{n / visits:.0%}"


def share(n: int, of: int) -> str:
    """``n`` of ``of`` and the share it is (the share left out when ``of`` is 0)."""
    return f"{n}/{of}" if of == 0 else f"{n}/{of} ({n / of:.0%})"


def team_chart(view: FunnelView) -> Callable[[int, int], Text]:
    """The team's first visits and how many reached each stage, as bars."""
    row = view.stages.get(None) or dict.fromkeys(FUNNEL_STAGES, 0)
    visitors = row[FUNNEL_STAGES[0]]
    bars = [
        (_(STAGE_LABELS[s]), float(row[s]), funnel_cell(row[s], visitors)) for s in FUNNEL_STAGES
    ]
    title = _("The team's first visits, stage by stage")
    return lambda w, h: bar_chart(title, bars, w, h, note=_("No first visit in the period."))


def people_chart(view: FunnelView) -> Callable[[int, int], Text]:
    """Each salesperson's share of first visits who left contact, as bars."""
    bars = []
    for sid, name in view.names.items():
        row = view.stages.get(sid)
        if row is None or row["received"] == 0:
            continue
        n, of = row["registered"], row["received"]
        bars.append((name, n / of, share(n, of)))
    title = _("Left contact, of each salesperson's first visits")
    return lambda w, h: bar_chart(
        title, bars, w, h, colors=(PALETTE[1],), note=_("No first visit in the period.")
    )


#: The charts under the table: the stages' bars and a line each for the salespeople.
CHART_ROWS_MIN = 6


class FunnelTab(ManagerTab[FunnelView]):
    """Per salesperson and the team; ``r`` asks for another period. Under the table the
    team's stages as bars, and from 120 columns each salesperson's contact capture."""

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
        # Where each salesperson's visits stop: the steps of the sale (issue 19).
        yield Static("", id="funnel-steps-hint", classes="hint", markup=False)
        yield DataTable(id="funnel-steps", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="funnel-charts"):
            yield Chart(id="funnel-team-chart")
            yield Chart(id="funnel-people-chart")

    def on_mount(self) -> None:
        # As tall as its rows, not the app's 1fr: the charts sit right under it.
        self.query_one("#funnel", DataTable).styles.height = "auto"
        self.query_one("#funnel-steps", DataTable).styles.height = "auto"
        self.query_one("#funnel", DataTable).add_columns(
            _("Salesperson"), *[_(STAGE_LABELS[s]) for s in FUNNEL_STAGES]
        )

    def fit(self) -> None:
        if self.view is not None:
            self._show_steps(self.view)
        self._show_charts()

    def _show_charts(self) -> None:
        view = self.view
        wide = self.width_columns >= DeskScreen.NARROW_BELOW
        self.query_one("#funnel-people-chart", Chart).display = wide
        people = len(view.names) if view is not None else 0
        # a title line and a bar a line: the stages, and the people beside them when wide
        rows = 1 + max(len(FUNNEL_STAGES), people if wide else 0)
        self.query_one("#funnel-charts", Horizontal).styles.height = max(rows, CHART_ROWS_MIN)
        if view is not None:
            self.query_one("#funnel-team-chart", Chart).draw(team_chart(view))
            self.query_one("#funnel-people-chart", Chart).draw(people_chart(view))

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
        self._show_steps(view)
        self._show_charts()

    def _show_steps(self, view: FunnelView) -> None:
        """Each salesperson's visits and the share that reached each step, the team last
        (the manager's step is the turn-over). The step names are the shop's own words
        (shown as text, never markup); under 120 columns they wrap and the cells give
        the share alone, so the table fits 100 columns (and 80)."""
        table = self.query_one("#funnel-steps", DataTable)
        hint = self.query_one("#funnel-steps-hint", Static)
        steps = view.steps
        table.display = hint.display = steps is not None
        if steps is None:
            return
        wide = self.width_columns >= DeskScreen.NARROW_BELOW
        codes = steps["codes"]
        names = [steps["names"].get(code, code) for code in codes]
        if not wide:
            # Two lines a name at 100 columns, three at 80 (no cell is cut).
            roomy = self.width_columns >= 90
            names = [fold_name(n, 12 if roomy else 8, 12 if roomy else 4) for n in names]
        cursor = table.cursor_row
        set_columns(table, [plain(_("Salesperson")), plain(_("Visits")), *map(plain, names)])
        lines = [p for p in steps["salespeople"] if p["visits"]]
        for p in [*lines, {**steps["team"], "id": 0, "name": _("Team")}]:
            visits = p["visits"]
            shares = [
                (funnel_cell(p[code], visits) if wide else step_share(p[code], visits))
                for code in codes
            ]
            table.add_row(*cells(p["name"], str(visits), *shares), key=str(p["id"]))
        if 0 < cursor < table.row_count:
            table.move_cursor(row=cursor, animate=False)
        hint.update(
            _(
                "Visits {first} – {last} and the steps of the sale they reached, "
                "each as a share of the visits",
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
