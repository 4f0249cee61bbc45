"""The countermeasure loop (issue 18; the second article): each countermeasure dated on a
reason is looked at again on its review day with the reason per 100 counted receptions
and sales per 100 first visits, before it and since; the manager keeps it (looked at
again a month on), replaces it (a new countermeasure follows it, from today) or closes
it. Every review is kept with the figures seen, so the chain reads back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, select

from deskterm.domain.analysis import REVIEW_DAYS, BeforeAfter, Decision
from deskterm.domain.text import clean_field
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.services.analysis import CountermeasureView, reasons
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.storage.models import Countermeasure, CountermeasureReview


@dataclass(frozen=True)
class ReviewView:
    """One review of a countermeasure, as it was recorded."""

    day: date
    decision: Decision
    note: str
    before_per_100: float | None
    after_per_100: float | None
    sales_before_per_100: float | None
    sales_after_per_100: float | None


@dataclass(frozen=True)
class LoopItem:
    """A countermeasure in the loop: where it stands today and its figures."""

    kind: str  # no_contact | lost
    countermeasure: CountermeasureView
    figures: BeforeAfter
    due: bool  # its review day has come and it is still running
    reviews: tuple[ReviewView, ...]


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def _text(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"[:16]


def _reviews(ctx: Context, ids: list[int]) -> dict[int, list[ReviewView]]:
    out: dict[int, list[ReviewView]] = {}
    if not ids:
        return out
    with ctx.db.read() as s:
        for r in s.exec(
            select(CountermeasureReview)
            .where(col(CountermeasureReview.countermeasure_id).in_(ids))
            .order_by(col(CountermeasureReview.day), col(CountermeasureReview.id))
        ).all():
            out.setdefault(r.countermeasure_id, []).append(
                ReviewView(
                    r.day,
                    Decision(r.decision),
                    r.note,
                    _number(r.before_per_100),
                    _number(r.after_per_100),
                    _number(r.sales_before_per_100),
                    _number(r.sales_after_per_100),
                )
            )
    return out


@permission("meeting")
def loop(ctx: Context, day: date | None = None) -> list[LoopItem]:
    """Every countermeasure dated by ``day`` (default today), the running ones due for a
    review first, then the other running ones, then the closed; each with its figures."""
    day = day or ctx.today()
    items: list[LoopItem] = []
    for kind in ("no_contact", "lost"):
        rep = reasons(ctx, kind, day, day, day)
        for cm, ba in rep.countermeasures:
            running = cm.closed_on is None
            due = running and cm.review_on is not None and cm.review_on <= day
            items.append(LoopItem(kind, cm, ba, due, ()))
    reviews = _reviews(ctx, [i.countermeasure.id for i in items])
    items = [
        LoopItem(
            i.kind, i.countermeasure, i.figures, i.due, tuple(reviews.get(i.countermeasure.id, ()))
        )
        for i in items
    ]
    return sorted(
        items,
        key=lambda i: (
            not i.due,
            i.countermeasure.closed_on is not None,
            i.countermeasure.review_on or date.max,
            i.countermeasure.id,
        ),
    )


@permission("manage")
def review(
    ctx: Context,
    countermeasure_id: int,
    decision: str | Decision,
    note: str = "",
    *,
    replacement: str = "",
) -> int:
    """Record today's review of a running countermeasure with the figures as they stand:
    keep (looked at again in 30 days), replace (``replacement`` is the new
    countermeasure, from today, following this one) or close. Returns the id of the
    countermeasure that runs on (the new one, for a replace)."""
    try:
        d = decision if isinstance(decision, Decision) else Decision(decision.strip().lower())
    except ValueError:
        raise InvalidInput(
            "Decide keep, replace or close (not {text}).", field="decision", text=decision
        ) from None
    text = clean_field(note, field="note", max_length=500)
    new_note = clean_field(replacement, field="replacement", max_length=500)
    if d is Decision.REPLACE and not new_note:
        raise InvalidInput("Say what replaces it.", field="replacement")
    today = ctx.today()
    item = next((i for i in loop(ctx, today) if i.countermeasure.id == countermeasure_id), None)
    if item is None:
        raise NotFound("No countermeasure #{id}.", field="countermeasure", id=countermeasure_id)
    if item.countermeasure.closed_on is not None:
        raise RuleViolation("This countermeasure is already closed.")
    ba = item.figures
    with ctx.db.write() as s:
        row = s.get(Countermeasure, countermeasure_id)
        if row is None or (row.closed_on is not None and row.closed_on <= today):
            raise RuleViolation("This countermeasure is already closed.")
        s.add(
            CountermeasureReview(
                countermeasure_id=countermeasure_id,
                day=today,
                decision=d.value,
                note=text,
                before_per_100=_text(ba.before_per_100),
                after_per_100=_text(ba.after_per_100),
                sales_before_per_100=_text(ba.sales_before_per_100),
                sales_after_per_100=_text(ba.sales_after_per_100),
                by_id=ctx.actor_id,
                at=ctx.now(),
            )
        )
        runs_on = countermeasure_id
        if d is Decision.KEEP:
            row.review_on = today + timedelta(days=REVIEW_DAYS)
        else:
            row.closed_on, row.review_on = today, None
        if d is Decision.REPLACE:
            new = Countermeasure(
                kind=row.kind,
                reason=row.reason,
                since=today,
                note=new_note,
                by_id=ctx.actor_id,
                created_at=ctx.now(),
                review_on=today + timedelta(days=REVIEW_DAYS),
                follows_id=countermeasure_id,
            )
            s.add(new)
            s.flush()
            runs_on = new.id or 0
        record_audit(
            s,
            ctx,
            "countermeasure.review",
            "countermeasure",
            countermeasure_id,
            None,
            {
                "decision": d.value,
                "note": text,
                "replaced_by": runs_on if d is Decision.REPLACE else None,
            },
        )
    return runs_on


@permission("meeting")
def chain(ctx: Context, countermeasure_id: int) -> list[LoopItem]:
    """The countermeasures on one reason that followed each other, first to last, with
    their reviews: what was tried, what the figures said, what was decided."""
    items = {i.countermeasure.id: i for i in loop(ctx)}
    if countermeasure_id not in items:
        raise NotFound("No countermeasure #{id}.", field="countermeasure", id=countermeasure_id)
    first = items[countermeasure_id]
    while first.countermeasure.follows_id in items:
        first = items[first.countermeasure.follows_id or 0]
    out = [first]
    followers = {
        i.countermeasure.follows_id: i for i in items.values() if i.countermeasure.follows_id
    }
    while out[-1].countermeasure.id in followers:
        out.append(followers[out[-1].countermeasure.id])
    return out
