"""Editing a customer's details (F4, key e), validated exactly like the reception form."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from deskterm.domain.levels import HORIZON_LABELS, Levels, PurchaseHorizon
from deskterm.domain.phone import display_phone
from deskterm.i18n import N_, _
from deskterm.services import customers
from deskterm.services.context import Context
from deskterm.services.customers import CustomerDetails, CustomerView
from deskterm.services.reception import BUDGETS, ReceptionForm
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.dialogs import AsksBeforeDiscarding
from deskterm.ui.widgets.choice import Choice
from deskterm.ui.widgets.field_errors import save_or_show_errors, show_field_errors
from deskterm.ui.widgets.fields import FIELD_MOVES, TextField

EDIT_FIELDS = ("name", "phone", "model_interest", "budget", "purchase_horizon", "level", "notes")


class EditCustomerScreen(AsksBeforeDiscarding, WorkerBoundary, ModalScreen[CustomerView | None]):
    """Correct name, phone, interest, budget, purchase time, level and notes."""

    BINDINGS = [
        # Not priority: the save must come after the keys typed before it (see FIELD_MOVES).
        Binding("ctrl+s", "save", N_("Save"), id="edit.save"),
        Binding("escape", "cancel", N_("Cancel"), id="edit.cancel"),
        *FIELD_MOVES,
    ]

    def __init__(self, ctx: Context, levels: Levels, details: CustomerDetails) -> None:
        super().__init__()
        translate_bindings(self)
        self.ctx, self.levels, self.details = ctx, levels, details

    def compose(self) -> ComposeResult:
        d = self.details

        def row(field: str, label: str, widget):  # type: ignore[no-untyped-def]
            with Horizontal(classes="row"):
                yield Label(label, classes="label", markup=False)
                yield widget
            yield Static("", id=f"err-{field}", classes="field-error", markup=False)

        with VerticalScroll(classes="dialog form"):
            yield Label(_("Edit customer — {name}", name=d.name), classes="question", markup=False)
            yield from row("name", _("Name"), TextField(d.name, id="name"))
            yield from row(
                "phone",
                _("Phone"),
                TextField(display_phone(d.phone) if d.phone else "", id="phone"),
            )
            yield from row(
                "model_interest", _("Model"), TextField(d.model_interest or "", id="model_interest")
            )
            yield from row(
                "budget",
                _("Budget"),
                Choice([(k, _(v)) for k, v in BUDGETS.items()], d.budget, id="budget"),
            )
            yield from row(
                "purchase_horizon",
                _("Buys"),
                Choice(
                    [(h.value, _(HORIZON_LABELS[h])) for h in PurchaseHorizon],
                    d.purchase_horizon,
                    id="purchase_horizon",
                ),
            )
            yield from row(
                "level",
                _("Level"),
                Choice([(r.code, r.name) for r in self.levels], d.level, id="level"),
            )
            yield from row("notes", _("Notes"), TextField(d.notes, id="notes"))
            yield Static("", id="err-form", classes="field-error", markup=False)
            yield Label(
                _("Tab next field · digits pick · Ctrl+S save · Esc cancel"),
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#name", TextField).focus()
        self.call_after_refresh(self.remember_opened)

    def action_save(self) -> None:
        form = ReceptionForm(
            name=self.query_one("#name", TextField).value,
            phone=self.query_one("#phone", TextField).value,
            model_interest=self.query_one("#model_interest", TextField).value,
            budget=self.query_one("#budget", Choice).value,
            purchase_horizon=self.query_one("#purchase_horizon", Choice).value,
            level=self.query_one("#level", Choice).value,
            notes=self.query_one("#notes", TextField).value,
        )
        self.save(form)

    @work(thread=True, exclusive=True, group="edit-save", exit_on_error=False)
    def save(self, form: ReceptionForm) -> None:
        save_or_show_errors(self, lambda: customers.edit_customer(self.ctx, self.details.id, form))

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; focus the first wrong one. Nothing typed is lost."""
        show_field_errors(self, errors, EDIT_FIELDS)
