"""Escalation of stale customers (DESIGN.md §1.5) for any given today.

- a level whose action is *at risk* (hot): not won within its window → at risk;
- at risk for a further ``lost_after`` → lost, to the marketing pool;
- a level whose action is *reassign* (warm): not upgraded within its window
  (counted from the later of the level and the current owner) → to be reassigned;
- any level with callbacks: no *real* contact for interval + grace → stalled.

Only a real contact resets the stalled clock; the level windows count the time at
the level under the current owner (``level_since`` is derived from the level
history, domain.clocks), so a chat is not progress and a level bounce is no reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from deskterm.domain.durations import add_duration
from deskterm.domain.levels import EscalationAction, LevelRule
from deskterm.i18n import N_


class Status(StrEnum):
    """Where a customer stands."""

    ACTIVE = "active"  # owned by a salesperson, being followed up
    AT_RISK = "at_risk"  # 准战败: hot, not won in time
    LOST = "lost"  # 战败 / 跟丢: in the marketing pool with a reason
    MARKETING = "marketing"  # cold: marketing's unified follow-up
    WON = "won"  # 成交: in customer care


STATUS_LABELS: dict[Status, str] = {
    Status.ACTIVE: N_("active"),
    Status.AT_RISK: N_("at risk"),
    Status.LOST: N_("lost"),
    Status.MARKETING: N_("marketing pool"),
    Status.WON: N_("won (care)"),
}


class EscalationKind(StrEnum):
    """The kinds of deadline a customer can run into."""

    AT_RISK = "at_risk"
    LOST = "lost"
    REASSIGN = "reassign"
    STALLED = "stalled"


@dataclass(frozen=True)
class CustomerClock:
    """The dates the escalation rules look at."""

    level: str
    status: Status
    level_since: date
    status_since: date
    owner_since: date
    last_real_contact: date | None
    created: date


@dataclass(frozen=True)
class Deadline:
    """One escalation deadline: on ``due`` the rule fires."""

    kind: EscalationKind
    due: date

    def days_left(self, today: date) -> int:
        """Days until it fires; zero or negative means it is due."""
        return (self.due - today).days


def deadlines(clock: CustomerClock, rule: LevelRule) -> list[Deadline]:
    """Every deadline that applies to this customer, earliest first."""
    out: list[Deadline] = []
    if clock.status is Status.ACTIVE and rule.escalation and rule.escalation_after:
        # Time at the level under the current owner (level_since comes from the
        # history, domain.clocks): a new owner starts both clocks afresh.
        start = max(clock.level_since, clock.owner_since)
        kind = (
            EscalationKind.AT_RISK
            if rule.escalation is EscalationAction.AT_RISK
            else EscalationKind.REASSIGN
        )
        out.append(Deadline(kind, add_duration(start, rule.escalation_after)))
    if clock.status is Status.AT_RISK:
        lost_after = rule.lost_after or rule.escalation_after
        if lost_after:
            lost_on = add_duration(clock.status_since, lost_after)
            out.append(Deadline(EscalationKind.LOST, lost_on))
    if clock.status in (Status.ACTIVE, Status.AT_RISK) and rule.callback_interval:
        since = clock.last_real_contact or clock.created
        due = add_duration(since, rule.callback_interval)
        if rule.stall_grace:
            due = add_duration(due, rule.stall_grace)
        out.append(Deadline(EscalationKind.STALLED, due))
    return sorted(out, key=lambda d: (d.due, d.kind))


def next_deadline(clock: CustomerClock, rule: LevelRule) -> Deadline | None:
    """The earliest deadline, the one a countdown shows."""
    found = deadlines(clock, rule)
    return found[0] if found else None


def due_escalations(clock: CustomerClock, rule: LevelRule, today: date) -> list[Deadline]:
    """Deadlines that have been reached on ``today``."""
    return [d for d in deadlines(clock, rule) if d.due <= today]


@dataclass(frozen=True)
class HistoryAt:
    """What the history tables say about a customer at the end of one day (issue 15:
    a past day's report is that day's state, not today's)."""

    level: str
    level_since: date
    owner_since: date
    last_real_contact: date | None
    created: date
    won: bool  # won on or before the day
    lost: bool  # lost on or before the day and not come back since
    at_risk_since: date | None  # the stored at-risk date, when on or before the day


def state_at(h: HistoryAt, rule: LevelRule, day: date) -> tuple[CustomerClock, bool]:
    """The customer's clock at the end of ``day``, and whether it is still in a pipeline
    (False: won, lost, or lost by the rules on that day).

    What the start of day would write is worked out here instead: a hot customer past
    its window is at risk from the deadline, and at risk past ``lost_after`` is lost."""
    if h.won or h.lost:
        status = Status.WON if h.won else Status.LOST
        return CustomerClock(
            h.level, status, day, day, h.owner_since, h.last_real_contact, h.created
        ), False
    if rule.to_marketing:
        clock = CustomerClock(
            h.level,
            Status.MARKETING,
            h.level_since,
            h.level_since,
            h.owner_since,
            h.last_real_contact,
            h.created,
        )
        return clock, True
    active = CustomerClock(
        h.level,
        Status.ACTIVE,
        h.level_since,
        h.level_since,
        h.owner_since,
        h.last_real_contact,
        h.created,
    )
    since = h.at_risk_since
    if since is None:
        since = next(
            (d.due for d in due_escalations(active, rule, day) if d.kind is EscalationKind.AT_RISK),
            None,
        )
    if since is None:
        return active, True
    clock = CustomerClock(
        h.level,
        Status.AT_RISK,
        h.level_since,
        since,
        h.owner_since,
        h.last_real_contact,
        h.created,
    )
    if any(d.kind is EscalationKind.LOST for d in due_escalations(clock, rule, day)):
        return clock, False
    return clock, True


def last_start_due_by(day: date, *durations: str) -> date:
    """The last day from which ``durations``, added in turn, land on or before ``day``.

    Adding a duration never moves a later day earlier (31 and 30 January plus a month
    are both 28 February), so a clock started on this day or before is due by ``day``
    and one started after it is not: one date compares for every customer at a level,
    in SQL, instead of a deadline worked out for each.
    """

    def reach(start: date) -> date:
        for text in durations:
            start = add_duration(start, text)
        return start

    # Every duration is longer than zero: from ``day`` itself nothing is due yet.
    k = 1
    while reach(day - timedelta(days=k)) > day:
        k *= 2
    short, enough = k // 2, k  # reach(day - short) > day >= reach(day - enough)
    while enough - short > 1:
        mid = (short + enough) // 2
        if reach(day - timedelta(days=mid)) > day:
            short = mid
        else:
            enough = mid
    return day - timedelta(days=enough)


@dataclass(frozen=True)
class QuietFrom:
    """When an active customer at one level has no deadline due on a day: its level
    clock (the later of the level's and the owner's start) started after
    ``clock_after``, and its last real contact was after ``contact_after`` (None: that
    clock does not run at this level)."""

    clock_after: date | None
    contact_after: date | None


def quiet_from(rule: LevelRule, day: date) -> QuietFrom:
    """The dates an active customer at ``rule``'s level must be past to have nothing
    due on ``day`` (:func:`deadlines`: the level window, and the stall after the
    callback interval and its grace). A marketing level has no clock at all."""
    if rule.to_marketing:
        return QuietFrom(None, None)
    clock_after = None
    if rule.escalation and rule.escalation_after:
        clock_after = last_start_due_by(day, rule.escalation_after)
    contact_after = None
    if rule.callback_interval:
        steps = [rule.callback_interval] + ([rule.stall_grace] if rule.stall_grace else [])
        contact_after = last_start_due_by(day, *steps)
    return QuietFrom(clock_after, contact_after)
