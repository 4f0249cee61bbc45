"""The Targets tab: the month's targets per salesperson and for the team, set on screen
(issue 18). The cursor is on a cell: Enter (or ``t``) sets that measure's target for that
row's person, ``d`` removes it, ``p`` copies the previous month's where none is set yet."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from deskterm.domain.targets import MEASURE_LABELS, ORDER, RATES, Measure
from deskterm.i18n import N_, _, ngettext
from deskterm.services import targets
from deskterm.services.labels import TARGET_HEADS, target_figure
from deskterm.services.targets import Progress
from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen, TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import TargetsView
from deskterm.ui.widgets.people import set_columns
from deskterm.ui.widgets.targets import FOLD_BELOW, cell

#: Folded, the first half of the measures sits over the second.
HALF = len(ORDER) // 2


class TargetsTab(ManagerTab[TargetsView]):
    """Each person's monthly target beside the month so far (done/target to date)."""

    BINDINGS = [
        Binding("t", "set_target", N_("Set target"), id="manager.target_set"),
        Binding("d", "clear_target", N_("Remove target"), id="manager.target_clear"),
        Binding("p", "copy_month", N_("Copy last month"), id="manager.target_copy"),
    ]

    def __init__(self) -> None:
        super().__init__(id="targets-tab")
        self._folded = False

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
        self._folded = folded = self.width_columns < FOLD_BELOW
        heads = [_(TARGET_HEADS[m]) for m in ORDER]
        if folded:  # under 120 columns: the process over the result, two lines a person
            pairs = zip(heads[:HALF], heads[HALF:], strict=True)
            set_columns(table, [_("Salesperson"), *(Text(f"{a}\n{b}") for a, b in pairs)])
        else:
            set_columns(table, [_("Salesperson"), *heads])
        for p in [*board.people, board.team]:
            shown = [self._shown(p.row(m)) for m in ORDER]
            if folded:
                shown = [
                    Text("\n").join([a, b]) for a, b in zip(shown[:HALF], shown[HALF:], strict=True)
                ]
            name = p.name if p.name is not None else _("Team")
            table.add_row(
                Text(name), *shown, key=str(p.salesperson_id or 0), height=2 if folded else 1
            )
        if where.row < table.row_count and where.column < len(table.columns):
            # On a measure, never the name (Enter there would set the first measure).
            table.cursor_coordinate = Coordinate(where.row, max(where.column, 1))
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

    @staticmethod
    def _shown(row: Progress) -> Text:
        """done/target to date, then the month's target in brackets (or the figure alone)."""
        if row.monthly is None:
            return cell(row) if row.actual is not None else Text("-")
        shown = cell(row)
        shown.append(f" [{target_figure(row.measure, row.monthly)}]")
        return shown

    def fit(self) -> None:
        if self.view is not None and (self.width_columns < FOLD_BELOW) != self._folded:
            self.show(self.view)

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

    def _measure_then(
        self, then: Callable[[int | None, str, Measure], None], question: str = ""
    ) -> None:
        """The person and measure under the cursor; folded, a cell holds two measures:
        ask which."""
        found = self._cell()
        if found is None:
            return
        sid, name, measure = found
        if not self._folded:
            then(sid, name, measure)
            return
        lower = ORDER[ORDER.index(measure) + HALF]
        self.app.push_screen(
            PickScreen(
                question or _("Which target of {name}?", name=name),
                [
                    (measure.value, _(MEASURE_LABELS[measure])),
                    (lower.value, _(MEASURE_LABELS[lower])),
                ],
            ),
            lambda code: then(sid, name, Measure(code)) if code else None,
        )

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """Enter on a cell: set that target."""
        event.stop()
        self.action_set_target()

    def action_set_target(self) -> None:
        """Ask for the month's target of the measure under the cursor, for that person."""
        self._measure_then(self._ask_target)

    def _ask_target(self, sid: int | None, name: str, measure: Measure) -> None:
        if self.view is None:
            return
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
        """Remove the target under the cursor, after a question that names it (one key
        must not silently undo what the manager set)."""

        def clear(sid: int | None, name: str, measure: Measure) -> None:
            if self.view is None:
                return
            month = self.view.board.month

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_service(targets.clear_target, self.desk.ctx, month, measure, sid)

            self.app.push_screen(
                ConfirmScreen(
                    _(
                        "Remove the {month} target of {name} on {measure}?",
                        month=month.isoformat()[:7],
                        name=name,
                        measure=_(MEASURE_LABELS[measure]),
                    )
                ),
                answered,
            )

        self._measure_then(clear, _("Remove which target?"))

    def action_copy_month(self) -> None:
        if self.view is None:
            return
        self.run_service(
            targets.copy_last_month,
            self.desk.ctx,
            self.view.board.month,
            then=lambda n: self.notify(
                ngettext(
                    "{n} target copied from last month.", "{n} targets copied from last month.", n
                ),
                markup=False,
            ),
        )
