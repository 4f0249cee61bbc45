"""The marketing pool: cold and lost customers that marketing keeps warm (DESIGN.md §1.5).

Marketing logs its own contacts with pool customers, registers phone and online
leads, and marks a customer *nurtured* to hand it back; the manager hands nurtured
customers and leads out at the meeting (``services.manager.hand_out_lead``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, func, or_, select

from deskterm.domain.escalation import Status
from deskterm.domain.phone import normalize_phone, phone_search_digits
from deskterm.domain.text import clean_field
from deskterm.errors import DesktermError, InvalidInput, NotFound, RuleViolation
from deskterm.services import appointments
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.reception import InvalidForm
from deskterm.services.setup import load_levels, load_settings
from deskterm.storage.models import Callback, Customer, Staff, saved_id

POOL_STATUSES = (Status.MARKETING.value, Status.LOST.value)
CONTACT_OUTCOMES = ("reached", "no_answer")


@dataclass(frozen=True)
class PoolEntry:
    """A customer in the marketing pool, with marketing's own contact history."""

    customer_id: int
    name: str
    phone: str | None
    level: str
    status: str
    lost_reason: str | None
    owner: str
    in_pool_since: datetime
    last_marketing_contact: datetime | None
    marketing_contacts: int
    nurtured: bool


@permission("marketing")
def marketing_pool(ctx: Context, text: str = "", limit: int = 500) -> list[PoolEntry]:
    """Pool customers, the longest-untouched first; ``text`` filters by name or phone digits.

    Nurtured customers stay listed (marked) until the manager hands them out.
    """
    with ctx.db.read() as s:
        # max() keeps the column's type, so ``last`` comes back an aware datetime.
        last = (
            select(
                Callback.customer_id,
                func.max(Callback.done_at).label("last"),
                func.count().label("n"),
            )
            .where(Callback.kind == "marketing", Callback.status == "done")
            .group_by(col(Callback.customer_id))
            .subquery()
        )
        q = (
            select(Customer, last.c.last, last.c.n)
            .join(last, last.c.customer_id == Customer.id, isouter=True)
            .where(col(Customer.status).in_(POOL_STATUSES))
        )
        text = text.strip()
        if text:
            conds = [col(Customer.name).icontains(text, autoescape=True)]
            digits = phone_search_digits(text)
            if len(digits) >= 3:
                conds.append(col(Customer.phone).contains(digits, autoescape=True))
            q = q.where(or_(*conds))
        # Never-contacted first (said outright: PostgreSQL puts NULLs last going up), then
        # the oldest touch.
        q = q.order_by(
            last.c.last.nulls_first(), col(Customer.status_since), col(Customer.id)
        ).limit(limit)
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        out = []
        for c, last_at, n in s.exec(q).all():
            out.append(
                PoolEntry(
                    c.id or 0,
                    c.name,
                    c.phone,
                    c.level,
                    c.status,
                    c.lost_reason,
                    names.get(c.owner_id, "?"),
                    c.status_since,
                    last_at,
                    int(n or 0),
                    c.nurtured_at is not None,
                )
            )
        return out


@permission("marketing")
def pool_counts(ctx: Context) -> tuple[int, int]:
    """How many customers the pool holds, and how many of them are handed back."""
    with ctx.db.read() as s:
        total, back = s.exec(
            select(func.count(), func.count(col(Customer.nurtured_at))).where(
                col(Customer.status).in_(POOL_STATUSES)
            )
        ).one()
        return int(total), int(back)


def _pool_customer(s, customer_id: int) -> Customer:  # type: ignore[no-untyped-def]
    c = s.get(Customer, customer_id)
    if c is None:
        raise NotFound("No customer #{id}.", field="customer", id=customer_id)
    if c.status not in POOL_STATUSES:
        raise RuleViolation("Only a customer in the marketing pool can be handed back.")
    return c


def _marketer(s, by_id: int | None) -> int:  # type: ignore[no-untyped-def]
    person = s.get(Staff, by_id) if by_id is not None else None
    if person is None or not person.active:
        raise InvalidInput("Choose who made the contact.", field="by")
    return by_id  # type: ignore[return-value]


@permission("marketing")
def log_contact(
    ctx: Context,
    customer_id: int,
    by_id: int,
    outcome: str = "reached",
    note: str = "",
    *,
    appointment: date | datetime | None = None,
    model: str | None = None,
) -> int:
    """Marketing's own contact with a pool customer (a call, a message, an event invite).

    Reached, it may end in an invitation to visit: ``appointment`` (day and time, shop
    time; ``model`` the car to have ready) is booked for the customer's owner — for a
    lead not handed out yet, the manager, who owns it until the meeting; the visitor is
    then received at the desk as a returning customer (next-up as a courtesy if the
    owner is not on the floor).
    """
    if outcome not in CONTACT_OUTCOMES:
        raise InvalidInput("Unknown outcome: {value}.", field="outcome", value=outcome)
    if appointment is not None and outcome != "reached":
        raise InvalidInput(
            "Only a customer who was reached can be invited to visit.", field="outcome"
        )
    clean = clean_field(note, field="note", max_length=500, multiline=True)
    with ctx.db.write() as s:
        c = _pool_customer(s, customer_id)
        now = ctx.now()
        cb = Callback(
            customer_id=saved_id(c.id),
            salesperson_id=_marketer(s, by_id),
            kind="marketing",
            due_at=now,
            status="done",
            done_at=now,
            outcome=outcome,
            note=clean,
            created_at=now,
        )
        s.add(cb)
        s.flush()
        if appointment is not None:
            appointments.book_in(s, ctx, c.id or 0, appointment, model, clean, "lead", cb.id)
        record_audit(
            s,
            ctx,
            "marketing.contact",
            "callback",
            cb.id,
            None,
            {"customer": c.id, "outcome": outcome},
        )
        return cb.id or 0


@permission("marketing")
def mark_nurtured(ctx: Context, customer_id: int, note: str = "", by_id: int | None = None) -> None:
    """Marketing hands a pool customer back as a lead for the next meeting."""
    with ctx.db.write() as s:
        c = _pool_customer(s, customer_id)
        if c.nurtured_at is not None:
            raise RuleViolation("Already handed back; the manager assigns it at the meeting.")
        c.nurtured_at = ctx.now()
        if note.strip():
            s.add(
                Callback(
                    customer_id=saved_id(c.id),
                    salesperson_id=by_id or ctx.actor_id or c.owner_id,
                    kind="marketing",
                    due_at=ctx.now(),
                    status="done",
                    done_at=ctx.now(),
                    outcome="reached",
                    note=clean_field(note, field="note", max_length=500),
                    created_at=ctx.now(),
                )
            )
        record_audit(s, ctx, "lead.nurtured", "customer", c.id, None, {"note": note})


@permission("marketing")
def register_lead(
    ctx: Context, name: str, phone: str, channel: str = "online", note: str = ""
) -> int:
    """A phone or online lead (web form, IM) with no salesperson yet: waits for the meeting.

    The manager owns it until then, so every customer always has one owner.
    """
    errors: dict[str, DesktermError] = {}
    try:
        clean_name = clean_field(name, field="name", max_length=40, required=True)
    except DesktermError as e:
        errors["name"] = e
    try:
        with ctx.db.read() as s:
            country = load_settings(s)["phone.default_country"]
        clean_phone = normalize_phone(phone, country)
    except DesktermError as e:
        errors["phone"] = e
    if channel not in ("phone", "online", "marketing"):
        errors["channel"] = InvalidInput(
            "Unknown channel: {value}.", field="channel", value=channel
        )
    if errors:
        raise InvalidForm(errors)
    with ctx.db.write() as s:
        if s.exec(select(Customer).where(Customer.phone == clean_phone)).first() is not None:
            raise InvalidInput("This phone is already a customer.", field="phone")
        manager = s.exec(
            select(Staff)
            .where(Staff.role == "manager", Staff.active == True)  # noqa: E712
            .order_by(col(Staff.id))
        ).first()
        if manager is None:
            raise RuleViolation("Add a sales manager first: leads wait with the manager.")
        levels = load_levels(s)
        cold = list(levels)[-1].code
        now = ctx.now()
        c = Customer(
            name=clean_name,
            phone=clean_phone,
            level=cold,
            level_since=now,
            status=Status.MARKETING.value,
            status_since=now,
            owner_id=saved_id(manager.id),
            owner_since=now,
            source_channel=channel,
            created_at=now,
            nurtured_at=now,
            notes=clean_field(note, field="note", max_length=500),
        )
        s.add(c)
        s.flush()
        record_audit(
            s,
            ctx,
            "lead.register",
            "customer",
            c.id,
            None,
            {"channel": channel, "name": clean_name},
        )
        return c.id or 0
