"""The manager's use-cases: lost requests, handovers, leads, countermeasures.

DESIGN.md §1.4–1.6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select

from deskterm.domain.analysis import REVIEW_DAYS
from deskterm.domain.escalation import Status
from deskterm.domain.rotation import EventKind, RotationEvent
from deskterm.domain.schedule import NextStep, first_callback
from deskterm.domain.text import clean_field
from deskterm.errors import DesktermError, InvalidInput, NotFound, RuleViolation
from deskterm.services import rotation
from deskterm.services.context import Context, record_audit, snapshot
from deskterm.services.permissions import permission
from deskterm.services.reception import InvalidForm, _reason, _set_level, reschedule
from deskterm.services.setup import load_levels
from deskterm.storage.models import (
    Callback,
    Countermeasure,
    Customer,
    Lead,
    OwnershipChange,
    Staff,
    saved_id,
)

# -- lost: requested by the salesperson, decided by the manager ---------------------


@dataclass(frozen=True)
class LostRequest:
    """A pending request to mark a customer lost."""

    customer_id: int
    name: str
    level: str
    owner: str
    reason: str
    note: str
    requested_at: datetime


@permission("manage")
def pending_lost_requests(ctx: Context) -> list[LostRequest]:
    """Requests waiting for the manager, oldest first."""
    with ctx.db.read() as s:
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        rows = s.exec(
            select(Customer)
            .where(col(Customer.lost_requested_at).is_not(None))
            .order_by(col(Customer.lost_requested_at))
        ).all()
        return [
            LostRequest(
                c.id or 0,
                c.name,
                c.level,
                names.get(c.owner_id, "?"),
                c.lost_request_reason or "",
                c.lost_request_note or "",
                c.lost_requested_at,
            )
            for c in rows
            if c.lost_requested_at
        ]


@permission("manage")
def approve_lost(ctx: Context, customer_id: int) -> None:
    """The manager agrees: the customer is lost, with the requested reason, to marketing."""
    with ctx.db.write() as s:
        c = _pending(s, customer_id)
        before = snapshot(c, ("status", "lost_reason"))
        now = ctx.now()
        c.status, c.status_since, c.lost_at = Status.LOST.value, now, now
        c.lost_reason, c.lost_note = c.lost_request_reason, c.lost_request_note
        _clear_request(c)
        reschedule(s, ctx, c, None, c.owner_id)
        record_audit(
            s, ctx, "lost.approve", "customer", c.id, before, snapshot(c, ("status", "lost_reason"))
        )


@permission("manage")
def send_back_lost(ctx: Context, customer_id: int, note: str) -> date:
    """The manager disagrees: the owner calls again tomorrow, with the manager's note."""
    why = clean_field(note, field="note", max_length=500, required=True)
    with ctx.db.write() as s:
        c = _pending(s, customer_id)
        _clear_request(c)
        due = ctx.today() + timedelta(days=1)
        reschedule(s, ctx, c, due, c.owner_id)
        cb = s.exec(
            select(Callback).where(Callback.customer_id == c.id, Callback.status == "open")
        ).first()
        if cb is not None:
            cb.note = why
        record_audit(s, ctx, "lost.send_back", "customer", c.id, None, {"note": why})
        return due


def _pending(s, customer_id: int) -> Customer:  # type: ignore[no-untyped-def]
    c = s.get(Customer, customer_id)
    if c is None:
        raise NotFound("No customer #{id}.", field="customer", id=customer_id)
    if c.lost_requested_at is None:
        raise RuleViolation("There is no lost request for this customer.")
    return c


def _clear_request(c: Customer) -> None:
    c.lost_request_reason = c.lost_request_note = None
    c.lost_requested_at = None
    c.lost_requested_by = None


# -- a salesperson leaves: one handover -----------------------------------------------


@dataclass(frozen=True)
class Handover:
    """What a handover moved."""

    customers: int
    callbacks: int


@permission("manage")
def hand_over(ctx: Context, from_id: int, to_id: int, reason: str = "") -> Handover:
    """Give all of a leaving salesperson's customers and open callbacks to another, then
    mark the leaver inactive — one transaction, so nobody is left without an owner."""
    why = clean_field(reason, field="reason", max_length=200) or "handover: left the shop"
    if from_id == to_id:
        raise InvalidInput("Hand over to someone else.", field="to")
    with ctx.db.write() as s:
        leaver, taker = s.get(Staff, from_id), s.get(Staff, to_id)
        if leaver is None:
            raise NotFound("No staff member {who}.", field="from", who=from_id)
        if taker is None or not taker.active or taker.role not in ("salesperson", "manager"):
            raise InvalidInput("Choose an active salesperson or the manager.", field="to")
        now = ctx.now()
        moved = 0
        for c in s.exec(select(Customer).where(Customer.owner_id == from_id)).all():
            s.add(
                OwnershipChange(
                    customer_id=saved_id(c.id),
                    from_owner_id=from_id,
                    to_owner_id=to_id,
                    at=now,
                    by_id=ctx.actor_id,
                    reason=why,
                )
            )
            c.owner_id, c.owner_since = to_id, now
            moved += 1
        calls = 0
        for cb in s.exec(
            select(Callback).where(Callback.salesperson_id == from_id, Callback.status == "open")
        ).all():
            cb.salesperson_id = to_id
            calls += 1
        # Off today's board in the same transaction; refused (and nothing moved) if they
        # are still with a customer.
        state = rotation.load_state(s, ctx.today())
        if state.member(from_id) is not None:
            rotation._append(s, ctx, state, RotationEvent(EventKind.CHECK_OUT, now, from_id))
        leaver.active, leaver.left_on = False, ctx.today()
        s.flush()
        record_audit(
            s,
            ctx,
            "staff.handover",
            "staff",
            from_id,
            {"active": True},
            {"active": False, "to": to_id, "customers": moved, "callbacks": calls},
        )
    return Handover(moved, calls)


# -- leads: marketing hands nurtured customers back; the meeting assigns them -----------


@dataclass(frozen=True)
class LeadView:
    """A lead waiting to be handed to a salesperson."""

    customer_id: int
    name: str
    phone: str | None
    level: str
    source: str
    since: datetime
    note: str


@permission("manage")
def leads_to_hand_out(ctx: Context) -> list[LeadView]:
    """Nurtured pool customers and unassigned phone/online leads, oldest first."""
    with ctx.db.read() as s:
        rows = s.exec(
            select(Customer)
            .where(
                col(Customer.nurtured_at).is_not(None),
                col(Customer.status).in_(("marketing", "lost")),
            )
            .order_by(col(Customer.nurtured_at), col(Customer.id))
        ).all()
        return [
            LeadView(c.id or 0, c.name, c.phone, c.level, c.source_channel, c.nurtured_at, c.notes)
            for c in rows
            if c.nurtured_at
        ]


@permission("manage")
def hand_out_lead(
    ctx: Context, customer_id: int, to_id: int, level: str | None = None, note: str = ""
) -> date | None:
    """Give a lead to a named salesperson: back in a pipeline, first callback tomorrow."""
    with ctx.db.write() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        if c.nurtured_at is None:
            raise RuleViolation("This customer is not a lead waiting to be handed out.")
        to = s.get(Staff, to_id)
        if to is None or not to.active or to.role != "salesperson":
            raise InvalidInput("Choose an active salesperson.", field="to")
        levels = load_levels(s)
        warm = [r for r in levels if not r.to_marketing]
        target = levels.get(level).code if level else (warm[-1].code if warm else c.level)
        now = ctx.now()
        s.add(
            Lead(
                customer_id=saved_id(c.id),
                from_id=ctx.actor_id,
                to_id=to_id,
                channel=c.source_channel,
                at=now,
                note=note.strip()[:500],
            )
        )
        s.add(
            OwnershipChange(
                customer_id=saved_id(c.id),
                from_owner_id=c.owner_id,
                to_owner_id=to_id,
                at=now,
                by_id=ctx.actor_id,
                reason="lead handed out",
            )
        )
        c.owner_id, c.owner_since = to_id, now
        _set_level(s, ctx, c, target, "manual")
        plan = first_callback(levels.get(target), ctx.today())
        due = ctx.today() + timedelta(days=1) if plan.step is NextStep.CALLBACK else None
        c.status = Status.ACTIVE.value if due else Status.MARKETING.value
        c.status_since, c.nurtured_at = now, None
        c.lost_reason = c.lost_note = None
        reschedule(s, ctx, c, due, to_id)
        record_audit(
            s, ctx, "lead.hand_out", "customer", c.id, None, {"to": to_id, "level": target}
        )
        return due


# -- countermeasures on a reason ---------------------------------------------------------


@permission("manage")
def mark_countermeasure(ctx: Context, kind: str, reason: str, since: date, note: str) -> int:
    """Date a countermeasure on a reason (e.g. "gift for leaving a number" on *refused*)."""
    errors: dict[str, DesktermError] = {}
    with ctx.db.write() as s:
        if kind not in ("no_contact", "lost"):
            raise InvalidInput("Reasons are no_contact or lost.", field="kind")
        _reason(s, kind, reason, "x", "reason", errors)
        try:
            clean = clean_field(note, field="note", max_length=500, required=True)
        except DesktermError as e:
            errors["note"] = e
        if errors:
            raise InvalidForm(errors)
        row = Countermeasure(
            kind=kind,
            reason=reason,
            since=since,
            note=clean,
            by_id=ctx.actor_id,
            created_at=ctx.now(),
            # Looked at again a month on (the loop: did the count go down?).
            review_on=max(since, ctx.today()) + timedelta(days=REVIEW_DAYS),
        )
        s.add(row)
        s.flush()
        record_audit(
            s,
            ctx,
            "countermeasure.add",
            "countermeasure",
            row.id,
            None,
            {"kind": kind, "reason": reason, "since": since},
        )
        return row.id or 0
