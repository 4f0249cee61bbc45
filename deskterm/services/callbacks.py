"""Callbacks: what each salesperson calls today, and ticking one off.

Ticking a callback off records its outcome and the level after it, and
schedules the next one by the level's rule in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select

from deskterm.domain.escalation import CustomerClock, Status, next_deadline
from deskterm.domain.outcome import CustomerState, OutcomeDecision, decide_outcome
from deskterm.domain.schedule import Outcome
from deskterm.domain.text import clean_field
from deskterm.errors import DesktermError, InvalidInput, NotFound, RuleViolation
from deskterm.services import appointments, setup
from deskterm.services.context import Context, record_audit, snapshot
from deskterm.services.permissions import PermissionDenied, permission
from deskterm.services.reception import (
    InvalidForm,
    _level_history,
    _reason,
    _set_level,
    keep_history,
    reschedule,
)
from deskterm.services.setup import LEVELS_READ, load_levels
from deskterm.storage import audit_chain, queries
from deskterm.storage.models import Callback, Customer, Reason, Staff
from deskterm.storage.prefetch import Prefetch, take, take_rows


@dataclass(frozen=True)
class CallbackView:
    """A callback on a salesperson's list."""

    id: int
    customer_id: int
    customer: str
    phone: str | None
    level: str
    status: str
    due: date
    overdue_days: int  # 0 = due today
    days_since_contact: int | None
    escalation_kind: str | None
    escalation_days_left: int | None
    last_note: str


@permission("customers")
def customer_clock(ctx: Context, c: Any) -> CustomerClock:
    """The dates the escalation rules look at, from a customer row."""
    return CustomerClock(
        level=c.level,
        status=Status(c.status),
        level_since=ctx.local_day(c.level_since),
        status_since=ctx.local_day(c.status_since),
        owner_since=ctx.local_day(c.owner_since),
        last_real_contact=ctx.local_day(c.last_contact_at) if c.last_contact_at else None,
        created=ctx.local_day(c.created_at),
    )


@permission("callbacks")
def due_callbacks(ctx: Context, salesperson_id: int, day: date | None = None) -> list[CallbackView]:
    """Open callbacks due on ``day`` or overdue, most urgent first."""
    day = day or ctx.today()
    _, end = ctx.day_range_utc(day)
    # The levels and the list need not see one moment (levels change by a manager's
    # hand, rarely): on a server, one round trip each rather than a snapshot's four.
    with ctx.db.read_cursor(snapshot=False) as cur:
        levels = load_levels(cur)
        rows = queries.due_callback_rows(cur, salesperson_id, end)
    out: list[CallbackView] = []
    zone = ctx.clock.zone
    stored = queries.from_stored

    days: dict[Any, date] = {}

    def local(value: Any) -> date:
        """A stored datetime's day at the shop, each moment once: a customer's clocks
        mostly start at one moment (created, first owner, first level), and converting
        60 of them was a fifth of the list's time."""
        day = days.get(value)
        if day is None:
            day = days[value] = stored(value).astimezone(zone).date()  # type: ignore[union-attr]
        return day

    for (
        cb_id,
        due_at,
        cust_id,
        name,
        phone,
        level,
        status,
        level_since,
        status_since,
        owner_since,
        last_contact_at,
        created_at,
        notes,
        last_note,
    ) in rows:
        last_contact = local(last_contact_at) if last_contact_at else None
        clock = CustomerClock(
            level=level,
            status=Status(status),
            level_since=local(level_since),
            status_since=local(status_since),
            owner_since=local(owner_since),
            last_real_contact=last_contact,
            created=local(created_at),
        )
        deadline = next_deadline(clock, levels.get(level))
        due = local(due_at)
        out.append(
            CallbackView(
                cb_id,
                cust_id,
                name,
                phone,
                level,
                status,
                due,
                (day - due).days,
                (day - last_contact).days if last_contact else None,
                deadline.kind.value if deadline else None,
                deadline.days_left(day) if deadline else None,
                last_note or notes,
            )
        )
    # Most urgent: nearest escalation, then longest overdue, then hottest level.
    rank = {code: i for i, code in enumerate(levels.codes)}
    out.sort(
        key=lambda v: (
            v.escalation_days_left if v.escalation_days_left is not None else 10**6,
            -v.overdue_days,
            rank.get(v.level, 99),
        )
    )
    return out


@dataclass(frozen=True)
class CallbackResult:
    """What ticking a callback off led to."""

    callback_id: int
    customer_id: int
    outcome: str
    level_before: str
    level_after: str
    next_step: str
    next_due: date | None


@permission("callbacks")
def complete_callback(
    ctx: Context,
    callback_id: int,
    outcome: str,
    *,
    new_level: str | None = None,
    note: str = "",
    appointment: date | datetime | None = None,
    lost_reason: str | None = None,
    lost_note: str = "",
    model: str | None = None,
) -> CallbackResult:
    """Tick a callback off: outcome, re-graded level, note; the next one is scheduled.

    Outcome "appointment" books the visit (``appointment``: the day and time, shop time;
    a day alone books at 10:00; ``model``: the car to have ready) for the customer's
    owner, and the next callback is the day before it, to confirm.

    Load → validate → decide (domain.outcome.decide_outcome) → write → audit.
    """
    errors: dict[str, DesktermError] = {}
    try:
        out = Outcome(outcome)
    except ValueError:
        raise InvalidInput("Unknown outcome: {value}.", field="outcome", value=outcome) from None
    try:
        clean_note = clean_field(note, field="note", max_length=2000, multiline=True)
    except DesktermError as e:
        errors["note"] = e
        clean_note = ""
    with ctx.db.write(_outcome_wanted(callback_id, out)) as s:
        take_rows(s, _CALLBACK_READ, Callback)  # the session's: the gets below send nothing
        take_rows(s, _CUSTOMER_READ, Customer)
        take_rows(s, _LOST_READ, Reason)
        cb, cust = _load_open_callback(s, ctx, callback_id)
        history = take(s, _HISTORY_READ)
        if history is not None:
            keep_history(s, cust.id, history)
        open_now = take_rows(s, _OPEN_READ, Callback)
        levels = load_levels(s)
        level_after = None
        if new_level:
            try:
                level_after = levels.get(new_level).code
            except InvalidInput as e:
                errors["level"] = e
        lost_code = None
        if out is Outcome.LOST:
            lost_code, _ = _reason(s, "lost", lost_reason, lost_note.strip(), "lost_reason", errors)
        visit_day = None
        if out is Outcome.APPOINTMENT and appointment is None:
            errors["appointment"] = InvalidInput(
                "Give the day and time of the visit.", field="appointment"
            )
        elif out is Outcome.APPOINTMENT and appointment is not None:
            # Before the outcome is written: booking settles an earlier, missed one
            # without the callback that settling would give it. Its errors join the rest
            # (a failed save rolls the booking back with everything else).
            try:
                booked = appointments.book_in(
                    s, ctx, cust.id or 0, appointment, model, clean_note[:500], "callback", cb.id
                )
                visit_day = ctx.local_day(booked.at)
            except InvalidForm as e:
                errors.update(e.errors)
        if errors:
            raise InvalidForm(errors)
        state = CustomerState(
            level=cust.level,
            status=Status(cust.status),
            level_since=ctx.local_day(cust.level_since),
            owner_id=cust.owner_id,
            owner_since=ctx.local_day(cust.owner_since),
            history=_level_history(s, ctx, cust),
        )
        decision = decide_outcome(
            state, out, levels, ctx.today(), new_level=level_after, appointment=visit_day
        )
        before = snapshot(cust, ("level", "status", "last_contact_at"))
        _write_outcome(s, ctx, cb, cust, out, decision, clean_note, open_now)
        if decision.lost_request:
            cust.lost_request_reason = lost_code
            cust.lost_request_note = lost_note.strip() or None
            cust.lost_requested_at = ctx.now()
            cust.lost_requested_by = ctx.actor_id or cb.salesperson_id
        record_audit(
            s,
            ctx,
            "callback.done",
            "callback",
            cb.id,
            before,
            {**snapshot(cust, ("level", "status", "last_contact_at")), "outcome": out.value},
        )
        return CallbackResult(
            cb.id or 0,
            cust.id or 0,
            out.value,
            state.level,
            decision.level,
            decision.step.value,
            decision.next_callback,
        )


_CALLBACK_READ, _CUSTOMER_READ = "outcome callback", "outcome customer"
_HISTORY_READ, _OPEN_READ, _LOST_READ = "outcome history", "outcome open", "outcome lost"
_OF_CUSTOMER = "customer_id = (SELECT customer_id FROM callback WHERE id = ?)"


def _outcome_wanted(callback_id: int, out: Outcome) -> Prefetch:
    """What ticking a callback off reads, asked for with its lock: the callback, its
    customer, their level history and open sales callbacks, the levels, the settings,
    the audit's end; the lost reasons for a loss. Not the open callbacks when booking a
    visit: the booking may settle one first."""
    ask = setup.wanted(Prefetch())
    ask.read_table(_CALLBACK_READ, Callback, "id = ?", (callback_id,))
    ask.read_table(
        _CUSTOMER_READ,
        Customer,
        "id = (SELECT customer_id FROM callback WHERE id = ?)",
        (callback_id,),
    )
    ask.read(
        _HISTORY_READ,
        f"SELECT at, from_level, to_level FROM level_change WHERE {_OF_CUSTOMER} ORDER BY at, id",
        (callback_id,),
    )
    if out is not Outcome.APPOINTMENT:
        where = f"{_OF_CUSTOMER} AND kind = 'sales' AND status = 'open'"
        ask.read_table(_OPEN_READ, Callback, where, (callback_id,))
    if out is Outcome.LOST:
        ask.read_table(_LOST_READ, Reason, "kind = 'lost'")
    ask.read(LEVELS_READ, queries.LEVELS_SQL)
    return audit_chain.wanted(ask).reserve("callback").reserve("level_change")


def _load_open_callback(s, ctx: Context, callback_id: int) -> tuple[Callback, Customer]:  # type: ignore[no-untyped-def]
    """The open callback and its customer, if this person may tick it off."""
    cb = s.get(Callback, callback_id)
    if cb is None:
        raise NotFound("No callback #{id}.", field="callback", id=callback_id)
    if cb.status != "open":
        raise RuleViolation("This callback is already {status}.", status=cb.status)
    if ctx.role == "salesperson" and cb.salesperson_id != ctx.actor_id:
        raise PermissionDenied("This is another salesperson's callback.")
    cust = s.get(Customer, cb.customer_id)
    assert cust is not None
    return cb, cust


def _write_outcome(  # type: ignore[no-untyped-def]
    s,
    ctx: Context,
    cb: Callback,
    cust: Customer,
    out: Outcome,
    decision: OutcomeDecision,
    note: str,
    open_now: list[Callback] | None = None,
) -> None:
    """Store what ``decide_outcome`` decided: the level (with its history row), the
    callback's record, the next callback and the customer's new status."""
    now = ctx.now()
    level_before = cust.level
    _set_level(s, ctx, cust, decision.level, "callback", cb.salesperson_id)
    if decision.real_contact:
        cust.last_contact_at = now
    cb.status, cb.done_at, cb.outcome = "done", now, out.value
    cb.level_before, cb.level_after, cb.note = level_before, cust.level, note
    s.flush()
    reschedule(s, ctx, cust, decision.next_callback, decision.owner_id, open_now=open_now)
    if decision.win:
        win(s, ctx, cust)
    elif decision.status.value != cust.status:
        cust.status, cust.status_since = decision.status.value, now


def win(s, ctx: Context, cust: Customer) -> None:  # type: ignore[no-untyped-def]
    """The customer is won: out of the sales lists, into customer care with its schedule."""
    from deskterm.services.care import schedule_first_care

    now = ctx.now()
    cust.status, cust.status_since, cust.won_at = Status.WON.value, now, now
    care = s.exec(
        select(Staff)
        .where(Staff.role == "care", Staff.active == True)  # noqa: E712
        .order_by(col(Staff.id))
    ).first()
    cust.care_owner_id = care.id if care else None
    schedule_first_care(s, ctx, cust)


@permission("callbacks")
def callbacks_between(
    ctx: Context, salesperson_id: int, first: date, last: date
) -> list[tuple[int, datetime]]:
    """Open callbacks (id, due) of a salesperson due within [first, last]."""
    start, end = ctx.day_range_utc(first, last)
    with ctx.db.read() as s:
        rows = s.exec(
            select(Callback.id, Callback.due_at).where(
                Callback.salesperson_id == salesperson_id,
                Callback.status == "open",
                Callback.due_at >= start,
                Callback.due_at < end,
            )
        ).all()
        return [(i or 0, d) for i, d in rows]
