"""The Targets tab: the month's targets per salesperson and for the team, set on screen
(issue 18). The cursor is on a cell: Enter (or ``t``) sets that measure's target for that
row's person, ``d`` removes it, ``p`` copies the previous month's where none is set yet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from deskterm.domain.targets import MEASURE_LABELS, ORDER, RATES, Measure
from deskterm.i18n import N_, _, _p
from deskterm.services import targets
from deskterm.services.labels import TARGET_HEADS, target_figure
from deskterm.ui.screens.dialogs import TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import TargetsView
from deskterm.ui.widgets.people import set_columns
from deskterm.ui.widgets.targets import cell


class TargetsTab(ManagerTab[TargetsView]):
    """Each person's monthly target beside the month so far (done/target to date)."""

    BINDINGS = [
        Binding("t", "set_target", N_("Set target"), id="manager.target_set"),
        Binding("d", "clear_target", N_("Remove target"), id="manager.target_clear"),
        Binding("p", "copy_month", N_("Copy last month"), id="manager.target_copy"),
    ]

    def __init__(self) -> None:
        super().__init__(id="targets-tab")

    def compose(self) -> ComposeResult:
        yield Static("", id="targets-head", classes="hint", markup=False)
        yield DataTable(id="targets-set", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="targets-week", classes="hint", markup=False)

    def show(self, view: TargetsView) -> None:
        board = view.board
        self.query_one("#targets-head", Static).update(
            _(
                "Targets for {month}: each cell is the month's target, and the month so far "
                "against its share to date. Enter sets the target under the cursor.",
                month=board.month.isoformat()[:7],
            )
        )
        table = self.query_one("#targets-set", DataTable)
        where = table.cursor_coordinate
        set_columns(
            table, [_("Salesperson"), *(_p("target column", TARGET_HEADS[m]) for m in ORDER)]
        )
        for p in [*board.people, board.team]:
            cells: list[object] = [p.name if p.name is not None else _("Team")]
            for m in ORDER:
                row = p.row(m)
                if row.monthly is None:
                    cells.append(cell(row) if row.actual is not None else "-")
                    continue
                shown = cell(row)
                shown.append(f"  [{target_figure(m, row.monthly)}]")
                cells.append(shown)
            table.add_row(*cells, key=str(p.salesperson_id or 0))
        if where.row < table.row_count and where.column < len(table.columns):
            table.cursor_coordinate = where
        week = view.week
        closed = ", ".join(f"{d.isoformat()} {n}".strip() for d, n in view.closed)
        self.query_one("#targets-week", Static).update(
            _(
                "The week (Mon…Sun): {week} · closed: {closed} — [n] is the month's target; "
                "deskterm settings set targets.weekdays, deskterm targets close DAY.",
                week=week,
                closed=closed or _("none"),
            )
        )

    def _cell(self) -> tuple[int | None, str, Measure] | None:
        """(salesperson id or None for the team, their name, the measure) under the cursor."""
        table = self.query_one("#targets-set", DataTable)
        if table.row_count == 0 or self.view is None:
            return None
        c = table.cursor_coordinate
        if c.column == 0:
            c = Coordinate(c.row, 1)
        key = str(table.coordinate_to_cell_key(c).row_key.value)
        name = str(table.get_row_at(c.row)[0])
        return (None if key == "0" else int(key)), name, ORDER[c.column - 1]

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """Enter on a cell: set that target."""
        event.stop()
        self.action_set_target()

    def action_set_target(self) -> None:
        """Ask for the month's target of the measure under the cursor, for that person."""
        found = self._cell()
        if found is None or self.view is None:
            return
        sid, name, measure = found
        month = self.view.board.month
        current = next(
            (
                t.value
                for t in self.view.targets
                if t.salesperson_id == sid and t.measure is measure
            ),
            None,
        )
        ctx = self.desk.ctx
        question = _(
            "{measure} for {name}, {month}{unit}:",
            measure=_(MEASURE_LABELS[measure]),
            name=name,
            month=month.isoformat()[:7],
            unit=_(" (a percentage)") if measure in RATES else "",
        )

        def typed(text: str | None) -> None:
            if text is not None:
                self.run_service(
                    targets.set_target,
                    ctx,
                    month,
                    measure,
                    text,
                    sid,
                    then=lambda v: self.notify(_("Target set."), markup=False),
                )

        shown = "" if current is None else target_figure(measure, current).rstrip("%")
        self.app.push_screen(
            TextPromptScreen(
                question,
                shown,
                check=lambda text: targets.check_target(measure, text),
            ),
            typed,
        )

    def action_clear_target(self) -> None:
        found = self._cell()
        if found is None or self.view is None:
            return
        sid, _name, measure = found
        self.run_service(targets.clear_target, self.desk.ctx, self.view.board.month, measure, sid)

    def action_copy_month(self) -> None:
        if self.view is None:
            return
        self.run_service(
            targets.copy_last_month,
            self.desk.ctx,
            self.view.board.month,
            then=lambda n: self.notify(_("{n} targets copied from last month.", n=n), markup=False),
        )
