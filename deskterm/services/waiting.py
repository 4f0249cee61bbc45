"""Visitors waiting for a free salesperson (issue 19): the wait before being greeted.

A walk-in while nobody is free is recorded as a waiting visitor, with the time they came
in. The next walk-in, once someone is free, takes the one who has waited longest
(``rotation.walk_in``: the reception keeps their arrival time and is assigned then); a
visitor who gives up and leaves unserved is marked so. The desk shows each one's wait,
live, and warns when it grows past the shop's ``reception.wait_alert_minutes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from deskterm.domain.text import clean_field
from deskterm.errors import NotFound, RuleViolation
from deskterm.services import rotation
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.setup import load_settings
from deskterm.storage import audit_chain, models, orm


@dataclass(frozen=True)
class Waiting:
    """A visitor still waiting."""

    id: int
    arrived_at: datetime
    note: str


@dataclass(frozen=True)
class WaitingList:
    """Who is waiting today, the longest first, and the shop's alert threshold."""

    visitors: tuple[Waiting, ...]
    alert_minutes: int


@dataclass(frozen=True)
class WalkIn:
    """The outcome of the walk-in question's "first visit": received, or waiting."""

    arrival: rotation.Arrival | None
    waiting: Waiting | None


def _open(s: orm.Session, day: date) -> list[models.WaitingVisitor]:
    return list(
        s.exec(
            orm.select(models.WaitingVisitor)
            .where(
                models.WaitingVisitor.day == day,
                orm.col(models.WaitingVisitor.reception_id).is_(None),
                orm.col(models.WaitingVisitor.left_at).is_(None),
            )
            .order_by(orm.col(models.WaitingVisitor.arrived_at), orm.col(models.WaitingVisitor.id))
        ).all()
    )


def _view(w: models.WaitingVisitor) -> Waiting:
    assert w.id is not None
    return Waiting(w.id, w.arrived_at, w.note)


def _alert_minutes(s: orm.Session) -> int:
    return alert_minutes(load_settings(s))


def alert_minutes(settings: dict[str, str]) -> int:
    """The shop's ``reception.wait_alert_minutes`` (3 if unreadable)."""
    try:
        return int(settings.get("reception.wait_alert_minutes", "3"))
    except ValueError:
        return 3


@permission("rotation")
def waiting_list(ctx: Context, day: date | None = None) -> WaitingList:
    """Today's visitors still waiting, the longest first."""
    with ctx.db.read() as s:
        return WaitingList(tuple(_view(w) for w in _open(s, day or ctx.today())), _alert_minutes(s))


def _add(s: orm.Session, ctx: Context, note: str) -> models.WaitingVisitor:
    w = models.WaitingVisitor(
        day=ctx.today(),
        arrived_at=ctx.now(),
        note=clean_field(note, field="note", max_length=200),
        created_by=ctx.actor_id,
    )
    s.add(w)
    s.flush()
    record_audit(s, ctx, "waiting.add", "waiting_visitor", w.id, None, {"arrived_at": w.arrived_at})
    return w


@permission("rotation")
def add_waiting(ctx: Context, note: str = "") -> Waiting:
    """A visitor came in and waits for a free salesperson (from now)."""
    wanted = audit_chain.wanted(rotation._day_wanted(ctx)).reserve("waiting_visitor")
    with ctx.db.write(wanted) as s:
        if rotation.load_state(s, ctx.today()).closed:
            raise RuleViolation("The day is closed.")
        return _view(_add(s, ctx, note))


@permission("rotation")
def walk_in_or_wait(ctx: Context, salesperson_id: int | None = None) -> WalkIn:
    """The walk-in question's "first visit": next-up receives them, or, when nobody is
    free, they are recorded waiting (no error: their wait is what the desk watches)."""
    # One transaction, its reads asked for with the lock: the desk's walk-in key.
    wanted = audit_chain.wanted(rotation._walk_in_wanted(ctx)).reserve("waiting_visitor")
    with ctx.db.write(wanted) as s:
        state = rotation.load_state(s, ctx.today())
        holds = rotation.compute_holds(s, ctx, state)
        if not state.closed and state.next_up(holds) is None:
            return WalkIn(None, _view(_add(s, ctx, "")))
        return WalkIn(rotation.take_walk_in(s, ctx, state, holds, salesperson_id), None)


@permission("rotation")
def leave(ctx: Context, waiting_id: int | None = None) -> Waiting:
    """A waiting visitor left unserved (``waiting_id``; None: the one who waited longest)."""
    with ctx.db.write() as s:
        if waiting_id is None:
            w = rotation.oldest_waiting(s, ctx.today())
            if w is None:
                raise RuleViolation("Nobody is waiting.")
        else:
            w = s.get(models.WaitingVisitor, waiting_id)
            if w is None:
                raise NotFound("No waiting visitor #{id}.", field="waiting", id=waiting_id)
            if w.reception_id is not None or w.left_at is not None:
                raise RuleViolation("This visitor is no longer waiting.")
        w.left_at = ctx.now()
        record_audit(
            s,
            ctx,
            "waiting.leave",
            "waiting_visitor",
            w.id,
            {"arrived_at": w.arrived_at},
            {"left_at": w.left_at},
        )
        return _view(w)
