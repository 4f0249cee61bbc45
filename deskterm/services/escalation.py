"""Applying the escalation rules to the database (DESIGN.md §1.5).

``run_escalations`` is idempotent: it changes a customer's status only when a
deadline has passed and the status is still the one the rule starts from, and it
dates the change on the deadline itself, so running it twice (or late) changes
nothing more and shifts no window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from deskterm.domain.escalation import EscalationKind, Status, due_escalations
from deskterm.services.callbacks import customer_clock
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.reception import reschedule
from deskterm.services.setup import load_levels
from deskterm.storage.models import Customer, Staff


@dataclass(frozen=True)
class EscalationItem:
    """A customer on one of the manager's lists."""

    customer_id: int
    name: str
    level: str
    owner_id: int
    owner: str
    kind: str
    due: date
    days_over: int


@dataclass(frozen=True)
class EscalationRun:
    """What a run changed."""

    to_at_risk: int
    to_lost: int


@permission("system")
def run_escalations(ctx: Context) -> EscalationRun:
    """Move overdue hot customers to at risk and overdue at-risk customers to lost."""
    today = ctx.today()
    at_risk = lost = 0
    with ctx.db.write() as s:
        levels = load_levels(s)
        # Decide on light rows; load the few whole customers that actually move.
        moving = [
            r.id
            for r in _clock_rows(s)
            if any(
                d.kind in (EscalationKind.AT_RISK, EscalationKind.LOST)
                for d in due_escalations(customer_clock(ctx, r), levels.get(r.level), today)
            )
        ]
        rows = [s.get(Customer, cid) for cid in moving]
        for c in rows:
            assert c is not None
            for d in due_escalations(customer_clock(ctx, c), levels.get(c.level), today):
                when = ctx.day_start(d.due)
                if d.kind is EscalationKind.AT_RISK and c.status == Status.ACTIVE.value:
                    c.status, c.status_since = Status.AT_RISK.value, when
                    at_risk += 1
                    record_audit(
                        s,
                        ctx,
                        "escalation.at_risk",
                        "customer",
                        c.id,
                        {"status": "active"},
                        {"status": "at_risk"},
                    )
                    # The lost window starts now: look again with the new status.
                    for d2 in due_escalations(customer_clock(ctx, c), levels.get(c.level), today):
                        if d2.kind is EscalationKind.LOST:
                            _lose(s, ctx, c, d2.due)
                            lost += 1
                    break
                if d.kind is EscalationKind.LOST and c.status == Status.AT_RISK.value:
                    _lose(s, ctx, c, d.due)
                    lost += 1
                    break
    return EscalationRun(at_risk, lost)


def _clock_rows(s: Session, with_name: bool = False) -> Sequence[Any]:
    """Active and at-risk customers as light rows: only what the rules read (an ORM
    object per customer costs ten times more on a dealer group's 200,000)."""
    cols: list[Any] = [
        Customer.id,
        Customer.level,
        Customer.status,
        Customer.owner_id,
        Customer.level_since,
        Customer.status_since,
        Customer.owner_since,
        Customer.last_contact_at,
        Customer.created_at,
    ]
    if with_name:
        cols.append(Customer.name)
    return s.exec(
        select(*cols).where(col(Customer.status).in_((Status.ACTIVE.value, Status.AT_RISK.value)))
    ).all()


def _lose(s: Session, ctx: Context, c: Customer, due: date) -> None:
    when = ctx.day_start(due)
    c.status, c.status_since, c.lost_at = Status.LOST.value, when, when
    c.lost_reason = "no_progress"
    reschedule(s, ctx, c, None, c.owner_id)
    record_audit(
        s,
        ctx,
        "escalation.lost",
        "customer",
        c.id,
        {"status": "at_risk"},
        {"status": "lost", "lost_reason": "no_progress"},
    )


@permission("meeting")
def escalation_lists(ctx: Context, today: date | None = None) -> dict[str, list[EscalationItem]]:
    """The manager's lists for ``today``: at_risk, to_reassign, stalled."""
    today = today or ctx.today()
    out: dict[str, list[EscalationItem]] = {"at_risk": [], "to_reassign": [], "stalled": []}
    with ctx.db.read() as s:
        levels = load_levels(s)
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        for c in _clock_rows(s, with_name=True):
            clock = customer_clock(ctx, c)

            def item(kind: str, due: date, c: Any = c) -> EscalationItem:
                return EscalationItem(
                    c.id or 0,
                    c.name,
                    c.level,
                    c.owner_id,
                    names.get(c.owner_id, "?"),
                    kind,
                    due,
                    (today - due).days,
                )

            if c.status == Status.AT_RISK.value:
                out["at_risk"].append(item("at_risk", clock.status_since))
            for d in due_escalations(clock, levels.get(c.level), today):
                if d.kind is EscalationKind.REASSIGN:
                    out["to_reassign"].append(item("reassign", d.due))
                elif d.kind is EscalationKind.STALLED:
                    out["stalled"].append(item("stalled", d.due))
    for items in out.values():
        items.sort(key=lambda i: (-i.days_over, i.customer_id))
    return out
