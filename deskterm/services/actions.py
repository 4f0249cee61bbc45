"""Action plans: what the manager decided to do about a red figure, a reason or a stale
list, who does it by when, and — once closed — what happened to the figure (issue 18).

The figure an action should move is measured as the meeting report measures it
(``targets.figure_over``): when recorded, over the 30 days before (the baseline); when
closed, from the day it was recorded to the day it is closed (the after), a count put
per 30 days so the two compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import col, or_, select

from deskterm.domain.coaching import ActionState, action_state
from deskterm.domain.targets import Measure, parse_measure
from deskterm.domain.text import clean_field
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.targets import figure_over
from deskterm.storage.models import ActionPlan, Staff

#: Where an action may come from: a figure, a reason (``reason:<code>``), a stale list.
SOURCES = ("figure", "reason", "stale")
#: The days before an action's recording that its baseline covers.
BASELINE_DAYS = 30


@dataclass(frozen=True)
class ActionView:
    """An action plan as the screens and the command line show it."""

    id: int
    what: str
    owner_id: int
    owner: str
    due: date
    state: ActionState
    measure: Measure | None
    salesperson_id: int | None
    salesperson: str | None  # whose figure; None: the team's (or no figure)
    source: str
    recorded: date
    baseline: Decimal | None
    outcome: str | None
    after: Decimal | None
    closed: date | None = None  # the day it was closed (by the day asked)


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")[:16]


def _check_source(source: str) -> str:
    kind = source.split(":", 1)[0]
    if kind not in SOURCES or len(source) > 60:
        raise InvalidInput(
            "An action comes from a figure, a reason (reason:<code>) or a stale list "
            "(stale:<list>), not {text}.",
            field="source",
            text=source,
        )
    return source


def check_what(text: str) -> str:
    """An action's text as ``record_action`` takes it (a field checks as it is typed)."""
    clean = clean_field(text, field="what", max_length=200)
    if not clean:
        raise InvalidInput("Say what is to be done.", field="what")
    return clean


def check_outcome(text: str) -> str:
    """A closing outcome as ``close_action`` takes it."""
    clean = clean_field(text, field="outcome", max_length=500)
    if not clean:
        raise InvalidInput("Say what happened.", field="outcome")
    return clean


def check_due(text: str, today: date) -> date:
    """An action's day as ``record_action`` takes it: a date, not in the past."""
    from deskterm.domain.text import parse_day

    due = parse_day(text, field="due")
    if due < today:
        raise InvalidInput("The action's day is in the past.", field="due")
    return due


@permission("manage")
def record_action(
    ctx: Context,
    what: str,
    owner_id: int,
    due: date,
    measure: str | Measure | None = None,
    salesperson_id: int | None = None,
    source: str = "figure",
) -> ActionView:
    """Record an action: what, who does it (``owner_id``), by when, and the figure it
    should move (``measure`` of ``salesperson_id``, or of the team), measured now."""
    text = check_what(what)
    today = ctx.today()
    if due < today:
        raise InvalidInput("The action's day is in the past.", field="due")
    m = None if measure is None or isinstance(measure, Measure) else parse_measure(measure)
    m = measure if isinstance(measure, Measure) else m
    source = _check_source(source)
    baseline = (
        None
        if m is None
        else figure_over(
            ctx, m, salesperson_id, today - timedelta(days=BASELINE_DAYS), today - timedelta(days=1)
        )
    )
    with ctx.db.write() as s:
        owner = s.get(Staff, owner_id)
        if owner is None or not owner.active:
            raise NotFound("No staff member #{id}.", field="owner", id=owner_id)
        if salesperson_id is not None:
            person = s.get(Staff, salesperson_id)
            if person is None or person.role != "salesperson":
                raise NotFound("No salesperson #{id}.", field="salesperson", id=salesperson_id)
        row = ActionPlan(
            created_at=ctx.now(),
            created_by=ctx.actor_id,
            what=text,
            owner_id=owner_id,
            due=due,
            measure=None if m is None else m.value,
            salesperson_id=salesperson_id,
            source=source,
            baseline=_text(baseline),
        )
        s.add(row)
        s.flush()
        record_audit(
            s,
            ctx,
            "action.record",
            "action_plan",
            row.id,
            None,
            {"what": text, "owner_id": owner_id, "due": due, "measure": row.measure},
        )
        action_id = row.id
    return get_action(ctx, action_id or 0)


@permission("manage")
def close_action(ctx: Context, action_id: int, outcome: str) -> ActionView:
    """Close an action with what happened; the figure it was to move is measured again
    (from the day it was recorded to today)."""
    text = check_outcome(outcome)
    with ctx.db.read() as s:
        row = s.get(ActionPlan, action_id)
        if row is None:
            raise NotFound("No action #{id}.", field="action", id=action_id)
        if row.closed_at is not None:
            raise RuleViolation("This action is already closed.")
        measure, sid = row.measure, row.salesperson_id
        since = ctx.local_day(row.created_at)
    after = None
    if measure is not None and measure in Measure.__members__.values():
        after = figure_over(ctx, Measure(measure), sid, since, ctx.today())
    with ctx.db.write() as s:
        row = s.get(ActionPlan, action_id)
        if row is None or row.closed_at is not None:
            raise RuleViolation("This action is already closed.")
        row.closed_at, row.closed_by = ctx.now(), ctx.actor_id
        row.outcome, row.after_value = text, _text(after)
        record_audit(
            s,
            ctx,
            "action.close",
            "action_plan",
            row.id,
            None,
            {"outcome": text, "after": row.after_value},
        )
    return get_action(ctx, action_id)


def _measure(code: str | None) -> Measure | None:
    try:
        return None if code is None else Measure(code)
    except ValueError:
        return None  # a measure a later version added and this one does not know


def _views(
    ctx: Context, rows: list[ActionPlan], names: dict[int, str], day: date | None = None
) -> list[ActionView]:
    today = day or ctx.today()
    _start, end = ctx.day_range_utc(today)
    return [
        ActionView(
            r.id or 0,
            r.what,
            r.owner_id,
            names.get(r.owner_id, "?"),
            r.due,
            action_state(r.due, r.closed_at is not None and r.closed_at < end, today),
            _measure(r.measure),
            r.salesperson_id,
            names.get(r.salesperson_id) if r.salesperson_id is not None else None,
            r.source,
            ctx.local_day(r.created_at),
            _number(r.baseline),
            r.outcome if r.closed_at is not None and r.closed_at < end else None,
            _number(r.after_value) if r.closed_at is not None and r.closed_at < end else None,
            ctx.local_day(r.closed_at) if r.closed_at is not None and r.closed_at < end else None,
        )
        for r in rows
        if r.created_at < end  # recorded by the end of the day
    ]


@permission("meeting")
def get_action(ctx: Context, action_id: int) -> ActionView:
    """One action plan."""
    with ctx.db.read() as s:
        row = s.get(ActionPlan, action_id)
        if row is None:
            raise NotFound("No action #{id}.", field="action", id=action_id)
        names = {st.id or 0: st.name for st in s.exec(select(Staff)).all()}
        return _views(ctx, [row], names)[0]


@permission("meeting")
def list_actions(
    ctx: Context, *, include_closed: bool = False, limit: int = 300, day: date | None = None
) -> list[ActionView]:
    """Open actions, most urgent first (overdue, due today, then by day); with
    ``include_closed`` the closed ones follow, latest first. ``day``: as they stood at
    its end (recorded by then; open unless closed by then)."""
    _start, end = ctx.day_range_utc(day or ctx.today())
    with ctx.db.read() as s:
        names = {st.id or 0: st.name for st in s.exec(select(Staff)).all()}
        q = select(ActionPlan).where(col(ActionPlan.created_at) < end)
        if not include_closed:
            q = q.where(or_(col(ActionPlan.closed_at).is_(None), col(ActionPlan.closed_at) >= end))
        rows = list(s.exec(q.order_by(col(ActionPlan.due), col(ActionPlan.id)).limit(limit)).all())
        views = _views(ctx, rows, names, day)
    open_ = [v for v in views if v.state is not ActionState.CLOSED]
    closed = sorted((v for v in views if v.state is ActionState.CLOSED), key=lambda v: -v.id)
    return open_ + closed
