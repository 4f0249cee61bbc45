"""Customer care: won customers leave the sales lists; the care role keeps in touch.

The keep-in-touch schedule is a setting (``care.schedule``, ISO durations counted
from the day of the win, e.g. ``P3D,P1M,P3M,P1Y``); after the last step it
repeats yearly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, func, select

from deskterm.domain.durations import parse_duration
from deskterm.domain.text import clean_field
from deskterm.errors import NotFound, RuleViolation
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.setup import load_settings
from deskterm.storage.models import Callback, Customer, saved_id


def care_steps(value: str) -> list[relativedelta]:
    """The schedule setting as durations (validated)."""
    return [parse_duration(part, field="care.schedule") for part in value.split(",") if part]


def _due(won: date, steps: list[relativedelta], done: int) -> date:
    if done < len(steps):
        return won + steps[done]
    return won + steps[-1] + relativedelta(years=done - len(steps) + 1)


def schedule_first_care(s: Session, ctx: Context, cust: Customer) -> None:
    """Plan the first keep-in-touch call after a win (nothing if no care person)."""
    if cust.care_owner_id is None or cust.won_at is None:
        return
    steps = care_steps(load_settings(s)["care.schedule"])
    s.add(
        Callback(
            customer_id=saved_id(cust.id),
            salesperson_id=cust.care_owner_id,
            kind="care",
            due_at=ctx.day_start(_due(ctx.local_day(cust.won_at), steps, 0)),
            created_at=ctx.now(),
        )
    )


@dataclass(frozen=True)
class CareCall:
    """A keep-in-touch call on the care list."""

    id: int
    customer_id: int
    name: str
    phone: str | None
    model: str | None
    won: date
    due: date
    step: int


@permission("care")
def care_due(ctx: Context, care_id: int, day: date | None = None) -> list[CareCall]:
    """The care person's calls due on ``day`` or overdue, oldest first."""
    day = day or ctx.today()
    _, end = ctx.day_range_utc(day)
    with ctx.db.read() as s:
        rows = s.exec(
            select(Callback, Customer)
            .join(Customer)
            .where(
                Callback.salesperson_id == care_id,
                Callback.kind == "care",
                Callback.status == "open",
                Callback.due_at < end,
            )
            .order_by(col(Callback.due_at))
        ).all()
        out = []
        for cb, c in rows:
            done = s.exec(
                select(func.count())
                .select_from(Callback)
                .where(
                    Callback.customer_id == c.id, Callback.kind == "care", Callback.status == "done"
                )
            ).one()
            out.append(
                CareCall(
                    cb.id or 0,
                    c.id or 0,
                    c.name,
                    c.phone,
                    c.model_interest,
                    ctx.local_day(c.won_at) if c.won_at else day,
                    ctx.local_day(cb.due_at),
                    int(done) + 1,
                )
            )
        return out


@permission("care")
def complete_care(ctx: Context, callback_id: int, note: str = "", reached: bool = True) -> date:
    """Tick a keep-in-touch call off; the next one follows the schedule (returned)."""
    clean = clean_field(note, field="note", max_length=2000, multiline=True)
    with ctx.db.write() as s:
        cb = s.get(Callback, callback_id)
        if cb is None or cb.kind != "care":
            raise NotFound("No callback #{id}.", field="callback", id=callback_id)
        if cb.status != "open":
            raise RuleViolation("This callback is already {status}.", status=cb.status)
        cust = s.get(Customer, cb.customer_id)
        assert cust is not None and cust.won_at is not None
        cb.status, cb.done_at, cb.note = "done", ctx.now(), clean
        cb.outcome = "reached" if reached else "no_answer"
        s.flush()
        steps = care_steps(load_settings(s)["care.schedule"])
        if reached:
            done = s.exec(
                select(func.count())
                .select_from(Callback)
                .where(
                    Callback.customer_id == cust.id,
                    Callback.kind == "care",
                    Callback.status == "done",
                    Callback.outcome == "reached",
                )
            ).one()
            due = _due(ctx.local_day(cust.won_at), steps, int(done))
        else:
            due = ctx.today() + relativedelta(days=1)
        due = max(due, ctx.today() + relativedelta(days=1))
        s.add(
            Callback(
                customer_id=saved_id(cust.id),
                salesperson_id=cb.salesperson_id,
                kind="care",
                due_at=ctx.day_start(due),
                created_at=ctx.now(),
            )
        )
        record_audit(
            s, ctx, "care.done", "callback", cb.id, None, {"reached": reached, "next": due}
        )
        return due
