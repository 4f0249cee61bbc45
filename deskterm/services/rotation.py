"""Rotation use-cases: the board, and every action of DESIGN.md §1.7.

Each action is one write transaction that replays today's log, applies the new
event with the domain rules, and appends it.  Because the transaction starts
with BEGIN IMMEDIATE, two windows pressing "next-up" at the same instant are
serialised and assign two different salespeople.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from deskterm.domain import rotation as R
from deskterm.errors import NotFound, RuleViolation
from deskterm.i18n import N_
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.setup import load_settings, rotation_settings
from deskterm.storage.models import (
    Appointment,
    Callback,
    Customer,
    Reception,
    ReceptionStep,
    RotationDayStat,
    RotationEventRow,
    Staff,
    WaitingVisitor,
)

HOLD_UNSAVED_FORM = N_("last customer's form not saved")
HOLD_OVERDUE = N_("overdue callbacks")


@dataclass(frozen=True)
class MemberView:
    """One line of the rotation board."""

    salesperson_id: int
    name: str
    position: int  # 1-based place in the queue
    state: str
    away_reason: str | None
    busy_since: datetime | None
    makeups_owed: int
    passed: str | None
    held: str | None  # why held out (msgid), None if not
    override: bool
    is_next: bool
    ups: int
    requested: int


@dataclass(frozen=True)
class BoardView:
    """The rotation board as a screen shows it."""

    day: date
    members: tuple[MemberView, ...]
    next_up: int | None
    off_duty: tuple[tuple[int, str], ...]  # active salespeople not checked in
    closed: bool
    last_event: str | None  # kind of the last (undoable) event
    version: int  # id of the newest log row: screens refresh when it changes
    last_who: str | None = None  # whom the last (undoable) event was about, to name them


@dataclass(frozen=True)
class Arrival:
    """The outcome of receiving someone: who received them and the reception row."""

    reception_id: int
    salesperson_id: int
    salesperson_name: str
    credited_to_id: int
    courtesy: bool
    #: The visitor had been waiting since then (nobody was free when they came in).
    waited_since: datetime | None = None


def _to_event(row: RotationEventRow) -> R.RotationEvent:
    return R.RotationEvent(
        kind=R.EventKind(row.kind),
        at=row.at,
        salesperson_id=row.salesperson_id,
        other_id=row.other_id,
        reason=row.reason,
        order=tuple(json.loads(row.queue_order)) if row.queue_order else (),
    )


def _log(session: Session, day: date) -> list[RotationEventRow]:
    return list(
        session.exec(
            select(RotationEventRow)
            .where(RotationEventRow.day == day, col(RotationEventRow.undone_at).is_(None))
            .order_by(col(RotationEventRow.id))
        ).all()
    )


def load_state(session: Session, day: date) -> R.RotationState:
    """Replay ``day``'s log into the board state."""
    settings = rotation_settings(load_settings(session))
    return R.replay(day, [_to_event(r) for r in _log(session, day)], settings)


def compute_holds(session: Session, ctx: Context, state: R.RotationState) -> dict[int, str]:
    """Who is held out of the queue and why (settings decide which rules apply)."""
    settings = load_settings(session)
    holds: dict[int, str] = {}
    ids = state.on_duty
    if not ids:
        return holds
    if settings["rotation.hold_unsaved_form"] == "true":
        # One query for the whole board: each member's latest counted reception today.
        last: dict[int, Reception] = {}
        for rec in session.exec(
            select(Reception)
            .where(
                col(Reception.salesperson_id).in_(ids),
                Reception.day == state.day,
                Reception.counted == True,  # noqa: E712
            )
            .order_by(col(Reception.id))
        ).all():
            last[rec.salesperson_id] = rec
        for sid, rec in last.items():
            if rec.ended_at is not None and rec.form_saved_at is None:
                holds[sid] = HOLD_UNSAVED_FORM
    if settings["rotation.hold_overdue_callbacks"] == "true":
        start, _ = ctx.day_range_utc(state.day)
        overdue = set(
            session.exec(
                select(Callback.salesperson_id)
                .where(
                    col(Callback.salesperson_id).in_(ids),
                    Callback.status == "open",
                    Callback.due_at < start,
                )
                .distinct()
            ).all()
        )
        for sid in ids:
            if sid in overdue and sid not in holds:
                holds[sid] = HOLD_OVERDUE
    return holds


def _names(session: Session) -> dict[int, str]:
    return {s.id: s.name for s in session.exec(select(Staff)).all() if s.id is not None}


@permission("rotation")
def get_board(ctx: Context, day: date | None = None) -> BoardView:
    """The rotation board for today (or another day's replay)."""
    day = day or ctx.today()
    with ctx.db.read() as s:
        rows = _log(s, day)
        state = R.replay(day, [_to_event(r) for r in rows], rotation_settings(load_settings(s)))
        holds = compute_holds(s, ctx, state)
        names = _names(s)
        nxt = state.next_up(holds)
        members = tuple(
            MemberView(
                salesperson_id=m.salesperson_id,
                name=names.get(m.salesperson_id, "?"),
                position=i + 1,
                state=m.state.value,
                away_reason=m.away_reason.value if m.away_reason else None,
                busy_since=m.busy_since,
                makeups_owed=m.makeups_owed,
                passed=m.passed.value if m.passed else None,
                held=holds.get(m.salesperson_id),
                override=m.salesperson_id in state.overrides,
                is_next=m.salesperson_id == nxt,
                ups=state.stats.get(m.salesperson_id, R.DayStats()).ups,
                requested=state.stats.get(m.salesperson_id, R.DayStats()).requested,
            )
            for i, m in enumerate(state.queue)
        )
        on = set(state.on_duty)
        off = tuple(
            (sp.id, sp.name)
            for sp in s.exec(
                select(Staff)
                .where(Staff.role == "salesperson", Staff.active == True)  # noqa: E712
                .order_by(Staff.name)
            ).all()
            if sp.id is not None and sp.id not in on
        )
        newest = s.exec(
            select(RotationEventRow.id).order_by(col(RotationEventRow.id).desc())
        ).first()
        last = rows[-1] if rows else None
        return BoardView(
            day,
            members,
            nxt,
            off,
            state.closed,
            last.kind if last else None,
            newest or 0,
            names.get(last.salesperson_id) if last and last.salesperson_id else None,
        )


def _append(
    session: Session,
    ctx: Context,
    state: R.RotationState,
    event: R.RotationEvent,
    reception_id: int | None = None,
) -> R.RotationState:
    new_state = R.apply(state, event)
    row = RotationEventRow(
        day=state.day,
        kind=event.kind.value,
        salesperson_id=event.salesperson_id,
        other_id=event.other_id,
        reason=event.reason,
        queue_order=json.dumps(list(event.order)) if event.order else None,
        at=event.at,
        actor_id=ctx.actor_id,
        reception_id=reception_id,
    )
    session.add(row)
    session.flush()
    return new_state


def _salesperson(session: Session, sid: int) -> Staff:
    sp = session.get(Staff, sid)
    if sp is None or sp.role != "salesperson":
        raise NotFound("No salesperson #{id}.", field="salesperson", id=sid)
    if not sp.active:
        raise RuleViolation("{name} no longer works here.", field="salesperson", name=sp.name)
    return sp


def _simple(
    ctx: Context,
    kind: R.EventKind,
    sid: int | None = None,
    *,
    reason: str | None = None,
    order: tuple[int, ...] = (),
) -> BoardView:
    with ctx.db.write() as s:
        if sid is not None:
            _salesperson(s, sid)
        state = load_state(s, ctx.today())
        # The rotation log is itself the audit of these actions (who: actor_id, when: at).
        _append(s, ctx, state, R.RotationEvent(kind, ctx.now(), sid, reason=reason, order=order))
    return get_board(ctx)


@permission("rotation")
def check_in(ctx: Context, salesperson_id: int) -> BoardView:
    """Join the queue at the back."""
    return _simple(ctx, R.EventKind.CHECK_IN, salesperson_id)


@permission("rotation")
def check_out(ctx: Context, salesperson_id: int) -> BoardView:
    """Leave the queue (joining again later goes to the back)."""
    return _simple(ctx, R.EventKind.CHECK_OUT, salesperson_id)


@permission("rotation")
def away(ctx: Context, salesperson_id: int, reason: str = "break") -> BoardView:
    """Break, delivery, appointment or shop business: keeps the place."""
    return _simple(ctx, R.EventKind.AWAY, salesperson_id, reason=reason)


@permission("rotation")
def back(ctx: Context, salesperson_id: int) -> BoardView:
    """Back on the floor."""
    return _simple(ctx, R.EventKind.BACK, salesperson_id)


@permission("rotation")
def skip(ctx: Context, salesperson_id: int | None = None, reason: str = "personal") -> BoardView:
    """Pass over next-up for the next customer (personal, busy, can't serve).

    Only next-up can be skipped: a skip is a turn passed, and only next-up has the
    turn. ``salesperson_id`` names the next-up a screen showed; if the board moved
    meanwhile in another window, the skip is refused rather than landing on
    someone else (as ``walk_in`` does).
    """
    with ctx.db.write() as s:
        state = load_state(s, ctx.today())
        nxt = state.next_up(compute_holds(s, ctx, state))
        if nxt is None:
            raise RuleViolation("Nobody is free to receive a customer.")
        if salesperson_id is not None and salesperson_id != nxt:
            raise RuleViolation("The board changed: next-up is now someone else. Look again.")
        _append(s, ctx, state, R.RotationEvent(R.EventKind.SKIP, ctx.now(), nxt, reason=reason))
    return get_board(ctx)


@permission("manage")
def reorder(ctx: Context, order: list[int]) -> BoardView:
    """The manager's manual reorder (logged)."""
    return _simple(ctx, R.EventKind.REORDER, order=tuple(order))


@permission("manage")
def override_hold(ctx: Context, salesperson_id: int) -> BoardView:
    """The manager lets a held-out member take customers today."""
    return _simple(ctx, R.EventKind.OVERRIDE_HOLD, salesperson_id)


def _new_reception(  # the reception row and its rotation event are the record of an arrival
    session: Session,
    ctx: Context,
    *,
    channel: str,
    salesperson_id: int,
    credited_to_id: int,
    counted: bool = True,
    requested: bool = False,
    courtesy: bool = False,
    first_visit: bool = True,
    customer_id: int | None = None,
    uncounted_kind: str | None = None,
    arrived_at: datetime | None = None,
) -> Reception:
    """The reception row of an arrival, taken by a salesperson now (``assigned_at``):
    ``arrived_at`` is earlier when the visitor waited for someone to be free."""
    rec = Reception(
        arrived_at=arrived_at or ctx.now(),
        assigned_at=ctx.now(),
        day=ctx.today(),
        channel=channel,
        salesperson_id=salesperson_id,
        credited_to_id=credited_to_id,
        receptionist_id=ctx.actor_id,
        customer_id=customer_id,
        first_visit=first_visit,
        requested=requested,
        courtesy=courtesy,
        counted=counted,
        uncounted_kind=uncounted_kind,
    )
    session.add(rec)
    session.flush()
    return rec


def _arrival(session: Session, rec: Reception, waited_since: datetime | None = None) -> Arrival:
    assert rec.id is not None
    sp = session.get(Staff, rec.salesperson_id)
    return Arrival(
        rec.id,
        rec.salesperson_id,
        sp.name if sp else "?",
        rec.credited_to_id,
        rec.courtesy,
        waited_since,
    )


def oldest_waiting(session: Session, day: date) -> WaitingVisitor | None:
    """The visitor who has waited longest today and is still waiting (none taken, none
    gone)."""
    return session.exec(
        select(WaitingVisitor)
        .where(
            WaitingVisitor.day == day,
            col(WaitingVisitor.reception_id).is_(None),
            col(WaitingVisitor.left_at).is_(None),
        )
        .order_by(col(WaitingVisitor.arrived_at), col(WaitingVisitor.id))
    ).first()


@permission("rotation")
def walk_in(ctx: Context, salesperson_id: int | None = None) -> Arrival:
    """Next-up takes a walk-in: logs the arrival and moves the queue.

    ``salesperson_id`` may name next-up explicitly (a screen passes the one it
    showed); if the board moved meanwhile in another window, the action is refused
    rather than silently giving the customer to someone else.

    A visitor left waiting while nobody was free goes first: the oldest one is this
    walk-in (the reception keeps their arrival time; assigned now).
    """
    with ctx.db.write() as s:
        state = load_state(s, ctx.today())
        nxt = state.next_up(compute_holds(s, ctx, state))
        if nxt is None:
            raise RuleViolation("Nobody is free to receive a customer.")
        if salesperson_id is not None and salesperson_id != nxt:
            raise RuleViolation("The board changed: next-up is now someone else. Look again.")
        waiting = oldest_waiting(s, ctx.today())
        rec = _new_reception(
            s,
            ctx,
            channel="walk_in",
            salesperson_id=nxt,
            credited_to_id=nxt,
            arrived_at=waiting.arrived_at if waiting else None,
        )
        if waiting is not None:
            waiting.reception_id = rec.id
        _append(s, ctx, state, R.RotationEvent(R.EventKind.WALK_IN, ctx.now(), nxt), rec.id)
        return _arrival(s, rec, waiting.arrived_at if waiting else None)


@permission("rotation")
def receive_returning(ctx: Context, customer_id: int, channel: str = "walk_in") -> Arrival:
    """A requested / returning customer goes to their owner without a turn.

    If the owner is not on the floor (not checked in, with another customer, or
    away on a delivery or appointment), next-up receives them as a courtesy: no
    turn used, and the owner keeps the customer and the credit. An appointment of theirs
    today is kept by this visit.
    """
    from deskterm.services.appointments import keep_todays  # it uses this module

    with ctx.db.write() as s:
        arrival = returning_arrival(s, ctx, customer_id, channel)
        keep_todays(s, ctx, customer_id, arrival.reception_id)
        return arrival


def returning_arrival(
    s: Session, ctx: Context, customer_id: int, channel: str = "walk_in"
) -> Arrival:
    """``receive_returning`` inside the caller's transaction (an appointment's arrival
    records the visit and links it in one)."""
    cust = s.get(Customer, customer_id)
    if cust is None:
        raise NotFound("No customer #{id}.", field="customer", id=customer_id)
    state = load_state(s, ctx.today())
    owner = state.member(cust.owner_id)
    owner_here = owner is not None and (
        owner.state is R.MemberState.READY
        or (owner.state is R.MemberState.AWAY and owner.away_reason is R.AwayReason.BREAK)
    )
    if owner_here:
        rec = _new_reception(
            s,
            ctx,
            channel=channel,
            salesperson_id=cust.owner_id,
            credited_to_id=cust.owner_id,
            requested=True,
            first_visit=False,
            customer_id=customer_id,
        )
        _append(
            s,
            ctx,
            state,
            R.RotationEvent(R.EventKind.REQUESTED, ctx.now(), cust.owner_id),
            rec.id,
        )
    else:
        nxt = state.next_up(compute_holds(s, ctx, state))
        if nxt is None:
            raise RuleViolation("Nobody is free to receive a customer.")
        rec = _new_reception(
            s,
            ctx,
            channel=channel,
            salesperson_id=nxt,
            credited_to_id=cust.owner_id,
            requested=True,
            courtesy=True,
            first_visit=False,
            customer_id=customer_id,
        )
        _append(
            s,
            ctx,
            state,
            R.RotationEvent(R.EventKind.COURTESY, ctx.now(), nxt, other_id=cust.owner_id),
            rec.id,
        )
    return _arrival(s, rec)


@permission("rotation")
def receive_uncounted(ctx: Context, kind: str, salesperson_id: int | None = None) -> Arrival:
    """An up that doesn't count (question, service, pickup, friend): logged, no turn."""
    with ctx.db.write() as s:
        state = load_state(s, ctx.today())
        sid = salesperson_id or state.next_up(compute_holds(s, ctx, state))
        if sid is None:
            raise RuleViolation("Nobody is free to receive a customer.")
        rec = _new_reception(
            s,
            ctx,
            channel="walk_in",
            salesperson_id=sid,
            credited_to_id=sid,
            counted=False,
            uncounted_kind=kind,
        )
        _append(
            s,
            ctx,
            state,
            R.RotationEvent(R.EventKind.UNCOUNTED, ctx.now(), sid, reason=kind),
            rec.id,
        )
        return _arrival(s, rec)


@permission("rotation")
def log_remote_arrival(ctx: Context, channel: str, salesperson_id: int) -> Arrival:
    """A phone or online arrival, taken by a named salesperson (no walk-in turn)."""
    if channel not in ("phone", "online"):
        raise RuleViolation("A remote arrival is by phone or online.", field="channel")
    with ctx.db.write() as s:
        _salesperson(s, salesperson_id)
        rec = _new_reception(
            s, ctx, channel=channel, salesperson_id=salesperson_id, credited_to_id=salesperson_id
        )
        rec.ended_at = rec.arrived_at
        record_audit(s, ctx, "reception.remote", "reception", rec.id, None, {"channel": channel})
        return _arrival(s, rec)


@permission("rotation")
def done(ctx: Context, salesperson_id: int) -> BoardView:
    """Done with the customer: free again; the reception is closed."""
    with ctx.db.write() as s:
        state = load_state(s, ctx.today())
        rec = s.exec(
            select(Reception)
            .where(
                Reception.salesperson_id == salesperson_id,
                Reception.day == ctx.today(),
                col(Reception.ended_at).is_(None),
            )
            .order_by(col(Reception.id).desc())
        ).first()
        _append(
            s,
            ctx,
            state,
            R.RotationEvent(R.EventKind.DONE, ctx.now(), salesperson_id),
            rec.id if rec else None,
        )
        if rec is not None:
            rec.ended_at = ctx.now()
    return get_board(ctx)


@permission("rotation")
def undo_last(ctx: Context) -> str:
    """Undo today's last rotation action (a mis-tap); returns the kind undone.

    A walk-in undone removes its empty reception; one whose form was saved is
    refused, because a real visitor's record is never dropped by an undo.
    """
    with ctx.db.write() as s:
        rows = _log(s, ctx.today())
        if not rows:
            raise RuleViolation("Nothing to undo today.")
        last = rows[-1]
        if last.reception_id is not None:
            rec = s.get(Reception, last.reception_id)
            if rec is not None and last.kind == R.EventKind.DONE.value:
                rec.ended_at = None
            elif rec is not None:
                if rec.form_saved_at is not None:
                    raise RuleViolation(
                        "This reception's form is saved; edit the reception instead of undoing."
                    )
                last.reception_id = None
                _unlink_appointment(s, ctx, rec)
                # A visitor who had waited waits again; the steps ticked go with the visit.
                for w in s.exec(
                    select(WaitingVisitor).where(WaitingVisitor.reception_id == rec.id)
                ).all():
                    w.reception_id = None
                for st in s.exec(
                    select(ReceptionStep).where(ReceptionStep.reception_id == rec.id)
                ).all():
                    s.delete(st)
                s.flush()
                record_audit(
                    s,
                    ctx,
                    "reception.undo",
                    "reception",
                    rec.id,
                    {"salesperson_id": rec.salesperson_id, "channel": rec.channel},
                    None,
                )
                s.delete(rec)
        last.undone_at = ctx.now()
        last.undone_by = ctx.actor_id
        if last.kind == R.EventKind.CLOSE_DAY.value:
            for stat in s.exec(
                select(RotationDayStat).where(RotationDayStat.day == ctx.today())
            ).all():
                s.delete(stat)
        record_audit(s, ctx, "rotation.undo", "rotation_event", last.id, {"kind": last.kind}, None)
        return last.kind


def _unlink_appointment(session: Session, ctx: Context, rec: Reception) -> None:
    """An undone arrival kept no appointment: the one it kept is expected again (or
    stays a no-show if it had been settled before the visitor came late)."""
    for appt in session.exec(select(Appointment).where(Appointment.reception_id == rec.id)):
        appt.reception_id = None
        appt.status = "no_show" if appt.no_show_callback_id is not None else "booked"
        appt.status_at = ctx.now()


def _close(session: Session, ctx: Context, day: date) -> None:
    state = load_state(session, day)
    if state.closed:
        return
    _append(session, ctx, state, R.RotationEvent(R.EventKind.CLOSE_DAY, ctx.now()))
    for sid, st in state.stats.items():
        session.merge(
            RotationDayStat(
                day=day,
                salesperson_id=sid,
                ups=st.ups,
                requested=st.requested,
                courtesy=st.courtesy,
                uncounted=st.uncounted,
                skips=st.skips,
                makeups=st.makeups,
            )
        )
    for rec in session.exec(
        select(Reception).where(Reception.day == day, col(Reception.ended_at).is_(None))
    ).all():
        rec.ended_at = ctx.now()
    # A visitor still waiting when the day closes left without being served.
    while (waiting := oldest_waiting(session, day)) is not None:
        waiting.left_at = ctx.now()
        record_audit(
            session,
            ctx,
            "waiting.leave",
            "waiting_visitor",
            waiting.id,
            {"arrived_at": waiting.arrived_at},
            {"left_at": waiting.left_at, "source": "close_day"},
        )
        session.flush()
    record_audit(
        session, ctx, "rotation.close_day", "rotation_day", None, None, {"day": day.isoformat()}
    )


@permission("rotation")
def close_day(ctx: Context, day: date | None = None) -> BoardView:
    """Close the day: open receptions closed, rotation statistics kept."""
    day = day or ctx.today()
    with ctx.db.write() as s:
        if load_state(s, day).closed:
            raise RuleViolation("The day is closed.")
        _close(s, ctx, day)
    return get_board(ctx, day)


@permission("system")
def close_past_days(ctx: Context) -> int:
    """Close every earlier day left open (the app runs this at start-up); idempotent."""
    with ctx.db.read() as s:
        days = sorted(
            set(
                s.exec(
                    select(col(RotationEventRow.day)).where(RotationEventRow.day < ctx.today())
                ).all()
            )
        )
        open_days = [d for d in days if not load_state(s, d).closed]
    for d in open_days:
        with ctx.db.write() as s:
            _close(s, ctx, d)
    return len(open_days)


@dataclass(frozen=True)
class LogEntry:
    """A line of the day's rotation log."""

    id: int
    at: datetime
    kind: str
    salesperson: str | None
    reason: str | None
    undone: bool


@permission("rotation")
def day_log(ctx: Context, day: date | None = None) -> list[LogEntry]:
    """The day's rotation log, undone entries included and marked."""
    day = day or ctx.today()
    with ctx.db.read() as s:
        names = _names(s)
        rows = s.exec(
            select(RotationEventRow)
            .where(RotationEventRow.day == day)
            .order_by(col(RotationEventRow.id))
        ).all()
        return [
            LogEntry(
                r.id or 0,
                r.at,
                r.kind,
                names.get(r.salesperson_id) if r.salesperson_id else None,
                r.reason,
                r.undone_at is not None,
            )
            for r in rows
        ]
