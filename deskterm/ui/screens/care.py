"""F8 Customer care: won customers' keep-in-touch calls, due today and overdue, ticked off."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from deskterm.domain.phone import display_phone
from deskterm.i18n import N_, _, _p, ngettext
from deskterm.services import care
from deskterm.services.care import CareCall
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.callbacks import due_line
from deskterm.ui.screens.contact import ContactScreen
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.tables import sync_rows

CARE_ROLES = ("care", "manager")


class CareScreen(DeskScreen):
    """The care role's list: whom to call today to keep in touch after the sale."""

    BINDINGS = [
        Binding("space", "tick", N_("Tick off"), id="care.tick"),
        Binding("w", "who", N_("Who am I"), id="care.who"),
    ]

    def __init__(self) -> None:
        super().__init__(id="care")
        self.person: tuple[int, str] | None = None
        self.calls: list[CareCall] = []

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static(_("Customer care — press w to choose who you are."), id="who", markup=False)
        with Vertical():
            yield DataTable(id="care-calls", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#care-calls", DataTable)
        for label in (
            _("Customer"),
            _("Phone"),
            _p("care", "Model"),
            _p("care", "Won"),
            _("Due"),
            _("Call no."),
        ):
            table.add_column(label)  # as wide as the widest cell: nothing cut
        self.call_after_refresh(self.action_who)

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def action_who(self) -> None:
        def chosen(pid: int, name: str) -> None:
            self.person = (pid, name)
            self.refresh_data()

        self.choose_person(CARE_ROLES, chosen)

    def refresh_data(self) -> None:
        self.person = self.signed_in_person(("care",)) or self.person
        if self.person is not None:
            self.load(self.person[0])

    @work(thread=True, exclusive=True, group="care-load", exit_on_error=False)
    def load(self, person_id: int) -> None:
        calls = care.care_due(self.ctx, person_id)
        self.app.call_from_thread(self.show, calls)

    def show(self, calls: list[CareCall]) -> None:
        self.calls = calls
        today = self.ctx.today()
        overdue = sum(1 for c in calls if c.due < today)
        name = self.person[1] if self.person else ""
        self.query_one("#who", Static).update(
            due_line(
                name,
                ngettext("{n} care call today", "{n} care calls today", len(calls) - overdue),
                overdue,
            )
        )
        sync_rows(
            self.query_one("#care-calls", DataTable),
            [
                (
                    str(c.id),
                    (
                        c.name,
                        display_phone(c.phone) if c.phone else "-",
                        c.model or "-",
                        c.won.isoformat(),
                        _("today")
                        if c.due >= today
                        else _("{n} d overdue", n=(today - c.due).days),
                        str(c.step),
                    ),
                )
                for c in calls
            ],
        )

    @on(DataTable.RowSelected, "#care-calls")
    def row_chosen(self) -> None:
        self.action_tick()

    def action_tick(self) -> None:
        table = self.query_one("#care-calls", DataTable)
        if not self.calls or table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        call = next(c for c in self.calls if str(c.id) == key)
        title = _(
            "Care call: {name} · {phone}",
            name=call.name,
            phone=display_phone(call.phone) if call.phone else "-",
        )

        def done(next_due: object) -> None:
            if next_due is not None:
                self.notify(_("Done. Next care call {day}.", day=next_due), markup=False)
                self.refresh_data()

        self.app.push_screen(
            ContactScreen(
                title,
                lambda outcome, note: care.complete_care(
                    self.ctx, call.id, note, reached=outcome == "reached"
                ),
            ),
            done,
        )
