"""The day's expected visitors (appointments) on the Reception screen, and the key that
records one's arrival.

The list loads itself (a few seconds' refresh is enough: appointments change rarely,
and the arrival reloads it at once) and stays hidden on a day without appointments,
so the screen looks as before for a shop that books none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import Label

from deskterm.domain.appointments import DESK_STATE_LABELS, DeskState
from deskterm.errors import StorageError
from deskterm.i18n import _
from deskterm.services import appointments, reception
from deskterm.services.appointments import ExpectedView
from deskterm.services.permissions import may
from deskterm.services.rotation import Arrival
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.screens.dialogs import PickScreen
from deskterm.ui.text import emphasis
from deskterm.ui.widgets.tables import ChosenTable, sync_rows

REFRESH_SECONDS = 5.0
_STYLES = {DeskState.LATE: "bold yellow", DeskState.NO_SHOW: "red", DeskState.ARRIVED: "dim"}


class ExpectedTable(ChosenTable):
    """The expected visitors: `a` acts on the row under a cursor moved since the last
    action, otherwise it asks with a numbered pick (as the rotation board does)."""


def owner_is_busy(screen: Any, owner_id: int) -> bool:
    """The owner is on the board with a customer (not away or out): the courtesy message
    says so rather than "not on the floor"."""
    board = getattr(screen, "board", None)
    members = getattr(board, "members", ()) or ()
    return any(m.salesperson_id == owner_id and m.state == "with_customer" for m in members)


#: The list's order: whom the desk still awaits first.
_ORDER = {
    DeskState.LATE.value: 0,
    DeskState.EXPECTED.value: 1,
    DeskState.NO_SHOW.value: 2,
    DeskState.ARRIVED.value: 3,
}


class ExpectedVisitors(WorkerBoundary, Vertical):
    """Today's appointments: time, customer, who expects them, the car, expected / late
    / no-show / arrived. ``arrive()`` records the arrival of the one chosen."""

    DEFAULT_CSS = """
    ExpectedVisitors {
        display: none;
    }
    ExpectedVisitors.-some {
        display: block;
        height: auto;  /* as many lines as visitors, up to 40% of the pane */
        max-height: 40%;
    }
    """

    class Loaded(Message):
        """The day's appointments were read."""

        def __init__(self, views: list[ExpectedView]) -> None:
            self.views = views
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.views: list[ExpectedView] = []

    def compose(self) -> ComposeResult:
        yield Label(_("Expected today (a: arrived)"), classes="pane-title", markup=False)
        yield ExpectedTable(id="expected-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(ExpectedTable)
        # As tall as its rows (inline: the shared look gives every table the height left).
        table.styles.height = "auto"
        table.styles.max_height = "100%"
        for label in (_("Time"), _("Customer"), _("Expected by"), _("Car"), _("Status")):
            table.add_column(label)
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    @property
    def has_visitors(self) -> bool:
        """Whether any appointment is on today's list (the key shows only then)."""
        return bool(self.views)

    @work(thread=True, exclusive=True, group="expected-load", exit_on_error=False)
    def reload(self) -> None:
        """Read the day's appointments again."""
        if not may(self.ctx, "reception"):
            return  # nobody signed in yet, or a role without the desk
        try:
            views = appointments.expected(self.ctx)
        except StorageError:
            # The board's own load, a second earlier, and the app's watch say the database
            # is lost (one message, one banner); a second toast from this list would not
            # help. Anything else goes to the worker boundary.
            return
        self.post_message(self.Loaded(views))

    def on_expected_visitors_loaded(self, message: Loaded) -> None:
        had = self.has_visitors
        # Those still to come first (late, then expected, by time), then the no-shows and
        # the arrived: a list two rows tall at 100×30 must show whom the desk awaits.
        self.views = sorted(message.views, key=lambda v: (_ORDER.get(v.desk, 9), v.at))
        zone = self.ctx.clock.zone
        rows = []
        for v in self.views:
            state = DeskState(v.desk)
            label = _(DESK_STATE_LABELS[state])
            rows.append(
                (
                    str(v.id),
                    (
                        v.at.astimezone(zone).strftime("%H:%M"),
                        v.customer,
                        v.owner,
                        v.model or "",
                        emphasis(label, _STYLES[state]) if state in _STYLES else label,
                    ),
                )
            )
        sync_rows(self.query_one(ExpectedTable), rows)
        self.set_class(bool(rows), "-some")
        if had != self.has_visitors:
            self.screen.refresh_bindings()  # the key shows only with someone expected

    # -- the arrival ---------------------------------------------------------------------
    def _under_cursor(self) -> ExpectedView | None:
        table = self.query_one(ExpectedTable)
        if not table.chosen or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((v for v in self.views if str(v.id) == key), None)

    def arrive(self) -> None:
        """The expected visitor under a moved cursor, or the one picked by a digit, came:
        the arrival is recorded (to the owner without a turn) and the form opens."""
        table = self.query_one(ExpectedTable)
        under = self._under_cursor()
        table.chosen = False
        waiting = [v for v in self.views if v.desk != DeskState.ARRIVED.value]
        if under is not None and under.desk == DeskState.ARRIVED.value:
            self.app.notify(
                _("{name} has already arrived.", name=under.customer),
                severity="warning",
                markup=False,
            )
            return
        if under is not None:
            self._record(under)
            return
        if not waiting:
            self.app.notify(_("Nobody else is expected today."), severity="warning", markup=False)
            return
        zone = self.ctx.clock.zone

        def picked(key: str | None) -> None:
            chosen = next((v for v in waiting if str(v.id) == key), None)
            if chosen is not None:
                self._record(chosen)

        options = [
            (
                str(v.id),
                _(
                    "{time} {name} — {owner} · {state}",
                    time=v.at.astimezone(zone).strftime("%H:%M"),
                    name=v.customer,
                    owner=v.owner,
                    state=_(DESK_STATE_LABELS[DeskState(v.desk)]),
                ),
            )
            for v in waiting
        ]
        self.app.push_screen(PickScreen(_("Which expected visitor came?"), options), picked)

    def _record(self, v: ExpectedView) -> None:
        screen: Any = self.screen
        keys_to_form: Callable[[], None] | None = getattr(screen, "_keys_to_the_form", None)
        if keys_to_form is not None:
            keys_to_form()

        def received(arrival: Arrival) -> None:
            if arrival.courtesy and owner_is_busy(screen, arrival.credited_to_id):
                message = _(
                    "{name} arrived; {owner} is with a customer: {who} receives as a "
                    "courtesy, {owner} keeps the customer.",
                    name=v.customer,
                    owner=v.owner,
                    who=arrival.salesperson_name,
                )
            elif arrival.courtesy:
                message = _(
                    "{name} arrived; {owner} is not on the floor: {who} receives as a "
                    "courtesy, {owner} keeps the customer.",
                    name=v.customer,
                    owner=v.owner,
                    who=arrival.salesperson_name,
                )
            else:
                message = _(
                    "{name} arrived: {who} receives them (no turn used).",
                    name=v.customer,
                    who=arrival.salesperson_name,
                )
            self.app.notify(message, markup=False)
            self.reload()
            screen.run_service(
                reception.form_prefill,
                self.ctx,
                arrival.reception_id,
                then=lambda found: self._open_form(screen, arrival, v, found),
            )

        screen.run_service(appointments.arrive, self.ctx, v.id, then=received)

    @staticmethod
    def _open_form(screen: Any, arrival: Arrival, v: ExpectedView, found: Any) -> None:
        prefill, own_customer_id = found
        if prefill is not None and v.model and not prefill.model_interest:
            prefill.model_interest = v.model  # the car they were invited to see
        screen.open_form(arrival, prefill, own_customer_id=own_customer_id)
