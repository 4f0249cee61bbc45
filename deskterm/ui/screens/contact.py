"""Dialogs for contacts made outside the sales pipeline: care calls, marketing contacts, leads.

Each is a ``ModalScreen`` that runs its service itself and shows every error under
its field, so nothing typed is lost (Ctrl+S saves, Esc cancels).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from deskterm.domain.appointments import parse_visit
from deskterm.errors import DesktermError
from deskterm.i18n import N_, _
from deskterm.services.reception import CHANNELS
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.dialogs import AsksBeforeDiscarding
from deskterm.ui.widgets.choice import Choice
from deskterm.ui.widgets.field_errors import save_or_show_errors, show_field_errors
from deskterm.ui.widgets.fields import FIELD_MOVES, TextField

CONTACT_OUTCOMES = {"reached": N_("reached"), "no_answer": N_("no answer")}
INVITED = "invited"  # the dialog's pick: reached, and an appointment booked
LEAD_CHANNELS = ("phone", "online")


def _row(label: str, widget: Any, field: str) -> ComposeResult:
    with Horizontal(classes="row"):
        yield Label(label, classes="label", markup=False)
        yield widget
    yield Static("", id=f"err-{field}", classes="field-error", markup=False)


class ContactScreen(AsksBeforeDiscarding, WorkerBoundary, ModalScreen[Any]):
    """Outcome (reached / no answer) and a note; ``save(outcome, note)`` does the rest.

    With ``invite`` (marketing's contact with a pool customer) a third outcome, reached
    and invited to visit, asks the day and time and the car to have ready, and the
    save is ``save(outcome, note, at, model)`` (``at`` None unless invited).
    """

    BINDINGS = [
        # Not priority: the save must come after the keys typed before it (see FIELD_MOVES).
        Binding("ctrl+s", "save", N_("Save"), id="contact.save"),
        Binding("escape", "cancel", N_("Cancel"), id="contact.cancel"),
        *FIELD_MOVES,
    ]

    def __init__(self, title: str, save: Callable[..., Any], *, invite: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.save_fn = save
        self.invite = invite

    def compose(self) -> ComposeResult:
        outcomes = [(k, _(v)) for k, v in CONTACT_OUTCOMES.items()]
        if self.invite:
            outcomes.insert(1, (INVITED, _("reached — invited to visit")))
        with VerticalScroll(classes="dialog form"):
            yield Label(self.title_text, classes="question", markup=False)
            yield from _row(_("Outcome"), Choice(outcomes, "reached", id="outcome"), "outcome")
            if self.invite:
                rows = Vertical(id="invite-rows")
                rows.styles.height = "auto"  # its rows' height (a Vertical takes the rest)
                with rows:
                    yield from _row(
                        _("Visit at"),
                        TextField(
                            placeholder=_("YYYY-MM-DD HH:MM, tomorrow 15:00"), id="appointment"
                        ),
                        "appointment",
                    )
                    yield from _row(
                        _("Car"),
                        TextField(placeholder=_("the car to have ready (optional)"), id="model"),
                        "model",
                    )
            yield from _row(_("Note"), TextField(id="note"), "note")
            yield Label(
                _("digits pick · Tab next · Ctrl+S save · Esc cancel"), classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self._sync()
        self.query_one("#outcome", Choice).focus()
        self.call_after_refresh(self.remember_opened)

    @on(Choice.Changed, "#outcome")
    def _sync(self) -> None:
        if self.invite:
            invited = self.query_one("#outcome", Choice).value == INVITED
            self.query_one("#invite-rows").display = invited
            if invited and self.query_one("#outcome", Choice).has_focus:
                # The visit's time comes next: typed on the outcome, its digits would pick
                # "no answer" and save the call without the invitation.
                self.call_after_refresh(self.query_one("#appointment").focus)

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        outcome = self.query_one("#outcome", Choice).value or "reached"
        note = self.query_one("#note", Input).value
        if not self.invite:
            self.save(lambda: self.save_fn(outcome, note))
            return
        at, model = None, ""
        if outcome == INVITED:
            try:
                day, clock = parse_visit(self.query_one("#appointment", Input).value, self.today)
            except DesktermError as exc:
                self.show_errors({"appointment": exc.message})
                return
            at = datetime.combine(day, clock, self.zone)
            model = self.query_one("#model", Input).value
            outcome = "reached"
        self.save(lambda: self.save_fn(outcome, note, at, model))

    @property
    def today(self) -> date:
        return self.app.ctx.today()  # type: ignore[attr-defined,no-any-return]

    @property
    def zone(self) -> tzinfo:
        return self.app.ctx.clock.zone  # type: ignore[attr-defined,no-any-return]

    @work(thread=True, exclusive=True, group="contact", exit_on_error=False)
    def save(self, call: Callable[[], Any]) -> None:
        save_or_show_errors(self, call, "outcome")

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field."""
        show_field_errors(self, errors, ("outcome", "appointment", "model", "note"))


class LeadScreen(AsksBeforeDiscarding, WorkerBoundary, ModalScreen[Any]):
    """A phone or online lead: name, phone, channel, note; ``save(...)`` registers it."""

    BINDINGS = [
        # Not priority: the save must come after the keys typed before it (see FIELD_MOVES).
        Binding("ctrl+s", "save", N_("Save"), id="lead.save"),
        Binding("escape", "cancel", N_("Cancel"), id="lead.cancel"),
        *FIELD_MOVES,
    ]

    def __init__(self, save: Callable[[str, str, str, str], Any]) -> None:
        super().__init__()
        translate_bindings(self)
        self.save_fn = save

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form"):
            yield Label(
                _("New phone or online lead (waits for the manager to hand it out)"),
                classes="question",
                markup=False,
            )
            yield from _row(_("Name"), TextField(id="name"), "name")
            yield from _row(_("Phone"), TextField(id="phone"), "phone")
            yield from _row(
                _("Channel"),
                Choice([(c, _(CHANNELS[c])) for c in LEAD_CHANNELS], "online", id="channel"),
                "channel",
            )
            yield from _row(_("Note"), TextField(id="note"), "note")
            yield Static("", id="err-form", classes="field-error", markup=False)
            yield Label(
                _("digits pick · Tab next · Ctrl+S save · Esc cancel"), classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self.call_after_refresh(self.remember_opened)

    def action_save(self) -> None:
        self.save(
            self.query_one("#name", Input).value,
            self.query_one("#phone", Input).value,
            self.query_one("#channel", Choice).value or "online",
            self.query_one("#note", Input).value,
        )

    @work(thread=True, exclusive=True, group="lead", exit_on_error=False)
    def save(self, name: str, phone: str, channel: str, note: str) -> None:
        save_or_show_errors(self, lambda: self.save_fn(name, phone, channel, note))

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field."""
        show_field_errors(self, errors, ("name", "phone", "channel", "note"))
