"""The traffic log's figures (issue 19): appointments and show rate, the steps of the
sale, visit length and wait, be-backs — pure rules on plain facts.

The storage layer turns rows into these facts (services.traffic); what counts lives
here, table-tested without a database. README, "Report JSON", has the definitions:

- an appointment is *due* when its agreed time falls in the period and it was not
  cancelled by the end of the last day; *shown* when its visit was linked by then;
  a *no-show* when not shown by then and its time plus the grace had passed;
  show rate = shown ÷ (shown + no-show);
- a visit *stopped at* the last step, in the shop's order, it reached (``none``:
  before the first); turn-over = visits with the manager's step ÷ visits;
- a visit's length and its wait are whole minutes (floored); medians as
  ``statistics.median`` gives them (a half minute between two);
- a visit's outcome is the first that holds of sold, test drive, contact, no contact
  (form saved without), no form;
- a be-back is a visit 1 to N days after the customer's first visit.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Outcome(StrEnum):
    """How a visit ended, the first that holds in this order."""

    SOLD = "sold"
    TEST_DRIVE = "test_drive"
    CONTACT = "contact"
    NO_CONTACT = "no_contact"
    NO_FORM = "no_form"


#: The outcomes in their order of precedence (and of the report's ``by_outcome``).
OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)

#: The key of ``stopped_at`` for a visit that reached no step.
NO_STEP = "none"


def whole_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end``, floored; never negative (a clock put
    back, a hand edit: 0, not a visit that ended before it began)."""
    return max(0, int((end - start).total_seconds() // 60))


def median_minutes(values: Iterable[int]) -> int | float | None:
    """The median of whole minutes: an int when whole, x.5 between two; None for none."""
    vals = list(values)
    if not vals:
        return None
    m = statistics.median(vals)
    return int(m) if m == int(m) else float(m)


def rate(n: int, of: int) -> float | None:
    """``n`` ÷ ``of``; None when there is nothing to divide by."""
    return None if of == 0 else n / of


def show_rate(shown: int, no_show: int) -> float | None:
    """Appointments kept ÷ appointments settled (kept or missed); pending ones wait."""
    return rate(shown, shown + no_show)


def is_no_show(at: datetime, grace_minutes: int, end: datetime) -> bool:
    """The agreed time plus the grace had passed by ``end`` (the end of the last day)."""
    return at + timedelta(minutes=grace_minutes) <= end


def classify(*, sold: bool, test_drive: bool, contact: bool, form_saved: bool) -> Outcome:
    """A visit's outcome: the first of sold, test drive, contact, no contact, no form."""
    if sold:
        return Outcome.SOLD
    if test_drive:
        return Outcome.TEST_DRIVE
    if contact:
        return Outcome.CONTACT
    if form_saved:
        return Outcome.NO_CONTACT
    return Outcome.NO_FORM


def is_be_back(first_visit: date, day: date, days: int) -> bool:
    """A visit on ``day`` is a be-back when the customer's first visit was 1 to ``days``
    days before it (the same day is the same visit's day, not a return)."""
    return 1 <= (day - first_visit).days <= days


def stopped_at(ticked: Iterable[str], order: Sequence[str]) -> str:
    """The last step of ``order`` among ``ticked`` (``none`` when none is): where the
    visit stopped, whatever order the steps were ticked in."""
    done = set(ticked)
    last = NO_STEP
    for code in order:
        if code in done:
            last = code
    return last


# -- appointments ------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentFact:
    """One appointment as the report sees it (instants in UTC)."""

    salesperson_id: int
    created_at: datetime
    at: datetime
    status: str  # booked | shown | no_show | cancelled, as stored now
    status_at: datetime | None  # when it took that status (None: from the start)


@dataclass
class AppointmentCounts:
    """A salesperson's (or the team's) appointments of a period."""

    booked: int = 0
    due: int = 0
    shown: int = 0
    no_show: int = 0

    @property
    def show_rate(self) -> float | None:
        return show_rate(self.shown, self.no_show)


def _by_end(status_at: datetime | None, end: datetime) -> bool:
    """The stored status had been taken by ``end`` (undated: always)."""
    return status_at is None or status_at < end


def appointment_counts(
    facts: Iterable[AppointmentFact],
    start: datetime,
    end: datetime,
    grace_minutes: int,
    now: datetime | None = None,
) -> dict[int | None, AppointmentCounts]:
    """Booked, due, shown and no-show per salesperson (key None: the team) for the
    period [``start``, ``end``) as things stood at ``end``. A period that ends today
    judges no-shows at ``now``: this afternoon's appointment is not missed this morning."""
    out: dict[int | None, AppointmentCounts] = {None: AppointmentCounts()}
    judged = end if now is None else min(end, now)
    for f in facts:
        if f.created_at >= end:
            continue  # not booked yet at the end of the period
        keys = (None, f.salesperson_id)
        counts = [out.setdefault(k, AppointmentCounts()) for k in keys]
        if start <= f.created_at:
            for c in counts:
                c.booked += 1
        if not start <= f.at < end:
            continue
        if f.status == "cancelled" and _by_end(f.status_at, end):
            continue
        shown = f.status == "shown" and _by_end(f.status_at, end)
        missed = not shown and is_no_show(f.at, grace_minutes, judged)
        for c in counts:
            c.due += 1
            c.shown += shown
            c.no_show += missed
    return out


# -- steps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitSteps:
    """A visit and the steps ticked on it by the end of the period."""

    salesperson_id: int  # who received the visitor
    steps: frozenset[str]


@dataclass
class StepCounts:
    """Visits, how many reached each step, and where they stopped."""

    visits: int = 0
    reached: dict[str, int] = field(default_factory=dict)
    stopped_at: dict[str, int] = field(default_factory=dict)
    turned_over: int = 0

    @property
    def turn_over_rate(self) -> float | None:
        return rate(self.turned_over, self.visits)


def step_counts(
    visits: Iterable[VisitSteps], order: Sequence[str], turn_over_step: str
) -> dict[int | None, StepCounts]:
    """Per salesperson (None: the team): the visits, each step's count, where each
    visit stopped (every code of ``order`` and ``none`` present) and the turn-overs."""

    def fresh() -> StepCounts:
        return StepCounts(
            reached=dict.fromkeys(order, 0), stopped_at=dict.fromkeys([*order, NO_STEP], 0)
        )

    out: dict[int | None, StepCounts] = {None: fresh()}
    for v in visits:
        stop = stopped_at(v.steps, order)
        for key in (None, v.salesperson_id):
            c = out.get(key)
            if c is None:
                c = out[key] = fresh()
            c.visits += 1
            for code in v.steps:
                if code in c.reached:
                    c.reached[code] += 1
            c.stopped_at[stop] += 1
            c.turned_over += turn_over_step in v.steps
    return out


# -- visit length ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitTime:
    """An ended visit: its length, its wait (whole minutes), and how it ended."""

    salesperson_id: int
    minutes: int
    wait_minutes: int
    waited_over: bool  # the wait passed the shop's alert
    outcome: Outcome


@dataclass(frozen=True)
class MinuteFigures:
    """Visits that ended, their median length and median wait, and the long waits."""

    visits: int
    median: int | float | None
    wait_median: int | float | None
    waited_over_alert: int


def minute_figures(times: Iterable[VisitTime]) -> dict[int | None, MinuteFigures]:
    """Per salesperson (None: the team)."""
    groups: dict[int | None, list[VisitTime]] = {None: []}
    for t in times:
        groups[None].append(t)
        groups.setdefault(t.salesperson_id, []).append(t)
    return {
        k: MinuteFigures(
            len(v),
            median_minutes(t.minutes for t in v),
            median_minutes(t.wait_minutes for t in v),
            sum(t.waited_over for t in v),
        )
        for k, v in groups.items()
    }


def by_outcome(times: Iterable[VisitTime]) -> dict[Outcome, tuple[int, int | float | None]]:
    """Each outcome (all present, in order): its visits and their median length."""
    groups: dict[Outcome, list[int]] = {o: [] for o in OUTCOMES}
    for t in times:
        groups[t.outcome].append(t.minutes)
    return {o: (len(v), median_minutes(v)) for o, v in groups.items()}


# -- be-backs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitReturn:
    """A visit of the period for the be-back count."""

    credited_to_id: int
    day: date
    first_visit: bool  # a counted first visit (the rate's base)
    customer_first_day: date | None  # the customer's first visit's day (None: none known)


@dataclass
class BeBackCounts:
    """First visits and be-backs credited to a salesperson (or the team)."""

    first_visits: int = 0
    be_backs: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.be_backs, self.first_visits)


def be_back_counts(visits: Iterable[VisitReturn], days: int) -> dict[int | None, BeBackCounts]:
    """Per salesperson (None: the team)."""
    out: dict[int | None, BeBackCounts] = {None: BeBackCounts()}
    for v in visits:
        back = v.customer_first_day is not None and is_be_back(v.customer_first_day, v.day, days)
        for key in (None, v.credited_to_id):
            c = out.setdefault(key, BeBackCounts())
            c.first_visits += v.first_visit
            c.be_backs += back
    return out


# -- coaching: where a salesperson's visits fall behind the team's ------------------------


def step_shares(reached: dict[str, int], visits: int, order: Sequence[str]) -> dict[str, float]:
    """Each step's share of the visits that reached it (empty when there was no visit)."""
    if visits == 0:
        return {}
    return {code: reached.get(code, 0) / visits for code in order}


def widest_gap(
    mine: dict[str, float], team: dict[str, float], order: Sequence[str]
) -> tuple[str, float, float] | None:
    """The step a salesperson's visits reach least often against the team's — the
    largest share behind, the first in the shop's order on a tie — as (step, theirs,
    team's); None when they are behind on none (or had no visit)."""
    best: tuple[str, float, float] | None = None
    for code in order:
        if code not in mine or code not in team:
            continue
        gap = team[code] - mine[code]
        if gap > 0 and (best is None or gap > best[2] - best[1]):
            best = (code, mine[code], team[code])
    return best
