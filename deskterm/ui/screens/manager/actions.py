"""The Actions tab: the manager's action plans — open ones most urgent first, then the
closed — recorded (``w``: what to do) and closed with what happened (``o``: the outcome) on
screen (issue 18)."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from deskterm.domain.targets import MEASURE_LABELS, ORDER
from deskterm.i18n import N_, _
from deskterm.services import actions, setup
from deskterm.services.labels import ACTION_STATE_LABELS, target_figure
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import ActionsView
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.tables import sync_rows

#: No figure: an action need not name one (a tidy-up of the lead list).
NO_FIGURE = "-"


class ActionsTab(ManagerTab[ActionsView]):
    """The action plans; ``w`` records one, ``o`` closes the highlighted one."""

    BINDINGS = [
        Binding("w", "add_action", N_("New action"), id="manager.action_add"),
        Binding("o", "close_action", N_("Close with outcome"), id="manager.action_close"),
    ]

    def __init__(self) -> None:
        super().__init__(id="actions-tab")
        self._rows: dict[str, tuple[str, ...]] = {}

    def compose(self) -> ComposeResult:
        yield DataTable(id="actions", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="actions-detail")

    def on_mount(self) -> None:
        self.query_one("#actions", DataTable).add_columns(
            _("State"), _("Due by"), _("What"), _("Who"), _("Figure"), _("Outcome")
        )

    def show(self, view: ActionsView) -> None:
        rows = []
        for a in view.items:
            figure = ""
            if a.measure is not None:
                whose = a.salesperson or _("Team")
                figure = f"{_(MEASURE_LABELS[a.measure])} ({whose}) " + target_figure(
                    a.measure, a.baseline
                )
                if a.after is not None:
                    figure += " → " + target_figure(a.measure, a.after)
            rows.append(
                (
                    str(a.id),
                    (
                        _(ACTION_STATE_LABELS[a.state]),
                        a.due.isoformat(),
                        a.what,
                        a.owner,
                        figure,
                        a.outcome or "",
                    ),
                )
            )
        sync_rows(self.query_one("#actions", DataTable), rows)
        self._rows = {key: cells for key, cells in rows}
        self.show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted action whole under the table (a small screen cuts its columns)."""
        key = selected_key(self.query_one("#actions", DataTable))
        cells = self._rows.get(key or "")
        text = "" if cells is None else " · ".join(c for c in cells[2:] if c)
        self.query_one("#actions-detail", RowDetail).update(text)

    def action_add_action(self) -> None:
        """What → who → by when → which figure (or none) → whose figure."""
        ctx = self.desk.ctx
        staff = [(str(p.id), p.name) for p in setup.list_staff(ctx) if p.active]
        sellers = [(str(p.id), p.name) for p in setup.list_staff(ctx, "salesperson")]
        measures = [(NO_FIGURE, _("no figure"))] + [(m.value, _(MEASURE_LABELS[m])) for m in ORDER]
        default_due = (ctx.today() + timedelta(days=7)).isoformat()
        plan: dict[str, object] = {}

        def record(whose: str | None) -> None:
            if whose is None:
                return
            self.run_service(
                actions.record_action,
                ctx,
                plan["what"],
                plan["owner"],
                plan["due"],
                None if plan["measure"] == NO_FIGURE else plan["measure"],
                None if whose == "0" else int(whose),
                then=lambda a: self.notify(_("Action recorded."), markup=False),
            )

        def measure_picked(code: str | None) -> None:
            if code is None:
                return
            plan["measure"] = code
            if code == NO_FIGURE:
                record("0")
                return
            self.app.push_screen(
                PickScreen(_("Whose figure?"), [("0", _("Team")), *sellers]), record
            )

        def due_typed(text: str | None) -> None:
            if text is None:
                return
            plan["due"] = actions.check_due(text, ctx.today())
            self.app.push_screen(
                PickScreen(_("Which figure should it move?"), measures), measure_picked
            )

        def owner_picked(sid: str | None) -> None:
            if sid is None:
                return
            plan["owner"] = int(sid)
            self.app.push_screen(
                TextPromptScreen(
                    _("By when? (a date)"),
                    default_due,
                    check=lambda text: actions.check_due(text, ctx.today()),
                ),
                due_typed,
            )

        def what_typed(text: str | None) -> None:
            if text is None or not text.strip():
                return
            plan["what"] = text
            self.app.push_screen(PickScreen(_("Who does it?"), staff), owner_picked)

        self.app.push_screen(
            TextPromptScreen(_("What is to be done?"), "", check=actions.check_what), what_typed
        )

    def action_close_action(self) -> None:
        key = selected_key(self.query_one("#actions", DataTable))
        if key is None:
            return
        ctx = self.desk.ctx

        def typed(text: str | None) -> None:
            if text is not None:
                self.run_service(
                    actions.close_action,
                    ctx,
                    int(key),
                    text,
                    then=lambda a: self.notify(_("Action closed."), markup=False),
                )

        what = self._rows.get(key, ("", "", ""))[2]
        self.app.push_screen(
            TextPromptScreen(
                _("What happened? ({what})", what=what), "", check=actions.check_outcome
            ),
            typed,
        )
