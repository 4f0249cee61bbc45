"""What a callback's outcome decides (DESIGN.md §1.3–1.6), without a database.

Ticking a callback off re-grades the customer and sends them on: another callback
on the level's cadence, marketing's follow-up, customer care, or a lost request for
the manager.  ``decide_outcome`` is that decision from the customer's state, the
outcome chosen and today; ``services.callbacks.complete_callback`` loads, validates,
calls it, writes what it says and audits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from deskterm.domain.clocks import LevelEntry, level_clock_start
from deskterm.domain.escalation import Status
from deskterm.domain.levels import Levels
from deskterm.domain.schedule import NextStep, Outcome, plan_after_contact


@dataclass(frozen=True)
class CustomerState:
    """The customer as the decision needs them (the history drives the level clock)."""

    level: str
    status: Status
    level_since: date  # the current level's clock start (the cadence anchor)
    owner_id: int
    owner_since: date
    history: Sequence[LevelEntry] = ()  # level changes, oldest first (domain.clocks)


@dataclass(frozen=True)
class OutcomeDecision:
    """Everything a callback's outcome changes."""

    level: str  # the level after the call
    level_since: date  # its clock start: a return to a level resumes its clock
    status: Status
    owner_id: int  # who owns the customer (and the next callback) afterwards
    step: NextStep
    next_callback: date | None
    real_contact: bool  # resets the stalled clock (an unanswered call does not)
    upgrade: bool  # this call raised the level (the KPI counts net rises per day)
    win: bool  # to customer care
    lost_request: bool  # the salesperson asks the manager to mark the customer lost


def decide_outcome(
    state: CustomerState,
    outcome: Outcome,
    levels: Levels,
    today: date,
    *,
    new_level: str | None = None,
    appointment: date | None = None,
) -> OutcomeDecision:
    """The customer's level, status, owner and next callback after ``outcome`` today.

    ``new_level`` is a code already checked against ``levels`` (None: unchanged).
    """
    level = new_level or state.level
    since = state.level_since
    if level != state.level:
        # From the history: a bounce back to a level resumes its clock (domain.clocks).
        since = level_clock_start([*state.history, LevelEntry(today, level)], state.owner_since)
    plan = plan_after_contact(levels.get(level), outcome, today, since, appointment)
    status = state.status
    if plan.step is NextStep.CALLBACK and status is Status.MARKETING:
        status = Status.ACTIVE  # re-graded warm by a callback: back to the salesperson
    elif plan.step is NextStep.MARKETING:
        status = Status.MARKETING
    elif plan.step is NextStep.CARE:
        status = Status.WON
    # A lost request leaves the status alone: the manager approves or sends it back.
    return OutcomeDecision(
        level=level,
        level_since=since,
        status=status,
        owner_id=state.owner_id,
        step=plan.step,
        next_callback=plan.due if plan.step is NextStep.CALLBACK else None,
        real_contact=outcome.is_real_contact,
        upgrade=levels.is_upgrade(state.level, level),
        win=plan.step is NextStep.CARE,
        lost_request=plan.step is NextStep.LOST,
    )
