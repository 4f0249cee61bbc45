"""F3 My callbacks: the salesperson's calls due today and overdue, ticked off in a few keys."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from deskterm.domain.appointments import parse_visit
from deskterm.domain.phone import display_phone
from deskterm.domain.schedule import NEXT_STEP_LABELS, OUTCOME_LABELS, NextStep, Outcome
from deskterm.errors import DesktermError
from deskterm.i18n import N_, _, ngettext
from deskterm.services import callbacks
from deskterm.services.callbacks import CallbackResult, CallbackView
from deskterm.services.context import Context
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.dialogs import AsksBeforeDiscarding
from deskterm.ui.text import emphasis
from deskterm.ui.widgets.choice import Choice
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.field_errors import save_or_show_errors, show_field_errors
from deskterm.ui.widgets.fields import FIELD_MOVES, TextField
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.reasons import reason_choices
from deskterm.ui.widgets.tables import sync_rows


def due_line(name: str, today: str, overdue: int) -> str:
    """The head line of a calls list: who, today's calls (``today``, already counted and
    translated), the overdue ones apart (an overdue call is not one of today's)."""
    if overdue:
        return _(
            "{name}: {today}, {overdue} — Space to tick off, w to switch",
            name=name,
            today=today,
            overdue=ngettext("{n} overdue", "{n} overdue", overdue),
        )
    return _("{name}: {today} — Space to tick off, w to switch", name=name, today=today)


def read_visit_time(ctx: Context, raw: str) -> datetime:
    """The visit's day and time as typed (``2026-12-03 14:30``, ``12-03 14:30``,
    ``明天 15:00``…), shop time; errors name the field "appointment"."""
    day, clock = parse_visit(raw, ctx.today())
    return datetime.combine(day, clock, ctx.clock.zone)


#: Who owns callbacks: salespeople, and the manager who took a customer to call
#: personally (the customer's callbacks move to the manager with it).
CALLBACK_OWNERS = ("salesperson", "manager")

ESCALATION_LABELS = {
    "at_risk": N_("→ at risk"),
    "lost": N_("→ lost"),
    "reassign": N_("→ reassign"),
    "stalled": N_("→ stalled"),
}


class TickScreen(AsksBeforeDiscarding, WorkerBoundary, ModalScreen[CallbackResult | None]):
    """Tick one callback off: outcome, new level, note (Ctrl+S saves, Esc cancels)."""

    BINDINGS = [
        # Not priority: the save must come after the keys typed before it (see FIELD_MOVES).
        Binding("ctrl+s", "save", N_("Save"), id="tick.save"),
        Binding("escape", "cancel", N_("Cancel"), id="tick.cancel"),
        *FIELD_MOVES,
    ]

    def __init__(self, screen: MyCallbacksScreen, cb: CallbackView) -> None:
        super().__init__()
        translate_bindings(self)
        self.owner_screen = screen
        self.cb = cb

    def compose(self) -> ComposeResult:
        s = self.owner_screen
        with VerticalScroll(classes="dialog form"):
            yield Label(
                _(
                    "Callback: {name} · {phone} · {level}",
                    name=self.cb.customer,
                    phone=display_phone(self.cb.phone) if self.cb.phone else "-",
                    level=s.level_name(self.cb.level),
                ),
                classes="question",
                markup=False,
            )
            if self.cb.last_note:
                # The list cuts the note to its column; before the call it is read whole.
                yield Static(
                    _("Last note: {note}", note=self.cb.last_note),
                    id="last-note",
                    classes="hint",
                    markup=False,
                )
            with Horizontal(classes="row"):
                yield Label(_("Outcome"), classes="label", markup=False)
                yield Choice(
                    [(o.value, _(OUTCOME_LABELS[o])) for o in Outcome], "reached", id="outcome"
                )
            yield Static("", id="err-outcome", classes="field-error", markup=False)
            with Horizontal(classes="row"):
                yield Label(_("Level now"), classes="label", markup=False)
                yield Choice([(r.code, r.name) for r in s.levels], self.cb.level, id="level")
            yield Static("", id="err-level", classes="field-error", markup=False)
            with Horizontal(classes="row", id="row-lost"):
                yield Label(_("Lost because"), classes="label", markup=False)
                yield Choice(
                    # "no progress in time" is the escalation's, never a salesperson's pick.
                    reason_choices(self.app, "lost", leave_out=("no_progress",)),
                    None,
                    id="lost_reason",
                )
            yield Static("", id="err-lost_reason", classes="field-error", markup=False)
            with Horizontal(classes="row", id="row-appointment"):
                yield Label(_("Visit at"), classes="label", markup=False)
                yield TextField(placeholder=_("YYYY-MM-DD HH:MM, tomorrow 15:00"), id="appointment")
            yield Static("", id="err-appointment", classes="field-error", markup=False)
            with Horizontal(classes="row", id="row-model"):
                yield Label(_("Car"), classes="label", markup=False)
                yield TextField(placeholder=_("the car to have ready (optional)"), id="model")
            yield Static("", id="err-model", classes="field-error", markup=False)
            with Horizontal(classes="row"):
                yield Label(_("Note"), classes="label", markup=False)
                yield TextField(id="note")
            yield Static("", id="err-note", classes="field-error", markup=False)
            yield Static("", id="err-lost_reason_note", classes="field-error", markup=False)
            yield Label(
                _("digits pick · Tab next · Ctrl+S save · Esc cancel"), classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self._sync()
        self.query_one("#outcome", Choice).focus()
        self.call_after_refresh(self.remember_opened)

    @on(Choice.Changed, "#outcome")
    def _sync(self) -> None:
        outcome = self.query_one("#outcome", Choice).value
        self.query_one("#row-lost").display = outcome == "lost"
        self.query_one("#row-appointment").display = outcome == "appointment"
        self.query_one("#row-model").display = outcome == "appointment"
        if outcome == "appointment" and self.query_one("#outcome", Choice).has_focus:
            # What comes next is the visit's time: typed on the outcome, its digits would
            # pick other outcomes (a tester's "明天 15:00" became "lost").
            self.call_after_refresh(self.query_one("#appointment").focus)

    def action_save(self) -> None:
        outcome = self.query_one("#outcome", Choice).value or "reached"
        appointment = None
        if outcome == "appointment":
            try:
                appointment = read_visit_time(
                    self.owner_screen.ctx, self.query_one("#appointment", Input).value
                )
            except DesktermError as exc:
                self.show_errors({"appointment": exc.message})
                return
        note = self.query_one("#note", Input).value
        self.save(
            outcome,
            self.query_one("#level", Choice).value,
            note,
            appointment,
            self.query_one("#lost_reason", Choice).value,
            self.query_one("#model", Input).value if outcome == "appointment" else None,
        )

    @work(thread=True, exclusive=True, group="tick", exit_on_error=False)
    def save(
        self,
        outcome: str,
        level: str | None,
        note: str,
        appointment: datetime | None,
        lost_reason: str | None,
        model: str | None = None,
    ) -> None:
        save_or_show_errors(
            self,
            lambda: callbacks.complete_callback(
                self.owner_screen.ctx,
                self.cb.id,
                outcome,
                new_level=level,
                note=note,
                appointment=appointment,
                lost_reason=lost_reason,
                lost_note=note,
                model=model,
            ),
            "outcome",
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field."""
        show_field_errors(
            self, errors, ("outcome", "level", "lost_reason", "appointment", "model", "note")
        )


class MyCallbacksScreen(DeskScreen):
    """Pick who I am (a salesperson or the manager); today's and overdue callbacks, most
    urgent first."""

    BINDINGS = [
        Binding("space", "tick", N_("Tick off"), id="callbacks.tick"),
        Binding("w", "who", N_("Who am I"), id="callbacks.who"),
    ]

    class Loaded(Message):
        """The list was read."""

        def __init__(self, items: list[CallbackView]) -> None:
            self.items = items
            super().__init__()

    def __init__(self) -> None:
        super().__init__(id="callbacks")
        self.salesperson: tuple[int, str] | None = None
        self.items: list[CallbackView] = []

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static(_("Press w to choose who you are."), id="who", markup=False)
        with Vertical():
            yield DataTable(id="calls", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="calls-note")  # the highlighted customer's last note, whole
        yield DeskFooter()

    def on_mount(self) -> None:
        calls = self.query_one("#calls", DataTable)
        for label in (
            _("Customer"),
            _("Phone"),
            _("Level"),
            _("Due"),
            _("Last contact"),
            _("Escalation in"),
            _("Last note"),
        ):
            calls.add_column(label)  # as wide as the widest cell: nothing cut
        # Ask once, when the screen is first shown; resuming only refreshes.
        self.call_after_refresh(self.action_who)

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def action_who(self) -> None:
        def chosen(pid: int, name: str) -> None:
            self.salesperson = (pid, name)
            self.refresh_data()

        self.choose_person(CALLBACK_OWNERS, chosen)

    def refresh_data(self) -> None:
        self.salesperson = self.signed_in_person(CALLBACK_OWNERS) or self.salesperson
        if self.salesperson is not None:
            self.load(self.salesperson[0])

    @work(thread=True, exclusive=True, group="callbacks-load", exit_on_error=False)
    def load(self, salesperson_id: int) -> None:
        self.post_message(self.Loaded(callbacks.due_callbacks(self.ctx, salesperson_id)))

    def on_my_callbacks_screen_loaded(self, message: Loaded) -> None:
        self.items = message.items
        overdue = sum(1 for c in self.items if c.overdue_days > 0)
        name = self.salesperson[1] if self.salesperson else ""
        self.query_one("#who", Static).update(
            due_line(
                name,
                ngettext("{n} callback today", "{n} callbacks today", len(self.items) - overdue),
                overdue,
            )
        )
        rows = []
        for c in self.items:
            due = _("today") if c.overdue_days == 0 else _("{n} d overdue", n=c.overdue_days)
            since = "-" if c.days_since_contact is None else _("{n} d ago", n=c.days_since_contact)
            esc: str | Text = ""
            if c.escalation_days_left is not None:
                what = _(ESCALATION_LABELS.get(c.escalation_kind or "", ""))
                days = c.escalation_days_left
                # Past the window the count is how late, not "in -7 days": its own words.
                # "0 天后转久未联系" reads as a slip: the last day is today.
                if days > 0:
                    esc = _("{n} d {what}", n=days, what=what)
                elif days == 0:
                    esc = _("today {what}", what=what)
                else:
                    esc = _("{n} d late {what}", n=-days, what=what)
                if c.escalation_days_left < 3:
                    esc = emphasis(esc, "b red")
            rows.append(
                (
                    str(c.id),
                    (
                        c.customer,
                        display_phone(c.phone) if c.phone else "-",
                        self.level_name(c.level),
                        due,
                        since,
                        esc,
                        (c.last_note or "")[:40],
                    ),
                )
            )
        sync_rows(self.query_one("#calls", DataTable), rows)
        self.show_note()

    @on(DataTable.RowHighlighted, "#calls")
    def show_note(self) -> None:
        """The highlighted customer's last note in full (the table shows 40 characters)."""
        table = self.query_one("#calls", DataTable)
        note = ""
        if self.items and 0 <= table.cursor_row < table.row_count:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
            cb = next((c for c in self.items if str(c.id) == key), None)
            if cb is not None and cb.last_note:
                note = _("{name}: {note}", name=cb.customer, note=cb.last_note)
        self.query_one("#calls-note", RowDetail).update(note)

    @on(DataTable.RowSelected, "#calls")
    def row_chosen(self) -> None:
        self.action_tick()

    def action_tick(self) -> None:
        table = self.query_one("#calls", DataTable)
        if not self.items or table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        cb = next(c for c in self.items if str(c.id) == key)

        def done(result: CallbackResult | None) -> None:
            if result is None:
                return
            if result.outcome == "appointment" and result.next_due:
                self.notify(
                    _(
                        "Done. Appointment booked; next callback {day}.",
                        day=result.next_due,
                    ),
                    markup=False,
                )
            elif result.next_due:
                self.notify(_("Done. Next callback {day}.", day=result.next_due), markup=False)
            else:
                step = _(NEXT_STEP_LABELS[NextStep(result.next_step)])
                self.notify(_("Done. The customer moves on: {step}.", step=step), markup=False)
            self.refresh_data()

        self.app.push_screen(TickScreen(self, cb), done)
