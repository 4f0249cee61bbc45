"""The reception form (DESIGN.md §1.2): from what was typed to a customer, a level and a callback.

``save_form`` validates every field first and reports all errors at once, each at
its field, so a form never loses what was typed and never stores half of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from deskterm.domain.escalation import Status
from deskterm.domain.kpi import form_completeness
from deskterm.domain.levels import Levels, PurchaseHorizon
from deskterm.domain.phone import normalize_phone
from deskterm.domain.schedule import NextStep, first_callback
from deskterm.domain.text import clean_field
from deskterm.errors import DesktermError, InvalidInput, NotFound
from deskterm.i18n import N_
from deskterm.services.context import Context, record_audit, snapshot
from deskterm.services.permissions import permission
from deskterm.services.setup import load_levels, load_settings
from deskterm.storage.models import (
    Callback,
    Companion,
    Customer,
    LevelChange,
    OwnershipChange,
    Reason,
    Reception,
    Staff,
)


class Relation(StrEnum):
    """Who came along: the people who influence the purchase."""

    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    FRIEND = "friend"
    COLLEAGUE = "colleague"
    OTHER = "other"


RELATION_LABELS: dict[Relation, str] = {
    Relation.SPOUSE: N_("spouse"),
    Relation.PARENT: N_("parent"),
    Relation.CHILD: N_("child"),
    Relation.FRIEND: N_("friend"),
    Relation.COLLEAGUE: N_("colleague"),
    Relation.OTHER: N_("other"),
}
CHANNELS: dict[str, str] = {
    "walk_in": N_("walk-in"),
    "phone": N_("phone"),
    "online": N_("online"),
    "marketing": N_("marketing lead"),
}
BUDGETS: dict[str, str] = {
    "<100k": N_("under 100k"),
    "100-150k": N_("100k–150k"),
    "150-200k": N_("150k–200k"),
    "200-300k": N_("200k–300k"),
    "300k+": N_("over 300k"),
}
MAX_COMPANIONS = 6


class InvalidForm(DesktermError):
    """One or more fields are wrong; ``errors`` maps each field to its error."""

    def __init__(self, errors: dict[str, DesktermError]) -> None:
        self.errors = errors
        super().__init__(N_("Please correct the highlighted fields."))


@dataclass
class ReceptionForm:
    """What was typed on the quick form (raw; ``save_form`` validates it)."""

    name: str = ""
    phone: str = ""
    contact_left: bool = True
    contact_other: str = ""
    no_contact_reason: str | None = None
    no_contact_note: str = ""
    channel: str | None = None  # None: keep the reception's channel
    model_interest: str = ""
    budget: str | None = None
    purchase_horizon: str | None = None
    companions: list[tuple[str, str]] = field(default_factory=list)
    test_drive: bool = False
    level: str | None = None  # None: suggested from the purchase horizon
    next_callback: date | None = None  # None: suggested by the level's rule
    notes: str = ""


@dataclass(frozen=True)
class SavedForm:
    """The result of saving a form."""

    reception_id: int
    customer_id: int | None
    revisit: bool
    level: str | None
    next_callback: date | None
    next_step: str | None  # callback | marketing
    owner_id: int | None


@dataclass(frozen=True)
class KnownCustomer:
    """A customer found by phone while typing (turns the entry into a revisit)."""

    id: int
    name: str
    phone: str
    level: str
    status: str
    owner_id: int
    owner_name: str
    visits: int


@permission("reception")
def lookup_phone(ctx: Context, raw: str) -> KnownCustomer | None:
    """The customer with this phone, if any (None also when the phone is not valid yet)."""
    with ctx.db.read() as s:
        try:
            phone = normalize_phone(raw, load_settings(s)["phone.default_country"])
        except InvalidInput:
            return None
        c = s.exec(select(Customer).where(Customer.phone == phone)).first()
        if c is None or c.id is None:
            return None
        owner = s.get(Staff, c.owner_id)
        visits = len(s.exec(select(Reception.id).where(Reception.customer_id == c.id)).all())
        return KnownCustomer(
            c.id, c.name, phone, c.level, c.status, c.owner_id, owner.name if owner else "?", visits
        )


def _reason(
    session: Session,
    kind: str,
    code: str | None,
    note: str,
    field_: str,
    errors: dict[str, DesktermError],
) -> tuple[str | None, str]:
    if not code:
        errors[field_] = InvalidInput("Choose a reason.", field=field_)
        return None, note
    r = session.get(Reason, (kind, code))
    if r is None or not r.active:
        errors[field_] = InvalidInput("Unknown reason: {value}.", field=field_, value=code)
        return None, note
    if r.needs_note and not note:
        errors[f"{field_}_note"] = InvalidInput(
            'Say why in the note for "other".', field=f"{field_}_note"
        )
    return code, note


def validate_form(
    session: Session, ctx: Context, form: ReceptionForm, levels: Levels
) -> tuple[dict[str, object], dict[str, DesktermError]]:
    """Clean every field; return the clean values and every error found."""
    errors: dict[str, DesktermError] = {}
    clean: dict[str, object] = {}

    def take(name: str, fn):  # type: ignore[no-untyped-def]
        try:
            clean[name] = fn()
        except DesktermError as e:
            e.field = e.field or name
            errors[name] = e

    country = load_settings(session)["phone.default_country"]
    take(
        "name",
        lambda: clean_field(form.name, field="name", max_length=40, required=form.contact_left),
    )
    take("notes", lambda: clean_field(form.notes, field="notes", max_length=2000, multiline=True))
    take(
        "model_interest",
        lambda: clean_field(form.model_interest, field="model_interest", max_length=60),
    )
    take(
        "contact_other",
        lambda: clean_field(form.contact_other, field="contact_other", max_length=80),
    )
    if form.contact_left:
        if form.phone.strip():
            take("phone", lambda: normalize_phone(form.phone, country))
        elif not form.contact_other.strip():
            errors["phone"] = InvalidInput("Enter a phone number.", field="phone")
    else:
        note = ""
        take(
            "no_contact_note",
            lambda: clean_field(form.no_contact_note, field="no_contact_note", max_length=500),
        )
        note = str(clean.get("no_contact_note", ""))
        code, _ = _reason(
            session, "no_contact", form.no_contact_reason, note, "no_contact_reason", errors
        )
        clean["no_contact_reason"] = code
    if form.channel is not None and form.channel not in CHANNELS:
        errors["channel"] = InvalidInput(
            "Unknown channel: {value}.", field="channel", value=form.channel
        )
    if form.budget and form.budget not in BUDGETS:
        errors["budget"] = InvalidInput(
            "Unknown budget range: {value}.", field="budget", value=form.budget
        )
    horizon = None
    if form.purchase_horizon:
        try:
            horizon = PurchaseHorizon(form.purchase_horizon)
        except ValueError:
            errors["purchase_horizon"] = InvalidInput(
                "Unknown purchase time: {value}.",
                field="purchase_horizon",
                value=form.purchase_horizon,
            )
    clean["purchase_horizon"] = horizon
    if len(form.companions) > MAX_COMPANIONS:
        errors["companions"] = InvalidInput(
            "At most {n} companions.", field="companions", n=MAX_COMPANIONS
        )
    companions: list[tuple[str, str]] = []
    for rel, note in form.companions:
        if rel not in {r.value for r in Relation}:
            errors["companions"] = InvalidInput(
                "Unknown companion: {value}.", field="companions", value=rel
            )
            continue
        try:
            companions.append((rel, clean_field(note, field="companions", max_length=200)))
        except DesktermError as e:
            errors["companions"] = e
    clean["companions"] = companions
    level = None
    if form.contact_left:
        if form.level:
            try:
                level = levels.get(form.level).code
            except InvalidInput as e:
                errors["level"] = e
        else:
            level = levels.suggest(horizon or PurchaseHorizon.UNKNOWN).code
    clean["level"] = level
    today = ctx.today()
    if form.next_callback is not None:
        if form.next_callback < today:
            errors["next_callback"] = InvalidInput(
                "The callback date is in the past.", field="next_callback"
            )
        elif form.next_callback > today + timedelta(days=366):
            errors["next_callback"] = InvalidInput(
                "The callback date is more than a year away.", field="next_callback"
            )
    return clean, errors


@permission("reception")
def suggested_callback(ctx: Context, level: str) -> date | None:
    """The callback date the level's rule suggests for a reception today."""
    with ctx.db.read() as s:
        plan = first_callback(load_levels(s).get(level), ctx.today())
    return plan.due


def _set_level(
    session: Session,
    ctx: Context,
    cust: Customer,
    level: str,
    source: str,
    by_id: int | None = None,
) -> None:
    """Change the level and record who did it: the signed-in person, else ``by_id`` (the
    salesperson at the reception or on the callback)."""
    if cust.level == level:
        return
    who = ctx.actor_id if ctx.actor_id is not None else by_id
    session.add(
        LevelChange(
            customer_id=cust.id,
            from_level=cust.level or None,
            to_level=level,
            at=ctx.now(),
            by_id=who,
            source=source,
        )
    )
    cust.level = level
    cust.level_since = ctx.now()


def reschedule(
    session: Session, ctx: Context, cust: Customer, due: date | None, owner_id: int
) -> None:
    """Replace the customer's open sales callback with one due on ``due`` (None: none)."""
    for cb in session.exec(
        select(Callback).where(
            Callback.customer_id == cust.id, Callback.kind == "sales", Callback.status == "open"
        )
    ).all():
        # Dated, so a past day's report knows the task was still open at that day's end.
        cb.status, cb.done_at = "cancelled", ctx.now()
    if due is not None:
        session.add(
            Callback(
                customer_id=cust.id,
                salesperson_id=owner_id,
                kind="sales",
                due_at=ctx.day_start(due),
                created_at=ctx.now(),
            )
        )


_CUSTOMER_AUDIT = (
    "name",
    "phone",
    "level",
    "status",
    "owner_id",
    "model_interest",
    "budget",
    "purchase_horizon",
)


@permission("reception")
def save_form(ctx: Context, reception_id: int, form: ReceptionForm) -> SavedForm:
    """Save (or correct) the form of a reception, in one transaction.

    A phone already on file makes this a revisit of that customer (never a
    duplicate); the customer keeps their owner.  A new customer is owned by the
    salesperson credited with the reception.
    """
    with ctx.db.write() as s:
        rec = s.get(Reception, reception_id)
        if rec is None:
            raise NotFound("No reception #{id}.", field="reception", id=reception_id)
        levels = load_levels(s)
        clean, errors = validate_form(s, ctx, form, levels)
        if errors:
            raise InvalidForm(errors)
        now = ctx.now()
        level = clean["level"]
        horizon = clean["purchase_horizon"]
        cust: Customer | None = None
        revisit = False
        next_due: date | None = None
        step: str | None = None
        if form.contact_left:
            phone = clean.get("phone")
            if phone:
                cust = s.exec(select(Customer).where(Customer.phone == phone)).first()
            if cust is None and rec.customer_id is not None:
                cust = s.get(Customer, rec.customer_id)
            revisit = cust is not None
            before = snapshot(cust, _CUSTOMER_AUDIT) if cust else None
            if cust is None:
                rule = levels.get(str(level))
                cust = Customer(
                    name=str(clean["name"]),
                    phone=phone or None,
                    contact_other=str(clean["contact_other"]) or None,
                    level=str(level),
                    level_since=now,
                    status=(Status.MARKETING if rule.to_marketing else Status.ACTIVE).value,
                    status_since=now,
                    owner_id=rec.credited_to_id,
                    owner_since=now,
                    source_channel=form.channel or rec.channel,
                    created_at=now,
                    last_contact_at=now,
                )
                s.add(cust)
                s.flush()
                s.add(
                    LevelChange(
                        customer_id=cust.id,
                        from_level=None,
                        to_level=str(level),
                        at=now,
                        by_id=ctx.actor_id or rec.salesperson_id,
                        source="reception",
                    )
                )
                s.add(
                    OwnershipChange(
                        customer_id=cust.id,
                        from_owner_id=None,
                        to_owner_id=rec.credited_to_id,
                        at=now,
                        by_id=ctx.actor_id,
                        reason="first reception",
                    )
                )
            else:
                cust.name = str(clean["name"]) or cust.name
                if phone:
                    cust.phone = phone
                cust.contact_other = str(clean["contact_other"]) or cust.contact_other
                cust.last_contact_at = now
                rec.first_visit = False
            if clean["model_interest"]:
                cust.model_interest = str(clean["model_interest"])
            if form.budget:
                cust.budget = form.budget
            if horizon is not None:
                cust.purchase_horizon = horizon.value
            _set_level(s, ctx, cust, str(level), "reception", rec.salesperson_id)
            rule = levels.get(cust.level)
            if cust.status in (
                Status.ACTIVE.value,
                Status.AT_RISK.value,
                Status.MARKETING.value,
                Status.LOST.value,
            ):
                # A visit re-judges the level: a marketing or lost customer who comes back
                # warm or hot is back in the owner's pipeline.
                new_status = (
                    Status.MARKETING
                    if rule.to_marketing
                    else (Status.AT_RISK if cust.status == Status.AT_RISK.value else Status.ACTIVE)
                )
                if cust.status != new_status.value:
                    cust.status = new_status.value
                    cust.status_since = now
            plan = first_callback(rule, ctx.today())
            step = plan.step.value
            if plan.step is NextStep.CALLBACK:
                next_due = form.next_callback or plan.due
            if cust.status != Status.WON.value:
                reschedule(s, ctx, cust, next_due, cust.owner_id)
            rec.customer_id = cust.id
            rec.no_contact_reason = None
            rec.no_contact_note = None
            rec.visitor_name = None
            record_audit(
                s,
                ctx,
                "customer.save" if before else "customer.create",
                "customer",
                cust.id,
                before,
                snapshot(cust, _CUSTOMER_AUDIT),
            )
        else:
            rec.customer_id = None
            rec.no_contact_reason = str(clean["no_contact_reason"])
            rec.no_contact_note = str(clean.get("no_contact_note", "")) or None
            rec.visitor_name = str(clean["name"]) or None
        if form.channel:
            rec.channel = form.channel
        rec.test_drive = form.test_drive
        rec.notes = str(clean["notes"])
        for old in s.exec(select(Companion).where(Companion.reception_id == rec.id)).all():
            s.delete(old)
        for rel, note in clean["companions"]:  # type: ignore[attr-defined]
            s.add(Companion(reception_id=rec.id, relation=rel, note=note))
        present = {
            "name": bool(clean["name"]),
            "phone": bool(clean.get("phone")),
            "model_interest": bool(clean["model_interest"]),
            "budget": bool(form.budget),
            "purchase_horizon": horizon is not None,
            "companions": bool(form.companions),
            "level": level is not None,
        }
        filled, total = form_completeness(present)
        rec.form_fields_filled, rec.form_fields_total = filled, total
        # Which key fields were left empty: the coaching view counts them per salesperson.
        rec.form_missing = ",".join(k for k, v in present.items() if not v) or None
        first_save = rec.form_saved_at is None
        rec.form_saved_at = now
        record_audit(
            s,
            ctx,
            "reception.form" if first_save else "reception.form_edit",
            "reception",
            rec.id,
            None,
            {"customer_id": rec.customer_id, "filled": filled},
        )
        assert rec.id is not None
        return SavedForm(
            rec.id,
            cust.id if cust else None,
            revisit,
            cust.level if cust else None,
            next_due,
            step,
            cust.owner_id if cust else None,
        )


@dataclass(frozen=True)
class ReceptionView:
    """A line of today's arrivals log."""

    id: int
    arrived_at: datetime
    channel: str
    salesperson: str
    customer: str | None
    first_visit: bool
    requested: bool
    courtesy: bool
    counted: bool
    uncounted_kind: str | None
    form_saved: bool
    has_contact: bool
    no_contact_reason: str | None
    ended: bool


@permission("rotation")
def arrivals(ctx: Context, day: date | None = None) -> list[ReceptionView]:
    """The day's arrivals, newest first."""
    day = day or ctx.today()
    with ctx.db.read() as s:
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        rows = s.exec(
            select(Reception, Customer)
            .join(Customer, isouter=True)
            .where(Reception.day == day)
            .order_by(col(Reception.id).desc())
        ).all()
        return [
            ReceptionView(
                r.id or 0,
                r.arrived_at,
                r.channel,
                names.get(r.salesperson_id, "?"),
                c.name if c else r.visitor_name,
                r.first_visit,
                r.requested,
                r.courtesy,
                r.counted,
                r.uncounted_kind,
                r.form_saved_at is not None,
                c is not None,
                r.no_contact_reason,
                r.ended_at is not None,
            )
            for r, c in rows
        ]
