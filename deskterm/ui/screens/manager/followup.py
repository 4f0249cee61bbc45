"""The Follow-up tab: who is due a coaching follow-up and why, whether the coached figures
moved since the last one, and logging a coaching (``l``) for the highlighted salesperson
(issue 18, the method's sixth step)."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from deskterm.domain.coaching import CHECKLIST, KIND_LABELS, CoachingKind
from deskterm.domain.targets import MEASURE_LABELS
from deskterm.i18n import N_, _
from deskterm.services import coaching
from deskterm.services.labels import target_figure
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import FollowUpView
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.tables import sync_rows


class FollowUpTab(ManagerTab[FollowUpView]):
    """Coaching: who is due, why, and did it work; ``l`` logs a coaching."""

    BINDINGS = [Binding("l", "log", N_("Log coaching"), id="manager.coaching_log")]

    def __init__(self) -> None:
        super().__init__(id="followup-tab")
        self._rows: dict[str, tuple[str, ...]] = {}

    def compose(self) -> ComposeResult:
        yield DataTable(id="followup", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="followup-detail")
        yield Static("", id="followup-log", markup=False)

    def on_mount(self) -> None:
        self.query_one("#followup", DataTable).add_columns(
            _("Salesperson"),
            _("Follow-up"),
            _("Why"),
            _("Last coached"),
            _("Before → since"),
        )

    def show(self, view: FollowUpView) -> None:
        rows = []
        for r in view.rows:
            moved = "  ".join(
                f"{_(MEASURE_LABELS[m.measure])} {target_figure(m.measure, m.before)}"
                f"→{target_figure(m.measure, m.since)}"
                for m in r.moved
            )
            rows.append(
                (
                    str(r.salesperson_id),
                    (
                        r.name,
                        _("due now") if r.due else "",
                        ", ".join(_(MEASURE_LABELS[m]) for m in r.why),
                        r.last_coached.isoformat() if r.last_coached else "-",
                        moved,
                    ),
                )
            )
        sync_rows(self.query_one("#followup", DataTable), rows)
        self._rows = {key: cells for key, cells in rows}
        self.show_detail()
        self.query_one("#followup-log", Static).update(
            "\n".join(
                f"{e.day.isoformat()}  {e.salesperson}  {_(KIND_LABELS[e.kind])}"
                + (f"  {e.recording}" if e.recording else "")
                + (f"  {e.score}/{e.score_of}" if e.score is not None else "")
                + (f"  {e.note}" if e.note else "")
                for e in view.log[:8]
            )
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted row whole under the table (a small screen cuts its columns)."""
        key = selected_key(self.query_one("#followup", DataTable))
        cells = self._rows.get(key or "")
        text = ""
        if cells is not None:
            rest = " · ".join(c for c in cells[1:] if c and c != "-")
            text = _("{name}: {note}", name=cells[0], note=rest) if rest else ""
        self.query_one("#followup-detail", RowDetail).update(text)

    def action_log(self) -> None:
        """Kind → (a call check: the recording, the checklist items met) → a note."""
        key = selected_key(self.query_one("#followup", DataTable))
        if key is None:
            return
        ctx = self.desk.ctx
        sid = int(key)
        kinds = [(k.value, _(label)) for k, label in KIND_LABELS.items()]
        items = " ".join(code for code, _label in CHECKLIST)
        got: dict[str, str] = {}

        def save(note: str | None) -> None:
            if note is None:
                return
            self.run_service(
                partial(
                    coaching.record_coaching,
                    recording=got.get("recording", ""),
                    checklist=tuple(got.get("checklist", "").replace(",", " ").split()),
                ),
                ctx,
                sid,
                got["kind"],
                note,
                then=lambda e: self.notify(_("Logged."), markup=False),
            )

        def ask_note() -> None:
            self.app.push_screen(
                TextPromptScreen(_("A note (what was seen, what next):"), ""), save
            )

        def checklist_typed(text: str | None) -> None:
            if text is None:
                return
            got["checklist"] = text
            ask_note()

        def recording_typed(text: str | None) -> None:
            if text is None:
                return
            got["recording"] = text
            self.app.push_screen(
                TextPromptScreen(
                    _("Items the call met, by code: {items}", items=items),
                    "",
                    check=lambda t: coaching.check_checklist(t),
                ),
                checklist_typed,
            )

        def kind_picked(kind: str | None) -> None:
            if kind is None:
                return
            got["kind"] = kind
            if kind == CoachingKind.CALL_CHECK:
                self.app.push_screen(
                    TextPromptScreen(_("The recording: its file name or the call id:"), ""),
                    recording_typed,
                )
            else:
                ask_note()

        name = str(
            self.query_one("#followup", DataTable).get_row_at(
                self.query_one("#followup", DataTable).cursor_row
            )[0]
        )
        self.app.push_screen(PickScreen(_("Coaching of {name}:", name=name), kinds), kind_picked)
