"""Queries behind the manager's analyses; the counting rules are in domain.analysis."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from deskterm.domain import analysis as A
from deskterm.errors import InvalidInput, NotFound
from deskterm.services.context import Context
from deskterm.services.permissions import permission
from deskterm.services.setup import load_levels
from deskterm.storage.models import (
    Countermeasure,
    CountermeasureReview,
    Customer,
    LevelChange,
    Reception,
    Staff,
)


def _reason_facts(ctx: Context, kind: str, first: date, last: date) -> list[A.ReasonFact]:
    """The facts between ``first`` and ``last`` only: years of history stay on disk."""
    with ctx.db.read() as s:
        return _reason_facts_in(s, ctx, kind, first, last)


def _reason_facts_in(
    s: Session, ctx: Context, kind: str, first: date, last: date
) -> list[A.ReasonFact]:
    """The reason facts of ``kind`` between ``first`` and ``last``, read in ``s`` (a
    use-case that reads more keeps them in its one snapshot: services.trends)."""
    if kind == "no_contact":
        return [
            A.ReasonFact(reason or "", who, day)
            for reason, who, day in s.exec(
                select(
                    Reception.no_contact_reason, Reception.credited_to_id, col(Reception.day)
                ).where(
                    Reception.day >= first,
                    Reception.day <= last,
                    col(Reception.no_contact_reason).is_not(None),
                )
            ).all()
        ]
    if kind == "lost":
        start, end = ctx.day_range_utc(first, last)
        return [
            A.ReasonFact(reason or "", who, ctx.local_day(at))
            for reason, who, at in s.exec(
                select(Customer.lost_reason, Customer.owner_id, Customer.lost_at).where(
                    col(Customer.lost_reason).is_not(None),
                    col(Customer.lost_at) >= start,
                    col(Customer.lost_at) < end,
                )
            ).all()
            if at
        ]
    raise InvalidInput("Reasons are no_contact or lost.", field="kind")


@dataclass(frozen=True)
class CountermeasureView:
    """A countermeasure dated on a reason."""

    id: int
    reason: str
    since: date
    note: str
    review_on: date | None = None  # the next look, while it runs
    closed_on: date | None = None  # closed or replaced that day (by the day asked)
    follows_id: int | None = None  # the countermeasure it replaced
    decision: str | None = None  # the last review's decision (by the day asked)


@dataclass(frozen=True)
class ReasonsReport:
    """Reasons of one kind over a period, with countermeasures and their before/after."""

    kind: str
    table: A.ReasonsTable
    countermeasures: list[tuple[CountermeasureView, A.BeforeAfter]]
    names: dict[int, str]


def _volume(ctx: Context, first: date, last: date) -> tuple[list[date], list[date], list[date]]:
    """Days of the counted receptions, of the counted first visits and of the wins between
    ``first`` and ``last``: what a countermeasure's before/after is measured against."""
    start, end = ctx.day_range_utc(first, last)
    with ctx.db.read() as s:
        rows = s.exec(
            select(col(Reception.day), col(Reception.first_visit)).where(
                col(Reception.day) >= first,
                col(Reception.day) <= last,
                col(Reception.counted) == True,  # noqa: E712
            )
        ).all()
        wins = s.exec(
            select(Customer.won_at).where(col(Customer.won_at) >= start, col(Customer.won_at) < end)
        ).all()
    return (
        [d for d, _ in rows],
        [d for d, first_visit in rows if first_visit],
        [ctx.local_day(at) for at in wins if at is not None],
    )


@permission("meeting")
def reasons(
    ctx: Context, kind: str, first: date, last: date, today: date | None = None
) -> ReasonsReport:
    """Why visitors left no contact / why customers were lost: by reason, person, month.

    Countermeasures are judged as of ``today`` (default: the real today; a past day's
    report passes its own day, and countermeasures dated after it are not shown)."""
    if kind not in ("no_contact", "lost"):
        raise InvalidInput("Reasons are no_contact or lost.", field="kind")
    today = today or ctx.today()
    with ctx.db.read() as s:
        names = {st.id: st.name for st in s.exec(select(Staff)).all() if st.id is not None}
        rows = s.exec(
            select(Countermeasure)
            .where(Countermeasure.kind == kind, Countermeasure.since <= today)
            .order_by(col(Countermeasure.since), col(Countermeasure.id))
        ).all()
        # The last review by ``today`` of each: its decision, and its day for a keep.
        decided: dict[int, tuple[date, str]] = {}
        for review in s.exec(
            select(CountermeasureReview)
            .where(CountermeasureReview.day <= today)
            .order_by(col(CountermeasureReview.day), col(CountermeasureReview.id))
        ).all():
            decided[review.countermeasure_id] = (review.day, review.decision)

        def next_review(m: Countermeasure) -> date | None:
            """The review day as it stood at the end of ``today``."""
            if m.closed_on is not None and m.closed_on <= today:
                return None
            last = decided.get(m.id or 0)
            if last is not None:
                return last[0] + timedelta(days=A.REVIEW_DAYS)
            return max(m.since, ctx.local_day(m.created_at)) + timedelta(days=A.REVIEW_DAYS)

        marks = [
            CountermeasureView(
                m.id or 0,
                m.reason,
                m.since,
                m.note,
                next_review(m),
                m.closed_on if m.closed_on is not None and m.closed_on <= today else None,
                m.follows_id,
                decided[m.id or 0][1] if (m.id or 0) in decided else None,
            )
            for m in rows
        ]
    # Before/after a countermeasure looks up to three months either side of its date.
    lo = min([first, *[m.since - relativedelta(months=3) for m in marks]])
    hi = max(last, today)
    facts = _reason_facts(ctx, kind, lo, hi)
    table = A.reasons_table(facts, first, last)
    recs, visits, wins = _volume(ctx, lo, hi) if marks else ([], [], [])
    return ReasonsReport(
        kind,
        table,
        [
            (
                m,
                A.before_after(
                    facts,
                    m.reason,
                    m.since,
                    A.judged_until(today, m.closed_on),
                    3,
                    recs,
                    visits,
                    wins,
                ),
            )
            for m in marks
        ],
        names,
    )


@permission("meeting")
def funnel(ctx: Context, first: date, last: date) -> dict[int | None, dict[str, int]]:
    """First visits in the period and how far each got by the end of ``last``, per
    salesperson and for the team."""
    _, end = ctx.day_range_utc(first, last)
    with ctx.db.read() as s:
        top = list(load_levels(s))[0].code
        reached_top = set(
            s.exec(
                select(LevelChange.customer_id).where(
                    LevelChange.to_level == top, LevelChange.at < end
                )
            ).all()
        )
        rows = s.exec(
            select(Reception, Customer)
            .join(Customer, isouter=True)
            .where(
                Reception.day >= first,
                Reception.day <= last,
                Reception.counted == True,  # noqa: E712
                Reception.first_visit == True,  # noqa: E712
            )
        ).all()
        facts = [
            A.VisitorFact(
                r.credited_to_id,
                c is not None,
                bool(r.test_drive) and c is not None,
                c is not None and c.id in reached_top,
                c is not None and c.won_at is not None and c.won_at < end,
            )
            for r, c in rows
        ]
    return A.funnel(facts)


@permission("customers")
def level_history(ctx: Context, customer_id: int) -> list[tuple[A.LevelSpan, str | None]]:
    """Each level the customer was at, how long, and who set it."""
    with ctx.db.read() as s:
        if s.get(Customer, customer_id) is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        changes = [
            (ctx.local_day(lc.at), lc.to_level, lc.by_id, lc.source)
            for lc in s.exec(
                select(LevelChange)
                .where(LevelChange.customer_id == customer_id)
                .order_by(col(LevelChange.at), col(LevelChange.id))
            ).all()
        ]
    return [(span, names.get(span.by) if span.by else None) for span in A.level_spans(changes)]


@permission("meeting")
def coaching(
    ctx: Context, salesperson_id: int, first: date, last: date
) -> tuple[dict[str, A.CoachingMonth], Counter[str]]:
    """A salesperson's form completeness and contact capture by month; fields left empty."""
    with ctx.db.read() as s:
        rows = s.exec(
            select(Reception).where(
                Reception.credited_to_id == salesperson_id,
                Reception.counted == True,  # noqa: E712
                Reception.day >= first,
                Reception.day <= last,
                col(Reception.form_saved_at).is_not(None),
            )
        ).all()
        facts = [
            A.FormFact(
                r.day,
                r.customer_id is not None,
                r.form_fields_filled,
                r.form_fields_total,
                tuple(x for x in (r.form_missing or "").split(",") if x),
            )
            for r in rows
        ]
    return A.coaching(facts, first, last)
