"""F4 Customers: incremental search by name fragment or phone digits, and a customer's timeline."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Label, Static

from deskterm.domain.analysis import LevelSpan
from deskterm.domain.escalation import STATUS_LABELS, Status
from deskterm.domain.phone import display_phone
from deskterm.domain.schedule import OUTCOME_LABELS
from deskterm.i18n import N_, _
from deskterm.services import analysis, customers, labels
from deskterm.services.customers import CustomerView, TimelineEntry
from deskterm.services.reception import CHANNELS
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.widgets.fields import SearchField
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.tables import sync_rows

TIMELINE_KINDS = {
    "reception": N_("visit"),
    "callback": N_("callback"),
    "level": N_("level"),
    "owner": N_("owner"),
    "care": N_("care call"),
    "marketing": N_("marketing contact"),
}


LEVEL_SOURCES = {
    "reception": N_("at a visit"),
    "callback": N_("on a callback"),
    "manual": N_("by hand"),
    "escalation": N_("escalation"),
}


class CustomersScreen(DeskScreen):
    """Search customers; Enter shows the whole history."""

    CSS_PATH = "customers.tcss"  # -narrow: the history below the results

    BINDINGS = [
        Binding("slash", "focus_search", N_("Search"), id="customers.search"),
        Binding("e", "edit", N_("Edit"), id="customers.edit"),
    ]

    def __init__(self) -> None:
        super().__init__(id="customers")
        self.found: list[CustomerView] = []
        self._editing = False  # the edit dialog is open over this screen
        self._timeline_of: int | None = None  # whose history the right-hand pane shows

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield SearchField(
            placeholder=_("name fragment or phone digits"),
            id="search",
            max_length=customers.SEARCH_MAX,
        )
        yield Static("", id="err-search", classes="field-error search-note", markup=False)
        with Horizontal(id="panes"):
            with Vertical(id="results-pane"):
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
            with Vertical(id="timeline-pane"):
                yield Label("", id="timeline-title", classes="pane-title", markup=False)
                yield DataTable(id="timeline", cursor_type="row")
                yield Label(_("Level history"), classes="pane-title", markup=False)
                yield DataTable(id="level-history", cursor_type="row")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#results", DataTable).add_columns(
            _("Name"), _("Phone"), _("Level"), _("Status"), _("Owner")
        )
        self.query_one("#timeline", DataTable).add_columns(
            _("When"), _("What"), _("Detail"), _("By")
        )
        self.query_one("#level-history", DataTable).add_columns(
            _("Level"), _("From"), _("To"), _("Days"), _("Set by"), _("How")
        )

    def on_screen_resume(self) -> None:
        if self._editing:
            # Back from the customer's edit: the keyboard stays on that customer's line
            # (e edits them again), not in the search box, where e would be typed.
            self._editing = False
            return
        self.query_one("#search", Input).focus()

    def refresh_data(self) -> None:
        """Another window changed something: search again and reload the open history."""
        text = self.query_one("#search", Input).value
        if text.strip():
            self.search(text)
        table = self.query_one("#results", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
            if key is not None:
                self.load_timeline(int(key))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#search")
    def to_results(self) -> None:
        self.query_one("#results", DataTable).focus()

    @work(thread=True, exclusive=True, group="customer-search", exit_on_error=False)
    def search(self, text: str) -> None:
        found = customers.search(self.ctx, text)
        self.app.call_from_thread(self.show, found)

    def show(self, found: list[CustomerView]) -> None:
        self.found = found
        table = self.query_one("#results", DataTable)
        sync_rows(
            table,
            [
                (
                    str(c.id),
                    (
                        c.name,
                        display_phone(c.phone) if c.phone else "-",
                        self.level_name(c.level),
                        _(STATUS_LABELS[Status(c.status)]),
                        c.owner,
                    ),
                )
                for c in found
            ],
        )
        self._follow_cursor(table)

    def _follow_cursor(self, table: DataTable) -> None:
        """The history beside the list is the highlighted customer's. A new search keeps
        the cursor on its line while another customer moves onto it (no highlight event):
        "a" showed Anna Li's history beside "ang"'s Helen Tang, and beside a search
        that found nobody."""
        if not table.row_count:
            self._clear_timeline()
            return
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        if key is not None and int(key) != self._timeline_of:
            self.load_timeline(int(key))

    def _clear_timeline(self) -> None:
        self._timeline_of = None
        self.query_one("#timeline-title", Label).update("")
        sync_rows(self.query_one("#timeline", DataTable), [])
        sync_rows(self.query_one("#level-history", DataTable), [])

    @on(DataTable.RowHighlighted, "#results")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.load_timeline(int(event.row_key.value))

    @work(thread=True, exclusive=True, group="timeline", exit_on_error=False)
    def load_timeline(self, customer_id: int) -> None:
        entries = customers.timeline(self.ctx, customer_id)
        spans = analysis.level_history(self.ctx, customer_id)
        self.app.call_from_thread(self.show_timeline, customer_id, entries, spans)

    def describe(self, e: TimelineEntry) -> str:
        """One timeline entry in words: channel, outcome and level names, not their codes."""
        f = e.facts
        if not f:
            return e.text
        lv = self.level_name
        if e.kind == "reception":
            parts = [labels.label(CHANNELS, f.get("channel"))]
            parts += [_("test drive")] if f.get("test_drive") else []
        elif e.kind == "level":
            parts = [f"{lv(f['from']) if f.get('from') else '-'}→{lv(f['to'])}"]
        elif e.kind == "owner":
            reason = labels.owner_reason(f.get("reason") or "")
            parts = [
                _("{old}→{new}: {reason}", old=f["from_name"], new=f["to_name"], reason=reason)
            ]
        else:
            parts = [labels.label(OUTCOME_LABELS, f.get("outcome"))]
            if f.get("to"):
                parts.append(f"{lv(f['from']) if f.get('from') else '-'}→{lv(f['to'])}")
            parts.append(f.get("note") or "")
        return " ".join(p for p in parts if p)

    def show_timeline(
        self,
        customer_id: int,
        entries: list[TimelineEntry],
        spans: list[tuple[LevelSpan, str | None]],
    ) -> None:
        c = next((c for c in self.found if c.id == customer_id), None)
        if c is None:
            # Read for a customer the search has since left behind.
            self._clear_timeline()
            return
        self._timeline_of = customer_id
        self.query_one("#timeline-title", Label).update(_("History of {name}", name=c.name))
        zone = self.ctx.clock.zone
        sync_rows(
            self.query_one("#timeline", DataTable),
            [
                (
                    str(i),
                    (
                        e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                        _(TIMELINE_KINDS[e.kind]),
                        self.describe(e),
                        e.by or "",
                    ),
                )
                for i, e in enumerate(reversed(entries))
            ],
        )
        today = self.ctx.today()
        sync_rows(
            self.query_one("#level-history", DataTable),
            [
                (
                    str(i),
                    (
                        self.level_name(span.level),
                        span.start.isoformat(),
                        span.end.isoformat() if span.end else _("now"),
                        str(span.days(today)),
                        by or "-",
                        _(LEVEL_SOURCES.get(span.source, span.source)),
                    ),
                )
                for i, (span, by) in enumerate(reversed(spans))
            ],
        )

    def action_edit(self) -> None:
        table = self.query_one("#results", DataTable)
        if not self.found or table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        if key is not None:
            self.open_editor(int(key))

    @work(thread=True, exclusive=True, group="edit-open", exit_on_error=False)
    def open_editor(self, customer_id: int) -> None:
        details = customers.get_details(self.ctx, customer_id)
        self.app.call_from_thread(self._push_editor, details)

    def _push_editor(self, details) -> None:  # type: ignore[no-untyped-def]
        from deskterm.ui.screens.edit import EditCustomerScreen

        def edited(view: CustomerView | None) -> None:
            if view is not None:
                self.notify(_("Saved."), markup=False)
                self.search(self.query_one("#search", SearchField).value)
                self.load_timeline(view.id)

        self._editing = True
        self.app.push_screen(EditCustomerScreen(self.ctx, self.levels, details), edited)
