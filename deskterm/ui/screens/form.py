"""The quick reception form (DESIGN.md §1.2), in the order the conversation goes.

A ``ModalScreen[SavedForm | None]``: Tab / Shift+Tab or Enter move, digits pick in
the choice rows, Ctrl+S saves, Esc cancels (asking first if anything was typed or
picked; what came prefilled does not count). The key fields come first and the
level is suggested from the purchase time, so a whole walk-in is a dozen keys.
Every field is validated on save by the service; each error shows under its
field and nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from deskterm.domain.levels import HORIZON_LABELS, Levels, PurchaseHorizon
from deskterm.domain.phone import display_phone, normalize_phone
from deskterm.domain.text import clean_text, parse_day
from deskterm.errors import DesktermError
from deskterm.i18n import N_, _, ngettext
from deskterm.services import reception
from deskterm.services.context import Context
from deskterm.services.reception import (
    BUDGETS,
    CHANNELS,
    DECIDERS,
    INTERESTS,
    RELATION_LABELS,
    KnownCustomer,
    ReceptionForm,
    Relation,
    SavedForm,
)
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.widgets.choice import Choice
from deskterm.ui.widgets.field_errors import save_or_show_errors, show_field_errors
from deskterm.ui.widgets.fields import FIELD_MOVES, TextField
from deskterm.ui.widgets.reasons import reason_choices


@dataclass(frozen=True)
class FormContext:
    """What the form is opened for (prefilled, shown at the top)."""

    reception_id: int
    salesperson: str
    arrived: str
    channel: str
    prefill: ReceptionForm | None = None
    own_customer_id: int | None = None  # correcting a saved form: the customer it is about


FIELDS = (
    "name",
    "name_choice",
    "phone",
    "model_interest",
    "budget",
    "purchase_horizon",
    "companions",
    "level",
    "next_callback",
    "test_drive",
    "contact_left",
    "no_contact_reason",
    "no_contact_note",
    "channel",
    "media",
    "contact_other",
    "party_size",
    "decider",
    "interest",
    "notes",
)


class ReceptionFormScreen(WorkerBoundary, ModalScreen[SavedForm | None]):
    """Fill or correct the form of one reception."""

    BINDINGS = [
        # Not priority: the save must come after the keys typed before it (see FIELD_MOVES).
        Binding("ctrl+s", "save", N_("Save"), id="form.save"),
        Binding("escape", "cancel", N_("Cancel"), id="form.cancel"),
        # Enter moves on from any field. A priority binding moves the focus at once, so the
        # keys typed right after it (a fast typist, a burst from the terminal) land in the
        # next field: a message-driven move (Input.Submitted) would arrive after them.
        Binding("enter", "next_field", show=False, id="form.next", priority=True),
        *FIELD_MOVES,
    ]

    def __init__(self, ctx: Context, levels: Levels, info: FormContext) -> None:
        super().__init__()
        translate_bindings(self)
        self.ctx = ctx
        self.levels = levels
        self.info = info
        self.known: KnownCustomer | None = None
        self._level_touched = False
        self._callback_touched = False
        self._level_from_file = False  # the Level field shows the known customer's level
        self._picked = False  # a choice was picked by hand (Esc then asks before discarding)

    # -- layout ---------------------------------------------------------------
    def _row(self, field: str, label: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="row", id=f"row-{field}"):
            yield Label(label, classes="label", markup=False)
            yield widget
        yield Static("", id=f"err-{field}", classes="field-error", markup=False)

    def compose(self) -> ComposeResult:
        p = self.info.prefill or ReceptionForm()
        yes_no = [("yes", _("yes")), ("no", _("no"))]
        with VerticalScroll(classes="dialog form"):
            yield Label(
                _(
                    "Reception form — {who}, {when}, {channel}",
                    who=self.info.salesperson,
                    when=self.info.arrived,
                    channel=_(CHANNELS[self.info.channel]),
                ),
                classes="question",
                markup=False,
            )
            yield from self._row("name", _("Name"), TextField(p.name, id="name"))
            # A revisit whose typed name differs from the one on file: a visible choice.
            yield from self._row(
                "name_choice",
                _("Name on file"),
                Choice([("keep", _("keep")), ("replace", _("replace"))], "keep", id="name_choice"),
            )
            yield from self._row("phone", _("Phone"), TextField(p.phone, id="phone"))
            yield Static("", id="known", classes="hint", markup=False)
            # The key fields first, in the order the conversation goes; what is prefilled
            # (contact left, channel) comes after them, still a Tab away, never in the way.
            yield from self._row(
                "model_interest", _("Model"), TextField(p.model_interest, id="model_interest")
            )
            yield from self._row(
                "budget",
                _("Budget"),
                Choice([(k, _(v)) for k, v in BUDGETS.items()], p.budget, id="budget"),
            )
            yield from self._row(
                "purchase_horizon",
                _("Buys"),
                Choice(
                    [(h.value, _(HORIZON_LABELS[h])) for h in PurchaseHorizon],
                    p.purchase_horizon,
                    id="purchase_horizon",
                ),
            )
            yield from self._row(
                "companions",
                _("With"),
                Choice(
                    [(r.value, _(label)) for r, label in RELATION_LABELS.items()],
                    None,
                    multiple=True,
                    id="companions",
                ),
            )
            yield from self._row(
                "level",
                _("Level"),
                Choice([(r.code, r.name) for r in self.levels], p.level, id="level"),
            )
            yield from self._row(
                "next_callback",
                _("Callback on"),
                TextField(
                    p.next_callback.isoformat() if p.next_callback else "",
                    id="next_callback",
                    placeholder="YYYY-MM-DD",
                ),
            )
            yield from self._row(
                "test_drive",
                _("Test drive"),
                Choice(yes_no, "yes" if p.test_drive else "no", id="test_drive"),
            )
            yield from self._row(
                "contact_left",
                _("Contact left?"),
                Choice(yes_no, "yes" if p.contact_left else "no", id="contact_left"),
            )
            yield from self._row(
                "no_contact_reason",
                _("Why not?"),
                Choice(
                    reason_choices(self.app, "no_contact"),
                    p.no_contact_reason,
                    id="no_contact_reason",
                ),
            )
            yield from self._row(
                "no_contact_note", _("Note"), TextField(p.no_contact_note, id="no_contact_note")
            )
            yield from self._row(
                "channel",
                _("Channel"),
                Choice(
                    [(k, _(v)) for k, v in CHANNELS.items()],
                    p.channel or self.info.channel,
                    id="channel",
                ),
            )
            # How they heard of the shop (cost per visitor by medium): after the prefilled
            # channel, a Tab away and never in the common walk-in's way.
            yield from self._row(
                "media",
                _("Heard of us"),
                Choice(reason_choices(self.app, "media"), p.media, id="media"),
            )
            # Issue 19, the visitor as showrooms record them: after every prefilled field,
            # so the common walk-in costs no key more. A WeChat ID or e-mail is contact
            # left (the phone may then stay empty).
            yield from self._row(
                "contact_other",
                _("WeChat/e-mail"),
                TextField(p.contact_other, id="contact_other"),
            )
            yield from self._row(
                "party_size",
                _("Party size"),
                TextField(p.party_size, id="party_size", placeholder=_("1-20; blank: from With")),
            )
            yield from self._row(
                "decider",
                _("Who decides"),
                Choice([(k, _(v)) for k, v in DECIDERS.items()], p.decider, id="decider"),
            )
            yield from self._row(
                "interest",
                _("New / used"),
                Choice([(k, _(v)) for k, v in INTERESTS.items()], p.interest, id="interest"),
            )
            yield from self._row("notes", _("Notes"), TextField(p.notes, id="notes"))
            yield Static("", id="err-form", classes="field-error", markup=False)
            yield Label(
                _("Enter or Tab next field · digits pick · Ctrl+S save · Esc cancel"),
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        p = self.info.prefill
        if p and p.companions:
            self.query_one("#companions", Choice).values = frozenset(r for r, _n in p.companions)
        self._sync_contact()
        self._sync_name_choice()
        if p and p.phone:
            self.lookup(p.phone)
        if p and p.level:
            self._level_touched = True
        self.query_one("#name", Input).focus()

    # -- live behaviour -----------------------------------------------------------
    def _sync_contact(self) -> None:
        left = self.query_one("#contact_left", Choice).value != "no"
        for f in ("no_contact_reason", "no_contact_note"):
            self.query_one(f"#row-{f}").display = not left
        for f in ("level", "next_callback"):
            self.query_one(f"#row-{f}").display = left

    def action_next_field(self) -> None:
        self.focus_next()

    @on(Choice.Changed)
    def choice_changed(self, event: Choice.Changed) -> None:
        cid = event.choice.id
        self._picked = True  # Changed is posted only for a pick by key or mouse
        if cid == "contact_left":
            self._sync_contact()
        elif cid == "companions":
            self._alone_or_company(event.choice)
        elif (
            cid == "purchase_horizon"
            and not self._level_touched
            and not self._level_from_file
            and event.choice.value
        ):
            # The expected purchase time suggests the level (and so the callback date).
            suggested = self.levels.suggest(PurchaseHorizon(event.choice.value)).code
            self.query_one("#level", Choice).value = suggested
            self._suggest_callback(suggested)
        elif cid == "level":
            self._level_touched = True
            if self.known is not None and event.choice.value == self.known.level:
                # Back to the level on file: the open callback stays, as if untouched.
                self._suggest_callback(None)
            elif event.choice.value:
                self._suggest_callback(event.choice.value)
        self._clear_error(cid or "")

    def _alone_or_company(self, choice: Choice) -> None:
        """ "Came alone" and a companion exclude each other: the last pick wins."""
        alone = Relation.ALONE.value
        picked = choice.options[choice.cursor][0]
        if alone in choice.values and len(choice.values) > 1:
            choice.values = frozenset({alone}) if picked == alone else choice.values - {alone}

    def _sync_name_choice(self) -> None:
        """Offer keep / replace only when a known customer's name was typed differently."""
        typed = clean_text(self.query_one("#name", Input).value).value
        row = self.query_one("#row-name_choice")
        differs = self.known is not None and bool(typed) and typed != self.known.name
        row.display = differs
        if differs:
            assert self.known is not None
            self.query_one("#name_choice", Choice).set_options(
                [("keep", _("keep {name}", name=self.known.name)), ("replace", _("replace"))],
                self.query_one("#name_choice", Choice).value or "keep",
            )

    def _suggest_callback(self, level: str | None) -> None:
        """The level's callback date in the box (None: empty, the open callback is kept)."""
        if self._callback_touched:
            return
        due = reception.suggested_callback(self.ctx, level) if level else None
        box = self.query_one("#next_callback", Input)
        with box.prevent(Input.Changed):
            box.value = due.isoformat() if due else ""

    @on(Input.Changed)
    def input_changed(self, event: Input.Changed) -> None:
        fid = event.input.id or ""
        self._clear_error(fid)
        if fid == "next_callback":
            self._callback_touched = True
        if fid == "phone":
            self.lookup(event.value)
        if fid == "name":
            self._sync_name_choice()

    @work(thread=True, exclusive=True, group="phone-lookup", exit_on_error=False)
    def lookup(self, raw: str) -> None:
        """Validate, normalise and look the phone up as it is typed (off the event loop)."""
        problem: str | None = None
        normalised = ""
        if raw.strip():
            try:
                normalised = display_phone(normalize_phone(raw))
            except DesktermError as exc:
                problem = exc.message
        known = reception.lookup_phone(self.ctx, raw) if normalised else None
        self.app.call_from_thread(self._show_known, known, normalised, problem)

    def _show_known(
        self, known: KnownCustomer | None, normalised: str = "", problem: str | None = None
    ) -> None:
        if known is not None and known.id == self.info.own_customer_id:
            known = None  # the form's own customer, being corrected: no revisit to announce
        elif known is not None and self.info.own_customer_id is not None:
            # Correcting a saved form with another customer's phone: said at the field,
            # as the save would refuse it; the form does not turn into that customer's.
            self.show_errors(
                {
                    "phone": _(
                        "This phone is on file for {name}, another customer: correct the "
                        "digits, or change that customer in Customers (F4).",
                        name=known.name,
                    )
                }
            )
            known = None
        self.known = known
        box = self.query_one("#known", Static)
        level = self.query_one("#level", Choice)
        due_box = self.query_one("#next_callback", Input)
        if known is None:
            # Digits still being typed are not an error yet: the hint says what is wrong;
            # once a save showed the error under the field, the hint does not repeat it.
            said = self.query_one("#err-phone", Static).has_class("shown")
            hint = f"… {problem}" if problem and not said else ""
            box.update(f"→ {normalised}" if normalised else hint)
            if self._level_from_file:  # the phone changed: no longer that customer's level
                self._level_from_file = False
                level.value = None
                due_box.placeholder = "YYYY-MM-DD"
            self._sync_name_choice()
            return
        kept = (
            _("callback {day}", day=known.next_callback.isoformat())
            if known.next_callback
            else _("no open callback")
        )
        box.update(
            ngettext(
                "Known customer: {name} · {phone} · {level} · owner {owner} · {n} visit "
                "— this is a revisit",
                "Known customer: {name} · {phone} · {level} · owner {owner} · {n} visits "
                "— this is a revisit",
                known.visits,
                name=known.name,
                phone=display_phone(known.phone),
                # name_of: a preset switched meanwhile may no longer know this code
                level=self.levels.name_of(known.level),
                owner=known.owner_name,
            )
            + "\n"
            + _(
                "Kept unless changed: level, name, owner, {callback} · no turn used",
                callback=kept,
            )
        )
        if not self._level_touched:
            # Leaving the Level field as it is keeps the customer's level (a revisit is
            # never re-graded by accident, e.g. by the purchase time).
            self._level_from_file = True
            level.value = known.level
            if not self._callback_touched:
                with due_box.prevent(Input.Changed):
                    due_box.value = ""
                due_box.placeholder = (
                    _("kept: {day}", day=known.next_callback.isoformat())
                    if known.next_callback
                    else "YYYY-MM-DD"
                )
        name = self.query_one("#name", Input)
        if not name.value.strip():
            name.value = known.name
        self._sync_name_choice()

    def _clear_error(self, field: str) -> None:
        for box in self.query(f"#err-{field}").results(Static):
            box.update("")
            box.remove_class("shown")

    # -- submit -------------------------------------------------------------------
    def collect(self) -> tuple[ReceptionForm, dict[str, str]]:
        """The typed values as a form, plus local errors (dates that don't parse)."""

        def val(fid: str) -> str:
            return self.query_one(f"#{fid}", Input).value

        def pick(fid: str) -> str | None:
            return self.query_one(f"#{fid}", Choice).value

        errors: dict[str, str] = {}
        notes = dict(self.info.prefill.companions) if self.info.prefill else {}
        due: date | None = None
        raw_due = val("next_callback").strip()
        if raw_due and pick("contact_left") != "no":
            try:
                due = parse_day(raw_due, field="next_callback")
            except DesktermError as exc:
                errors["next_callback"] = exc.message
        form = ReceptionForm(
            name=val("name"),
            phone=val("phone"),
            contact_left=pick("contact_left") != "no",
            no_contact_reason=pick("no_contact_reason"),
            no_contact_note=val("no_contact_note"),
            channel=pick("channel"),
            model_interest=val("model_interest"),
            budget=pick("budget"),
            purchase_horizon=pick("purchase_horizon"),
            # A companion's note typed before (a saved form corrected) stays with them.
            companions=[
                (r, notes.get(r, "")) for r in sorted(self.query_one("#companions", Choice).values)
            ],
            test_drive=pick("test_drive") == "yes",
            level=pick("level"),
            next_callback=due,
            notes=val("notes"),
            media=pick("media"),
            contact_other=val("contact_other"),
            party_size=val("party_size"),
            decider=pick("decider"),
            interest=pick("interest"),
            replace_name=bool(self.query_one("#row-name_choice").display)
            and pick("name_choice") == "replace",
        )
        return form, errors

    def action_save(self) -> None:
        form, errors = self.collect()
        if errors:
            self.show_errors(errors)
            return
        self.save(form)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def save(self, form: ReceptionForm) -> None:
        save_or_show_errors(
            self, lambda: reception.save_form(self.ctx, self.info.reception_id, form)
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; focus moves to the first wrong field."""
        renamed = {
            ("no_contact_note" if f == "no_contact_reason_note" else f): m
            for f, m in errors.items()
        }
        show_field_errors(self, renamed, FIELDS)
        if "phone" in renamed:  # said under the field now: not a second time in the hint
            self.query_one("#known", Static).update("")

    def _dirty(self) -> bool:
        """Anything typed or picked by hand; values the form opened with do not count."""
        if self._picked:
            return True
        form, _e = self.collect()
        p = self.info.prefill or ReceptionForm()
        fields = (
            "name",
            "phone",
            "model_interest",
            "notes",
            "no_contact_note",
            "contact_other",
            "party_size",
        )
        typed = [clean_text(getattr(form, f)).value for f in fields]
        opened = [clean_text(getattr(p, f)).value for f in fields]
        return typed != opened

    def unsaved_changes(self) -> bool:
        """Anything typed or picked that no save has kept (asked before quitting)."""
        return self._dirty()

    def action_cancel(self) -> None:
        if not self._dirty():
            self.dismiss(None)
            return
        from deskterm.ui.screens.dialogs import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen(_("Discard what was typed on this form?")), answer)
