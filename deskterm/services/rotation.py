"""Rotation use-cases: the board, and every action of DESIGN.md §1.7.

Each action is one write transaction that reads today's state (the day's stored
snapshot; the replay of its log when none is kept), applies the new event with the
domain rules, and appends it with the new snapshot.  Because the transaction starts
with BEGIN IMMEDIATE, two windows pressing "next-up" at the same instant are
serialised and assign two different salespeople.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from deskterm.domain import rotation as R
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.i18n import N_
from deskterm.i18n import _ as _t
from deskterm.services import setup
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import PermissionDenied, may, permission
from deskterm.services.setup import StaffEntry, all_staff, load_settings, rotation_settings
from deskterm.storage import audit_chain, models, orm
from deskterm.storage import rotation_snapshot as snapshot
from deskterm.storage.prefetch import Prefetch, take, take_rows

HOLD_UNSAVED_FORM = N_("last customer's form not saved")
#: A hand-over (a visit taken over from the colleague who received it) is not undone from
#: the log: the visitor's record is corrected instead.
HANDED_OVER = N_(
    "This visit was handed over to {name} at {time}: a hand-over is not undone here "
    "(correct the reception with f)."
)
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
    by_hand: int = 0  # of ``ups``: counted turns given by hand (issue 23)


@dataclass(frozen=True)
class BoardView:
    """The rotation board as a screen shows it."""

    day: date
    members: tuple[MemberView, ...]
    next_up: int | None
    off_duty: tuple[tuple[int, str], ...]  # active salespeople not checked in
    closed: bool
    last_event: str | None  # kind of the last (undoable) event
    version: int  # id of the day's newest live event (0: none yet)
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


def _to_event(row: models.RotationEventRow) -> R.RotationEvent:
    return R.RotationEvent(
        kind=R.EventKind(row.kind),
        at=row.at,
        salesperson_id=row.salesperson_id,
        other_id=row.other_id,
        reason=row.reason,
        order=tuple(json.loads(row.queue_order)) if row.queue_order else (),
    )


def _log(session: orm.Session, day: date) -> list[models.RotationEventRow]:
    return list(
        session.exec(
            orm.select(models.RotationEventRow)
            .where(
                models.RotationEventRow.day == day,
                orm.col(models.RotationEventRow.undone_at).is_(None),
            )
            .order_by(orm.col(models.RotationEventRow.id))
        ).all()
    )


@dataclass(frozen=True)
class DayState:
    """A day's rotation state and the newest live event of its log (the board names it)."""

    state: R.RotationState
    last_event_id: int
    last_kind: str | None
    last_salesperson_id: int | None


def day_state(session: orm.Session, day: date) -> DayState:
    """``day``'s state: its stored snapshot when one is kept under today's settings (one
    row, whatever the length of the day), else the replay of its log."""
    settings = rotation_settings(load_settings(session))
    snap = snapshot.read(session, day)
    if snap is not None and snap.settings == R.settings_key(settings):
        try:
            state = R.state_from_dict(day, settings, snap.state)
        except ValueError:
            pass  # not what the service writes (edited by hand): the log is the record
        else:
            return DayState(state, snap.last_event_id, snap.last_kind, snap.last_salesperson_id)
    return _replayed(session, day, settings)


def _replayed(
    session: orm.Session,
    day: date,
    settings: R.RotationSettings,
    rows: list[models.RotationEventRow] | None = None,
) -> DayState:
    if rows is None:
        rows = _log(session, day)
    state = R.replay(day, [_to_event(r) for r in rows], settings)
    last = rows[-1] if rows else None
    return DayState(
        state,
        (last.id or 0) if last else 0,
        last.kind if last else None,
        last.salesperson_id if last else None,
    )


def load_state(session: orm.Session, day: date) -> R.RotationState:
    """``day``'s board state (its snapshot, or the replay of its log)."""
    return day_state(session, day).state


def keep_snapshot(
    session: orm.Session, day: date, live: list[models.RotationEventRow] | None = None
) -> DayState:
    """Replay ``day``'s log and keep it as the day's snapshot, in ``session``'s write
    transaction: after a change of the log other than an append (an undo, a turn given
    back), whose trigger dropped the old one. Returns the replay. ``live``: the day's
    live rows in id order, as the caller holds them in this session (no read)."""
    session.flush()  # the log's pending changes first: their triggers drop a snapshot
    found = _replayed(session, day, rotation_settings(load_settings(session)), live)
    _store(session, found)
    return found


def _store(session: orm.Session, found: DayState) -> None:
    snapshot.write(
        session,
        found.state.day,
        snapshot.SnapshotRow(
            R.settings_key(found.state.settings),
            found.last_event_id,
            found.last_kind,
            found.last_salesperson_id,
            R.state_to_dict(found.state),
        ),
    )


def _day_wanted(ctx: Context) -> Prefetch:
    """What every rotation action reads, asked for with its write lock: the settings,
    the staff and today's snapshot."""
    return snapshot.wanted(setup.wanted(Prefetch()), ctx.today())


def _when_on(key: str) -> str:
    # A hold's rows are read only if the shop applies it (a server evaluates this once):
    # the overdue hold, off by default, would otherwise scan every overdue callback.
    default = setup.DEFAULT_SETTINGS[key]
    assert default in ("true", "false")  # written into the SQL: deskterm's own constant
    return f"COALESCE((SELECT value FROM setting WHERE key = '{key}'), '{default}') = 'true'"


#: Each salesperson's latest counted reception of a day: the unsaved-form hold's rows.
_LATEST_SQL = (
    "SELECT salesperson_id, ended_at, form_saved_at FROM reception WHERE id IN "
    "(SELECT max(id) FROM reception WHERE day = ? AND counted = ? GROUP BY salesperson_id) "
    f"AND {_when_on('rotation.hold_unsaved_form')}"
)
#: Who has a callback due before a moment: the overdue hold's rows.
_OVERDUE_SQL = (
    "SELECT DISTINCT salesperson_id FROM callback WHERE status = 'open' AND due_at < ? "
    f"AND {_when_on('rotation.hold_overdue_callbacks')}"
)


def _holds_wanted(ask: Prefetch, ctx: Context) -> Prefetch:
    """``ask`` asking for what the holds read, for everybody (the on-duty are not known
    yet). Only for an action that decides on the holds before it writes anything: the
    rows are taken by the first :func:`compute_holds`, and would be stale after."""
    day = ctx.today()
    start, _ = ctx.day_range_utc(day)
    return ask.read(f"holds unsaved {day}", _LATEST_SQL, (day, True)).read(
        f"holds overdue {day}", _OVERDUE_SQL, (start,)
    )


def compute_holds(session: orm.Session, ctx: Context, state: R.RotationState) -> dict[int, str]:
    """Who is held out of the queue and why (settings decide which rules apply)."""
    settings = load_settings(session)
    ids = state.on_duty
    # Asked for with the write's lock (see _holds_wanted): taken whether used or not.
    latest_rows = take(session, f"holds unsaved {state.day}")
    overdue_rows = take(session, f"holds overdue {state.day}")
    if not ids:
        return {}
    unsaved: set[int] = set()
    overdue: set[int] = set()
    if settings["rotation.hold_unsaved_form"] == "true" and latest_rows is not None:
        unsaved = {
            int(sid) for sid, ended, saved in latest_rows if ended is not None and saved is None
        }
    elif settings["rotation.hold_unsaved_form"] == "true":
        # One query for the whole board: each member's latest counted reception today,
        # one row each (not every visit of the day: the board's cost stays flat).
        latest = (
            orm.select(orm.func.max(models.Reception.id))
            .where(
                orm.col(models.Reception.salesperson_id).in_(ids),
                models.Reception.day == state.day,
                models.Reception.counted == True,  # noqa: E712
            )
            .group_by(orm.col(models.Reception.salesperson_id))
        )
        unsaved = {
            sid
            for sid, ended_at, form_saved_at in session.exec(
                orm.select(
                    models.Reception.salesperson_id,
                    models.Reception.ended_at,
                    models.Reception.form_saved_at,
                ).where(orm.col(models.Reception.id).in_(latest))
            ).all()
            if ended_at is not None and form_saved_at is None
        }
    if settings["rotation.hold_overdue_callbacks"] == "true" and overdue_rows is not None:
        overdue = {int(r[0]) for r in overdue_rows}
    elif settings["rotation.hold_overdue_callbacks"] == "true":
        start, _ = ctx.day_range_utc(state.day)
        overdue = set(
            session.exec(
                orm.select(models.Callback.salesperson_id)
                .where(
                    orm.col(models.Callback.salesperson_id).in_(ids),
                    models.Callback.status == "open",
                    models.Callback.due_at < start,
                )
                .distinct()
            ).all()
        )
    return holds_from(settings, ids, unsaved, overdue)


def holds_from(
    settings: dict[str, str], on_duty: list[int], unsaved: set[int], overdue: set[int]
) -> dict[int, str]:
    """The holds the shop's settings apply: ``unsaved``, whose latest visit today ended
    with its form unsaved; ``overdue``, with a callback due before today."""
    holds: dict[int, str] = {}
    if settings["rotation.hold_unsaved_form"] == "true":
        holds.update((sid, HOLD_UNSAVED_FORM) for sid in on_duty if sid in unsaved)
    if settings["rotation.hold_overdue_callbacks"] == "true":
        holds.update((sid, HOLD_OVERDUE) for sid in on_duty if sid in overdue and sid not in holds)
    return holds


def _names(session: orm.Session) -> dict[int, str]:
    return {s.id: s.name for s in all_staff(session)}


@permission("rotation")
def get_board(ctx: Context, day: date | None = None) -> BoardView:
    """The rotation board for today (or another day's replay)."""
    day = day or ctx.today()
    with ctx.db.read() as s:
        return _board_view(s, ctx, day_state(s, day))


def _board_view(s: orm.Session, ctx: Context, found: DayState) -> BoardView:
    """The board of ``found`` (a day's state) in ``s``'s transaction: a write returns the
    board it made without a read transaction of its own."""
    staff = [(sp.id, sp.name, sp.role, sp.active) for sp in all_staff(s)]
    return board_from(found, compute_holds(s, ctx, found.state), staff)


def board_from(
    found: DayState, holds: dict[int, str], staff: list[tuple[int, str, str, bool]]
) -> BoardView:
    """The board of ``found`` with its holds; ``staff`` is every staff member, former
    ones too, as (id, name, role, active)."""
    state = found.state
    names = {sid: name for sid, name, _role, _active in staff}
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
            by_hand=state.stats.get(m.salesperson_id, R.DayStats()).by_hand,
        )
        for i, m in enumerate(state.queue)
    )
    on = set(state.on_duty)
    off = tuple(
        (sid, name)
        for sid, name, role, active in sorted(staff, key=lambda row: row[1])
        if role == "salesperson" and active and sid not in on
    )
    return BoardView(
        state.day,
        members,
        nxt,
        off,
        state.closed,
        found.last_kind,
        found.last_event_id,
        names.get(found.last_salesperson_id) if found.last_salesperson_id else None,
    )


def _append(
    session: orm.Session,
    ctx: Context,
    state: R.RotationState,
    event: R.RotationEvent,
    reception_id: int | None = None,
    *,
    note: str | None = None,
) -> DayState:
    """Apply ``event`` to ``state`` (raises RuleViolation if the rules forbid it), log it
    and keep the new state as the day's snapshot; the new day's state."""
    new_state = R.apply(state, event)
    row = models.RotationEventRow(
        day=state.day,
        kind=event.kind.value,
        salesperson_id=event.salesperson_id,
        other_id=event.other_id,
        reason=event.reason,
        queue_order=json.dumps(list(event.order)) if event.order else None,
        at=event.at,
        actor_id=ctx.actor_id,
        reception_id=reception_id,
        note=note,
    )
    session.add(row)
    session.flush()  # the row's insert trigger drops the old snapshot: the new one follows
    assert row.id is not None
    found = DayState(new_state, row.id, row.kind, row.salesperson_id)
    _store(session, found)
    return found


def _salesperson(session: orm.Session, sid: int) -> StaffEntry:
    # The transaction's staff (on a server, read with its lock): no query of its own.
    sp = next((st for st in all_staff(session) if st.id == sid), None)
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
    with ctx.db.write(_day_wanted(ctx).reserve("rotation_event")) as s:
        if sid is not None:
            _salesperson(s, sid)
        state = load_state(s, ctx.today())
        # The rotation log is itself the audit of these actions (who: actor_id, when: at).
        event = R.RotationEvent(kind, ctx.now(), sid, reason=reason, order=order)
        return _board_view(s, ctx, _append(s, ctx, state, event))


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
    with ctx.db.write(_holds_wanted(_day_wanted(ctx), ctx).reserve("rotation_event")) as s:
        state = load_state(s, ctx.today())
        nxt = state.next_up(compute_holds(s, ctx, state))
        if nxt is None:
            raise RuleViolation("Nobody is free to receive a customer.")
        if salesperson_id is not None and salesperson_id != nxt:
            raise RuleViolation("The board changed: next-up is now someone else. Look again.")
        event = R.RotationEvent(R.EventKind.SKIP, ctx.now(), nxt, reason=reason)
        return _board_view(s, ctx, _append(s, ctx, state, event))


@permission("manage")
def reorder(ctx: Context, order: list[int]) -> BoardView:
    """The manager's manual reorder (logged)."""
    return _simple(ctx, R.EventKind.REORDER, order=tuple(order))


@permission("manage")
def override_hold(ctx: Context, salesperson_id: int) -> BoardView:
    """The manager lets a held-out member take customers today."""
    return _simple(ctx, R.EventKind.OVERRIDE_HOLD, salesperson_id)


def _new_reception(  # the reception row and its rotation event are the record of an arrival
    session: orm.Session,
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
) -> models.Reception:
    """The reception row of an arrival, taken by a salesperson now (``assigned_at``):
    ``arrived_at`` is earlier when the visitor waited for someone to be free."""
    rec = models.Reception(
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


def _arrival(
    session: orm.Session, rec: models.Reception, waited_since: datetime | None = None
) -> Arrival:
    assert rec.id is not None
    return Arrival(
        rec.id,
        rec.salesperson_id,
        _names(session).get(rec.salesperson_id, "?"),
        rec.credited_to_id,
        rec.courtesy,
        waited_since,
    )


_WAITING_WHERE = "day = ? AND reception_id IS NULL AND left_at IS NULL ORDER BY arrived_at, id"


def _waiting_wanted(ask: Prefetch, day: date) -> Prefetch:
    return ask.read_table(f"waiting {day}", models.WaitingVisitor, _WAITING_WHERE, (day,))


def oldest_waiting(session: orm.Session, day: date) -> models.WaitingVisitor | None:
    """The visitor who has waited longest today and is still waiting (none taken, none
    gone)."""
    waiting = take_rows(session, f"waiting {day}", models.WaitingVisitor)
    if waiting is not None:  # asked for with the write's lock
        return waiting[0] if waiting else None
    return session.exec(
        orm.select(models.WaitingVisitor)
        .where(
            models.WaitingVisitor.day == day,
            orm.col(models.WaitingVisitor.reception_id).is_(None),
            orm.col(models.WaitingVisitor.left_at).is_(None),
        )
        .order_by(orm.col(models.WaitingVisitor.arrived_at), orm.col(models.WaitingVisitor.id))
    ).first()


def _walk_in_reception(
    s: orm.Session, ctx: Context, salesperson_id: int
) -> tuple[models.Reception, datetime | None]:
    """A walk-in's reception for ``salesperson_id``: the longest-waiting visitor's, if
    one waits (their arrival time kept), else a new arrival now; and since when they
    waited (None: nobody waited)."""
    waiting = oldest_waiting(s, ctx.today())
    rec = _new_reception(
        s,
        ctx,
        channel="walk_in",
        salesperson_id=salesperson_id,
        credited_to_id=salesperson_id,
        arrived_at=waiting.arrived_at if waiting else None,
    )
    if waiting is not None:
        waiting.reception_id = rec.id
    return rec, waiting.arrived_at if waiting else None


@permission("rotation")
def walk_in(ctx: Context, salesperson_id: int | None = None) -> Arrival:
    """Next-up takes a walk-in: logs the arrival and moves the queue.

    ``salesperson_id`` may name next-up explicitly (a screen passes the one it
    showed); if the board moved meanwhile in another window, the action is refused
    rather than silently giving the customer to someone else.

    A visitor left waiting while nobody was free goes first: the oldest one is this
    walk-in (the reception keeps their arrival time; assigned now).
    """
    with ctx.db.write(_walk_in_wanted(ctx)) as s:
        state = load_state(s, ctx.today())
        return take_walk_in(s, ctx, state, compute_holds(s, ctx, state), salesperson_id)


def _walk_in_wanted(ctx: Context) -> Prefetch:
    """What a walk-in reads, asked for with its lock, and the ids it inserts."""
    wanted = _holds_wanted(_waiting_wanted(_day_wanted(ctx), ctx.today()), ctx)
    return wanted.reserve("reception").reserve("rotation_event")


def take_walk_in(
    s: orm.Session,
    ctx: Context,
    state: R.RotationState,
    holds: dict[int, str],
    salesperson_id: int | None = None,
) -> Arrival:
    """:func:`walk_in` inside the caller's transaction, on the day's ``state`` and
    ``holds`` it read (the desk's walk-in key decides between this and a wait first)."""
    nxt = state.next_up(holds)
    if nxt is None:
        raise RuleViolation("Nobody is free to receive a customer.")
    if salesperson_id is not None and salesperson_id != nxt:
        raise RuleViolation("The board changed: next-up is now someone else. Look again.")
    rec, waited_since = _walk_in_reception(s, ctx, nxt)
    _append(s, ctx, state, R.RotationEvent(R.EventKind.WALK_IN, ctx.now(), nxt), rec.id)
    return _arrival(s, rec, waited_since)


@permission("rotation")
def receive_returning(ctx: Context, customer_id: int, channel: str = "walk_in") -> Arrival:
    """A requested / returning customer goes to their owner without a turn.

    If the owner is not on the floor (not checked in, with another customer, or
    away on a delivery or appointment), next-up receives them as a courtesy: no
    turn used, and the owner keeps the customer and the credit. An appointment of theirs
    today is kept by this visit.
    """
    from deskterm.services.appointments import keep_todays  # it uses this module

    wanted = _holds_wanted(_day_wanted(ctx), ctx).reserve("reception").reserve("rotation_event")
    wanted.read_table(_RETURNING_READ, models.Customer, "id = ?", (customer_id,))
    with ctx.db.write(wanted) as s:
        take_rows(s, _RETURNING_READ, models.Customer)  # the session's: the get below sends nothing
        arrival = returning_arrival(s, ctx, customer_id, channel)
        keep_todays(s, ctx, customer_id, arrival.reception_id)
        return arrival


_RETURNING_READ = "returning customer"


def returning_arrival(
    s: orm.Session, ctx: Context, customer_id: int, channel: str = "walk_in"
) -> Arrival:
    """``receive_returning`` inside the caller's transaction (an appointment's arrival
    records the visit and links it in one)."""
    cust = s.get(models.Customer, customer_id)
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
    wanted = _holds_wanted(_day_wanted(ctx), ctx).reserve("reception").reserve("rotation_event")
    with ctx.db.write(wanted) as s:
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
    with ctx.db.write(audit_chain.wanted(_day_wanted(ctx)).reserve("reception")) as s:
        _salesperson(s, salesperson_id)
        rec = _new_reception(
            s, ctx, channel=channel, salesperson_id=salesperson_id, credited_to_id=salesperson_id
        )
        rec.ended_at = rec.arrived_at
        record_audit(s, ctx, "reception.remote", "reception", rec.id, None, {"channel": channel})
        return _arrival(s, rec)


#: A salesperson's newest visit today not ended yet: the one a done ends.
_OPEN_WHERE = "salesperson_id = ? AND day = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1"


@permission("rotation")
def done(ctx: Context, salesperson_id: int) -> BoardView:
    """Done with the customer: free again; the reception is closed."""
    # Not the holds: the board after the done holds them on what the done changed.
    wanted = _day_wanted(ctx).reserve("rotation_event")
    ahead = ctx.today()  # a lock granted after midnight reads the new day's (names differ)
    wanted.read_table(
        f"open reception {ahead}", models.Reception, _OPEN_WHERE, (salesperson_id, ahead)
    )
    with ctx.db.write(wanted) as s:
        day = ctx.today()
        state = load_state(s, day)
        open_rows = take_rows(s, f"open reception {day}", models.Reception)
        if open_rows is not None:
            rec = open_rows[0] if open_rows else None
        else:
            rec = s.exec(
                orm.select(models.Reception)
                .where(
                    models.Reception.salesperson_id == salesperson_id,
                    models.Reception.day == day,
                    orm.col(models.Reception.ended_at).is_(None),
                )
                .order_by(orm.col(models.Reception.id).desc())
            ).first()
        found = _append(
            s,
            ctx,
            state,
            R.RotationEvent(R.EventKind.DONE, ctx.now(), salesperson_id),
            rec.id if rec else None,
        )
        if rec is not None:
            rec.ended_at = ctx.now()  # before the board: it may hold them out for the form
        return _board_view(s, ctx, found)


@permission("rotation")
def undo_last(ctx: Context) -> str:
    """Undo today's last rotation action (a mis-tap); returns the kind undone.

    A walk-in undone removes its empty reception; one whose form was saved is
    refused, because a real visitor's record is never dropped by an undo.
    """
    with ctx.db.write(_undo_wanted(ctx)) as s:
        # The day as the lock found it: what was asked for another (the lock waited past
        # midnight) is named for that day, and not taken.
        day = ctx.today()
        taken_log = take_rows(s, f"{_UNDO_LOG} {day}", models.RotationEventRow)
        taken: dict[str, Any] = {
            n: take_rows(s, f"{n} {day}", m) for n, m in _undo_visit_reads().items()
        }
        rows = taken_log if taken_log is not None else _log(s, day)
        if not rows:
            raise RuleViolation("Nothing to undo today.")
        last = rows[-1]
        if (
            last.reception_id is not None
            and any(
                r.reception_id == last.reception_id and R.EventKind(r.kind) in R.VISIT_STARTS
                for r in rows[:-1]
            )
            and R.EventKind(last.kind) in R.VISIT_STARTS
        ):
            # Its visit began with another start: a hand-over. Undone, the visit would go.
            raise RuleViolation(
                HANDED_OVER,
                name=_names(s).get(last.salesperson_id or 0, "?"),
                time=_clock(ctx, last.at),
            )
        if last.reception_id is not None:
            rec = s.get(models.Reception, last.reception_id)
            if rec is not None and last.kind == R.EventKind.DONE.value:
                rec.ended_at = None
            elif rec is not None:
                if rec.form_saved_at is not None:
                    raise RuleViolation(
                        "This reception's form is saved; edit the reception instead of undoing."
                    )
                last.reception_id = None
                _drop_reception(s, ctx, rec, taken if taken_log is not None else None)
        last.undone_at = ctx.now()
        last.undone_by = ctx.actor_id
        if last.kind == R.EventKind.CLOSE_DAY.value:
            _reopen_closed(s, day, last.at)
        record_audit(s, ctx, "rotation.undo", "rotation_event", last.id, {"kind": last.kind}, None)
        # The log read with the lock, as this undo left it: replayed without a read.
        live = [r for r in rows if r.undone_at is None] if taken_log is not None else None
        keep_snapshot(s, day, live)
        return last.kind


#: What an undo reads with its lock: the day's live log, and what names the visit of its
#: last row (the reception, every log row naming it, the visitor who had waited for it,
#: its steps, the appointment it kept): an undone walk-in lets go of them all.
_UNDO_LOG = "undo log"
_LAST_VISIT = (
    "(SELECT reception_id FROM rotation_event WHERE day = ? AND undone_at IS NULL "
    "ORDER BY id DESC LIMIT 1)"
)


def _undo_visit_reads() -> dict[str, type[orm.SQLModel]]:
    """Each read of the undone visit, by name (a function: the tables are declared when
    first used, see ``storage.models``)."""
    return {
        "undo reception": models.Reception,
        "undo rows": models.RotationEventRow,
        "undo waiting": models.WaitingVisitor,
        "undo steps": models.ReceptionStep,
        "undo appointment": models.Appointment,
    }


def _undo_wanted(ctx: Context) -> Prefetch:
    day = ctx.today()
    ask = audit_chain.wanted(setup.wanted(Prefetch()))
    live = "day = ? AND undone_at IS NULL ORDER BY id"
    ask.read_table(f"{_UNDO_LOG} {day}", models.RotationEventRow, live, (day,))
    ask.read_table(f"undo reception {day}", models.Reception, f"id = {_LAST_VISIT}", (day,))
    for name, model in list(_undo_visit_reads().items())[1:]:
        ask.read_table(f"{name} {day}", model, f"reception_id = {_LAST_VISIT}", (day,))
    return ask


def _reopen_closed(s: orm.Session, day: date, closed_at: datetime) -> None:
    """What closing ``day`` at ``closed_at`` did, undone with it: its statistics go, and
    the visits and the waits it ended are open again — those its audit entry names (a
    close before these were named: those ended at or after its moment)."""
    for stat in s.exec(
        orm.select(models.RotationDayStat).where(models.RotationDayStat.day == day)
    ).all():
        s.delete(stat)
    named = _closed_by(s, day)
    if named is not None:
        recs = orm.select(models.Reception).where(orm.col(models.Reception.id).in_(named[0]))
        waits = orm.select(models.WaitingVisitor).where(
            orm.col(models.WaitingVisitor.id).in_(named[1])
        )
    else:
        recs = orm.select(models.Reception).where(
            models.Reception.day == day, orm.col(models.Reception.ended_at) >= closed_at
        )
        waits = orm.select(models.WaitingVisitor).where(
            models.WaitingVisitor.day == day,
            orm.col(models.WaitingVisitor.reception_id).is_(None),
            orm.col(models.WaitingVisitor.left_at) >= closed_at,
        )
    for rec in s.exec(recs).all():
        rec.ended_at = None
    for w in s.exec(waits).all():
        w.left_at = None


def _closed_by(s: orm.Session, day: date) -> tuple[list[int], list[int]] | None:
    """The visits and waits the latest close of ``day`` ended, as its audit entry names
    them (None: an entry written before it named them)."""
    for after in s.exec(
        orm.select(models.Audit.after_json)
        .where(models.Audit.action == "rotation.close_day")
        .order_by(orm.col(models.Audit.id).desc())
        .limit(50)
    ).all():
        said = json.loads(after or "{}")
        if said.get("day") == day.isoformat():
            if "ended" not in said:
                return None
            return [int(i) for i in said["ended"]], [int(i) for i in said.get("left", [])]
    return None


def _drop_reception(
    s: orm.Session, ctx: Context, rec: models.Reception, taken: dict[str, Any] | None = None
) -> None:
    """An undone arrival's reception goes (its form never saved: the caller checked): a
    visitor who had waited waits again, the steps ticked go with the visit, an
    appointment it kept is expected again; audited as ``reception.undo``. ``taken``:
    the rows naming it, read with the lock (see _undo_wanted)."""

    def naming(name: str, model: Any) -> list[Any]:
        found = taken.get(name) if taken is not None else None
        if found is not None:
            return [o for o in found if o.reception_id == rec.id]
        return list(s.exec(orm.select(model).where(model.reception_id == rec.id)).all())

    for appt in naming("undo appointment", models.Appointment):
        _let_go(ctx, appt)
    # Every log row naming the visit lets go of it, undone ones too (a done undone
    # earlier still named it): the rows stay, the reception goes.
    for row in naming("undo rows", models.RotationEventRow):
        row.reception_id = None
    for w in naming("undo waiting", models.WaitingVisitor):
        w.reception_id = None
    for st in naming("undo steps", models.ReceptionStep):
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


def _let_go(ctx: Context, appt: models.Appointment) -> None:
    appt.reception_id = None
    appt.status = "no_show" if appt.no_show_callback_id is not None else "booked"
    appt.status_at = ctx.now()


def _close_wanted(ctx: Context, day: date) -> Prefetch:
    """What closing ``day`` reads, asked for with its lock: the day's state, its
    statistics kept already (a close undone and done again), the visits still open and
    the visitors still waiting, the audit's end."""
    ask = audit_chain.wanted(snapshot.wanted(setup.wanted(Prefetch()), day))
    ask.read_table(f"close stats {day}", models.RotationDayStat, "day = ?", (day,))
    ask.read_table(f"close open {day}", models.Reception, "day = ? AND ended_at IS NULL", (day,))
    return _waiting_wanted(ask, day).reserve("rotation_event")


def _close(session: orm.Session, ctx: Context, day: date) -> DayState | None:
    """Close ``day`` in ``session``'s transaction; the closed day's state (None: it was
    closed already)."""
    state = load_state(session, day)
    if state.closed:
        return None
    found = _append(session, ctx, state, R.RotationEvent(R.EventKind.CLOSE_DAY, ctx.now()))
    kept = take_rows(session, f"close stats {day}", models.RotationDayStat)
    by_sid = {st.salesperson_id: st for st in kept} if kept is not None else None
    for sid, st in state.stats.items():
        figures = {
            "ups": st.ups,
            "requested": st.requested,
            "courtesy": st.courtesy,
            "uncounted": st.uncounted,
            "skips": st.skips,
            "makeups": st.makeups,
            "by_hand": st.by_hand,
        }
        if by_sid is None:  # not read with the lock: merge looks the row up itself
            session.merge(models.RotationDayStat(day=day, salesperson_id=sid, **figures))
        elif sid in by_sid:
            for name, value in figures.items():
                setattr(by_sid[sid], name, value)
        else:
            session.add(models.RotationDayStat(day=day, salesperson_id=sid, **figures))
    ended: list[int] = []
    still_open = take_rows(session, f"close open {day}", models.Reception)
    if still_open is None:
        still_open = list(
            session.exec(
                orm.select(models.Reception).where(
                    models.Reception.day == day, orm.col(models.Reception.ended_at).is_(None)
                )
            ).all()
        )
    for rec in still_open:
        rec.ended_at = ctx.now()
        ended.append(models.saved_id(rec.id))
    # A visitor still waiting when the day closes left without being served.
    left: list[int] = []
    waiting_rows = take_rows(session, f"waiting {day}", models.WaitingVisitor)
    queue = iter(waiting_rows) if waiting_rows is not None else None
    while (
        waiting := next(queue, None) if queue is not None else oldest_waiting(session, day)
    ) is not None:
        waiting.left_at = ctx.now()
        left.append(models.saved_id(waiting.id))
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
    # What the close ended, named: its undo opens exactly these again (not whatever ended
    # at or after its moment: a desk's clock may run ahead of another's).
    record_audit(
        session,
        ctx,
        "rotation.close_day",
        "rotation_day",
        None,
        None,
        {"day": day.isoformat(), "ended": ended, "left": left},
    )
    return found


@permission("rotation")
def close_day(ctx: Context, day: date | None = None) -> BoardView:
    """Close the day: open receptions closed, rotation statistics kept."""
    day = day or ctx.today()
    with ctx.db.write(_close_wanted(ctx, day)) as s:
        found = _close(s, ctx, day)
        if found is None:
            raise RuleViolation("The day is closed.")
        return _board_view(s, ctx, found)  # the board it made, in its own transaction


@permission("system")
def close_past_days(ctx: Context) -> int:
    """Close every earlier day left open (the app runs this at start-up); idempotent."""
    with ctx.db.read() as s:
        days = sorted(
            set(
                s.exec(
                    orm.select(orm.col(models.RotationEventRow.day)).where(
                        models.RotationEventRow.day < ctx.today()
                    )
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
    salesperson_id: int | None = None
    note: str | None = None  # a counted turn given by hand: the words of its reason


@permission("rotation")
def day_log(ctx: Context, day: date | None = None) -> list[LogEntry]:
    """The day's rotation log, undone entries included and marked."""
    day = day or ctx.today()
    with ctx.db.read() as s:
        names = _names(s)
        rows = s.exec(
            orm.select(models.RotationEventRow)
            .where(models.RotationEventRow.day == day)
            .order_by(orm.col(models.RotationEventRow.id))
        ).all()
        return [_entry(r, names) for r in rows]


# -- issue 23: undo an earlier action; a counted turn given by hand ---------------------


@dataclass(frozen=True)
class UndoPlan:
    """What undoing an earlier action of today's log takes: the action, and the later
    actions that cannot stand without it (removed with it, when confirmed)."""

    action: LogEntry
    dependents: tuple[LogEntry, ...]


def _entry(row: models.RotationEventRow, names: dict[int, str]) -> LogEntry:
    return LogEntry(
        row.id or 0,
        row.at,
        row.kind,
        names.get(row.salesperson_id) if row.salesperson_id else None,
        row.reason,
        row.undone_at is not None,
        row.salesperson_id,
        row.note,
    )


def _plan(
    s: orm.Session, ctx: Context, event_id: int
) -> tuple[list[models.RotationEventRow], list[int]]:
    """Today's active log and the indexes an undo of ``event_id`` removes (it first, then
    its dependents in log order); refused with the reason when it may not be undone."""
    day = ctx.today()
    rows = _log(s, day)
    index = next((i for i, r in enumerate(rows) if r.id == event_id), None)
    if index is None:
        row = s.get(models.RotationEventRow, event_id)
        if row is not None and row.day == day and row.undone_at is not None:
            raise RuleViolation("That action is undone already.")
        raise NotFound("No action #{id} in today's log.", id=event_id)
    if rows[-1].kind == R.EventKind.CLOSE_DAY.value and index != len(rows) - 1:
        raise RuleViolation("The day is closed: undo its closing (u) first.")
    events = [_to_event(r) for r in rows]
    settings = rotation_settings(load_settings(s))
    gone = {index}
    while True:
        fallen = set(R.undo_dependents(day, events, gone, settings))
        # A visit's later actions go with the action that started it (a done closing it, a
        # hand-over of it), even where the board alone would take them: the visit is gone.
        starts = {
            rows[i].reception_id
            for i in gone | fallen
            if rows[i].reception_id is not None and R.EventKind(rows[i].kind) in R.VISIT_STARTS
        }
        linked = {
            i
            for i, r in enumerate(rows)
            if i > index and r.reception_id in starts and i not in gone | fallen
        }
        if not linked:
            gone |= fallen
            break
        gone |= fallen | linked
    names = _names(s)
    for i in sorted(gone):
        row = rows[i]
        if row.kind == R.EventKind.DONE.value and any(
            j > i
            and j not in gone
            and r.reception_id == row.reception_id
            and R.EventKind(r.kind) in R.VISIT_STARTS
            for j, r in enumerate(rows)
            if row.reception_id is not None
        ):
            # The done of a hand-over: the visit went on with its owner. Undone alone, the
            # receiver would be with the visitor again beside the owner.
            raise RuleViolation(
                "{name}'s done at {time} handed the visitor over: it cannot be undone on "
                "its own (correct the reception with f).",
                name=names.get(row.salesperson_id or 0, "?"),
                time=_clock(ctx, row.at),
            )
        if row.reception_id is None or R.EventKind(row.kind) not in R.VISIT_STARTS:
            continue
        # A visit begun earlier by another action (a courtesy handed over to its owner)
        # would lose its start: refused rather than guessed.
        if any(
            j not in gone and r.reception_id == row.reception_id and j < i
            for j, r in enumerate(rows)
        ):
            raise RuleViolation(
                HANDED_OVER, name=names.get(row.salesperson_id or 0, "?"), time=_clock(ctx, row.at)
            )
        rec = s.get(models.Reception, row.reception_id)
        if rec is not None and rec.form_saved_at is not None:
            # A real visitor's record never vanishes by an undo (as with ``undo_last``).
            raise RuleViolation(
                "The visit {name} received at {time} has a saved form: correct the "
                "reception (f) instead of undoing it.",
                name=names.get(row.salesperson_id or 0, "?"),
                time=_clock(ctx, row.at),
            )
    return rows, [index, *sorted(gone - {index})]


def _clock(ctx: Context, at: datetime) -> str:
    return at.astimezone(ctx.clock.zone).strftime("%H:%M")


@permission("rotation_undo")
def undo_plan(ctx: Context, event_id: int) -> UndoPlan:
    """What undoing the action ``event_id`` of today's log would remove: the action and
    the later ones that cannot stand without it. Raises RuleViolation with the reason
    when it cannot be undone (a visit with a saved form would vanish, the day is
    closed)."""
    with ctx.db.read() as s:
        rows, take = _plan(s, ctx, event_id)
        names = _names(s)
        return UndoPlan(
            _entry(rows[take[0]], names), tuple(_entry(rows[i], names) for i in take[1:])
        )


@permission("rotation_undo")
def undo_action(ctx: Context, event_id: int, dependents: tuple[int, ...] = ()) -> UndoPlan:
    """Undo the action ``event_id`` of today's log and the later ones that cannot stand
    without it, which the caller confirmed as ``dependents`` (the ids ``undo_plan``
    listed). If the log changed meanwhile and they differ, nothing is undone: the
    person confirmed another list. The rows stay in the log marked undone (who, when);
    an arrival undone loses its reception as ``undo_last``'s does, a done undone opens
    its visit again; one audit entry names the action and every dependent."""
    with ctx.db.write() as s:
        rows, take = _plan(s, ctx, event_id)
        if sorted(rows[i].id or 0 for i in take[1:]) != sorted(dependents):
            raise RuleViolation("The day's log changed meanwhile: look at it again.")
        names = _names(s)
        plan = UndoPlan(
            _entry(rows[take[0]], names), tuple(_entry(rows[i], names) for i in take[1:])
        )
        dropped: set[int] = set()
        for i in take:  # the starts' receptions first: a done of a dropped visit reopens nothing
            row = rows[i]
            if row.reception_id is None or R.EventKind(row.kind) not in R.VISIT_STARTS:
                continue
            rec = s.get(models.Reception, row.reception_id)
            if rec is not None and rec.id not in dropped:
                dropped.add(rec.id or 0)
                _drop_reception(s, ctx, rec)
        for i in take:
            row = rows[i]
            if row.kind == R.EventKind.DONE.value and row.reception_id is not None:
                rec = s.get(models.Reception, row.reception_id)
                if rec is not None:
                    rec.ended_at = None
            row.undone_at = ctx.now()
            row.undone_by = ctx.actor_id
        if rows[take[0]].kind == R.EventKind.CLOSE_DAY.value:
            _reopen_closed(s, ctx.today(), rows[take[0]].at)

        def named(e: LogEntry) -> dict[str, object]:
            who = e.salesperson
            return {"id": e.id, "kind": e.kind, "at": e.at.isoformat(), "salesperson": who}

        record_audit(
            s,
            ctx,
            "rotation.undo_earlier",
            "rotation_event",
            event_id,
            {**named(plan.action), "dependents": [named(d) for d in plan.dependents]},
            None,
        )
        # Proof, in the transaction, that the day still replays (never a corrupt board);
        # the replay is kept as the day's snapshot.
        keep_snapshot(s, ctx.today())
        return plan


#: The longest note of a counted turn's reason.
NOTE_MAX = 200


def check_turn_note(reason: str, note: str) -> str:
    """The note of a counted turn given by hand, cleaned; "other" needs one."""
    text = " ".join(note.split())
    R._reason(R.HandReason, reason)
    if reason == R.HandReason.OTHER.value and not text:
        raise InvalidInput("Say why this member takes the turn.", field="note")
    if len(text) > NOTE_MAX or any(not ch.isprintable() for ch in text):
        raise InvalidInput("At most {n} characters on one line.", field="note", n=NOTE_MAX)
    return text


@permission("rotation")
def may_give_turns(ctx: Context) -> bool:
    """Whether the person at the desk may give a counted turn by hand now (the manager;
    the receptionist when the shop's ``rotation.receptionist_turns`` is on)."""
    if may(ctx, "counted_turn"):
        return True
    if not may(ctx, "counted_turn_if_allowed"):
        return False
    with ctx.db.read() as s:
        return load_settings(s)["rotation.receptionist_turns"] == "true"


@permission("counted_turn", "counted_turn_if_allowed")
def give_turn(ctx: Context, salesperson_id: int, reason: str, note: str = "") -> Arrival:
    """Give a walk-in to a member other than next-up as a counted turn (issue 23): a
    language match, a fleet customer, a training turn, or another reason in the note.

    The member is counted as having taken a turn (to the back), next-up keeps the head,
    and the day's figures show it as given by hand. The manager may; the receptionist
    when the shop's ``rotation.receptionist_turns`` is on. A visitor waiting for
    someone free is the one received (the longest waiting), as with a walk-in.
    """
    clean = check_turn_note(reason, note)
    with ctx.db.write(audit_chain.wanted(_walk_in_wanted(ctx))) as s:
        if not may(ctx, "counted_turn") and (
            load_settings(s)["rotation.receptionist_turns"] != "true"
        ):
            raise PermissionDenied(
                "Only the manager gives a counted turn by hand here "
                "(setting rotation.receptionist_turns)."
            )
        sp = _salesperson(s, salesperson_id)
        state = load_state(s, ctx.today())
        if state.member(salesperson_id) is None:
            raise RuleViolation("{name} is not checked in.", field="salesperson", name=sp.name)
        holds = compute_holds(s, ctx, state)
        if salesperson_id == state.next_up(holds):
            raise RuleViolation(
                "{name} is next-up: a walk-in (n) gives them the turn.",
                field="salesperson",
                name=sp.name,
            )
        if salesperson_id in holds and salesperson_id not in state.overrides:
            raise RuleViolation(
                "{name} is held out ({why}): the manager lifts the hold first.",
                field="salesperson",
                name=sp.name,
                why=_t(holds[salesperson_id]),
            )
        rec, waited_since = _walk_in_reception(s, ctx, salesperson_id)
        event = R.RotationEvent(R.EventKind.HAND_TURN, ctx.now(), salesperson_id, reason=reason)
        _append(s, ctx, state, event, rec.id, note=clean or None)
        record_audit(
            s,
            ctx,
            "rotation.hand_turn",
            "reception",
            rec.id,
            None,
            {"salesperson_id": salesperson_id, "reason": reason, "note": clean},
        )
        return _arrival(s, rec, waited_since)
