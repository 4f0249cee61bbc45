"""Monthly targets: set by the manager, spread over the shop's days, read beside the
figures they are for (issue 18; the rules are in domain.targets).

The figures a target is read against are the meeting report's own, for the month so far
(``daily_report`` from the month's first day to the day asked, its rates over that
period alone), so a target and the meeting never disagree on what was done.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, col, select

from deskterm.domain.kpi import Figures
from deskterm.domain.targets import (
    ORDER,
    RATES,
    Measure,
    ShopCalendar,
    Status,
    check_value,
    count_on,
    month_days,
    parse_measure,
    previous_month,
    status,
    target_to_date,
)
from deskterm.domain.text import clean_field
from deskterm.errors import InvalidInput, NotFound
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.report import Report, daily_report
from deskterm.services.setup import load_settings
from deskterm.storage.models import ClosedDay, Staff, Target

#: The setting holding the shop's week: seven weights, Monday first (0 = closed).
WEEK_SETTING = "targets.weekdays"


@dataclass(frozen=True)
class TargetView:
    """One target as screens and the command line show it."""

    month: date
    salesperson_id: int | None  # None: the team
    salesperson: str | None
    measure: Measure
    value: Decimal


@dataclass(frozen=True)
class Progress:
    """One figure against its target, on a day of the month."""

    measure: Measure
    actual: Decimal | None  # a count, or a rate from 0 to 1 (None: nothing to divide by)
    monthly: Decimal | None  # the month's target (None: none set)
    to_date: Decimal | None  # what it should stand at by the end of the day
    status: Status
    tomorrow: int | None  # a count's target for the next day (None: a rate, or no target)


@dataclass(frozen=True)
class PersonProgress:
    """A salesperson's (or the team's) figures against their targets."""

    salesperson_id: int | None
    name: str | None  # None: the team
    rows: tuple[Progress, ...]
    callbacks_tomorrow: int  # open callbacks due the next day, as the day ended

    def row(self, measure: Measure) -> Progress:
        """The row of ``measure``."""
        return next(r for r in self.rows if r.measure is measure)


@dataclass(frozen=True)
class TargetBoard:
    """The month so far against its targets: the team first, then each salesperson."""

    month: date
    day: date
    team: PersonProgress
    people: tuple[PersonProgress, ...]
    any_target: bool  # nothing set this month: the screens say how to set them


# -- reading --------------------------------------------------------------------------


def parse_value(text: str, measure: Measure | None = None) -> Decimal:
    """A number as a manager types it: ``12``, ``85``, ``85%``, ``0.85``, full width too.

    With a ``%`` sign a rate is read as per cent (``1%`` is 0.01, not 100 %); without one,
    above 1 it is per cent and up to 1 a share (``check_value``). A count takes no ``%``.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    percent = cleaned.endswith("%")
    cleaned = cleaned.rstrip("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput("{text} is not a number.", field="value", text=text) from None
    if not value.is_finite():
        raise InvalidInput("{text} is not a number.", field="value", text=text)
    if percent and measure is not None:
        if measure not in RATES:
            raise InvalidInput(
                "A count target is a whole number, 0 or more.", field="value", text=text
            )
        if not 0 <= value <= 100:
            raise InvalidInput(
                "A rate target is a percentage from 0 to 100.", field="value", text=text
            )
        return value / 100
    return value


def check_target(measure: Measure, text: str) -> Decimal:
    """What ``set_target`` would store for ``text`` (a screen's field checks as typed)."""
    value = parse_value(text, measure)
    if measure in RATES and "%" in unicodedata.normalize("NFKC", text):
        return value  # already a share
    return check_value(measure, value)


def _calendar(s: Session) -> ShopCalendar:
    closed = [row.day.isoformat() for row in s.exec(select(ClosedDay)).all()]
    return ShopCalendar.parse(load_settings(s).get(WEEK_SETTING, ""), closed)


@permission("meeting")
def shop_calendar(ctx: Context) -> ShopCalendar:
    """The shop's week and closed days, as targets are spread over them."""
    with ctx.db.read() as s:
        return _calendar(s)


def _views(s: Session, month: date) -> list[TargetView]:
    names = {st.id: st.name for st in s.exec(select(Staff)).all()}
    rows = s.exec(select(Target).where(Target.month == month).order_by(col(Target.id))).all()
    return [
        TargetView(
            r.month,
            r.salesperson_id,
            names.get(r.salesperson_id) if r.salesperson_id is not None else None,
            Measure(r.measure),
            Decimal(r.value),
        )
        for r in rows
        if r.measure in Measure.__members__.values()
    ]


@permission("meeting")
def list_targets(ctx: Context, month: date) -> list[TargetView]:
    """The targets set for ``month`` (its first day), the team's first."""
    with ctx.db.read() as s:
        views = _views(s, month.replace(day=1))
    return sorted(
        views,
        key=lambda v: (v.salesperson_id is not None, v.salesperson or "", ORDER.index(v.measure)),
    )


def _actual(f: Figures, measure: Measure) -> Decimal | None:
    value: float | int | None = {
        Measure.RECEPTIONS: f.receptions,
        Measure.CONTACT_CAPTURE: f.contact_capture_rate,
        Measure.FORM_COMPLETENESS: f.form_completeness,
        Measure.CALLBACKS_ON_TIME: f.callbacks_on_time_rate,
        Measure.UPGRADES: f.upgrades,
        Measure.TEST_DRIVES: f.test_drives,
        Measure.INVITATIONS: f.revisits,
        Measure.SALES: f.won,
    }[measure]
    if value is None:
        return None
    return Decimal(value) if isinstance(value, int) else Decimal(str(round(value, 4)))


def _progress(
    f: Figures,
    targets: dict[Measure, Decimal],
    next_targets: dict[Measure, Decimal],
    day: date,
    shop: ShopCalendar,
) -> tuple[Progress, ...]:
    tomorrow = day + timedelta(days=1)
    rows = []
    for measure in ORDER:
        monthly = targets.get(measure)
        to_date = None if monthly is None else target_to_date(measure, monthly, day, shop)
        actual = _actual(f, measure)
        nxt = next_targets.get(measure)
        rows.append(
            Progress(
                measure,
                actual,
                monthly,
                to_date,
                status(measure, actual, to_date),
                None if measure in RATES or nxt is None else count_on(int(nxt), tomorrow, shop),
            )
        )
    return tuple(rows)


@permission("meeting")
def progress(ctx: Context, day: date | None = None) -> TargetBoard:
    """The month of ``day`` (default today) through ``day``, beside its targets."""
    day = min(day or ctx.today(), ctx.today())
    month = day.replace(day=1)
    report = daily_report(ctx, day, first=month, rates_own=True)
    nxt_month = (day + timedelta(days=1)).replace(day=1)
    with ctx.db.read() as s:
        shop = _calendar(s)
        sellers = {st.id for st in s.exec(select(Staff)).all() if st.role == "salesperson"}
        views = _views(s, month)
        next_views = views if nxt_month == month else _views(s, nxt_month)

    def per(vs: list[TargetView]) -> dict[int | None, dict[Measure, Decimal]]:
        out: dict[int | None, dict[Measure, Decimal]] = {}
        for v in vs:
            out.setdefault(v.salesperson_id, {})[v.measure] = v.value
        return out

    mine, nxt = per(views), per(next_views)
    tomorrow_calls = {
        sid: due
        for sid, (_name, due, _overdue) in zip(report.tomorrow_ids, report.tomorrow, strict=True)
    }
    people = tuple(
        PersonProgress(
            line.id,
            line.name,
            _progress(line.figures, mine.get(line.id, {}), nxt.get(line.id, {}), day, shop),
            tomorrow_calls.get(line.id, 0),
        )
        for line in report.salespeople
        # Salespeople; anyone else only when a target names them (a manager owning leads
        # has figures in the report, but no one sets them targets).
        if line.id in sellers or line.id in mine
    )
    team_targets = _team_targets(mine)
    team_next = _team_targets(nxt)
    team = PersonProgress(
        None,
        None,
        _progress(report.team, team_targets, team_next, day, shop),
        sum(tomorrow_calls.values()),
    )
    return TargetBoard(month, day, team, people, bool(views))


def _team_targets(per: dict[int | None, dict[Measure, Decimal]]) -> dict[Measure, Decimal]:
    """The team's own targets; a count the manager set for nobody in particular is what
    the people's targets add up to (a rate has no such sum: none then)."""
    team = dict(per.get(None, {}))
    for measure in ORDER:
        if measure in team or measure in RATES:
            continue
        values = [t[measure] for sid, t in per.items() if sid is not None and measure in t]
        if values:
            team[measure] = sum(values, Decimal(0))
    return team


# -- writing --------------------------------------------------------------------------


def _salesperson(s: Session, salesperson_id: int | None) -> Staff | None:
    if salesperson_id is None:
        return None
    person = s.get(Staff, salesperson_id)
    if person is None or person.role != "salesperson":
        raise NotFound("No salesperson #{id}.", field="salesperson", id=salesperson_id)
    return person


def _find(s: Session, month: date, salesperson_id: int | None, measure: Measure) -> Target | None:
    who = (
        col(Target.salesperson_id).is_(None)
        if salesperson_id is None
        else col(Target.salesperson_id) == salesperson_id
    )
    return s.exec(
        select(Target).where(Target.month == month, Target.measure == measure.value, who)
    ).first()


@permission("manage")
def set_target(
    ctx: Context,
    month: date,
    measure: str | Measure,
    value: str,
    salesperson_id: int | None = None,
) -> TargetView:
    """Set (or change) the month's target on ``measure`` for a salesperson, or the team.

    A rate is typed as a percentage (``85`` or ``85%``) or a share (``0.85``).
    """
    m = measure if isinstance(measure, Measure) else parse_measure(measure)
    number = check_target(m, value)
    month = month.replace(day=1)
    text = format(number.normalize(), "f")
    if len(text) > 16:
        raise InvalidInput("{text} is not a number.", field="value", text=value)
    with ctx.db.write() as s:
        person = _salesperson(s, salesperson_id)
        row = _find(s, month, salesperson_id, m)
        before = None if row is None else {"value": row.value}
        if row is None:
            row = Target(
                month=month,
                salesperson_id=salesperson_id,
                measure=m.value,
                value=text,
                set_by=ctx.actor_id,
                set_at=ctx.now(),
            )
            s.add(row)
        else:
            row.value, row.set_by, row.set_at = text, ctx.actor_id, ctx.now()
        s.flush()
        record_audit(
            s,
            ctx,
            "target.set",
            "target",
            row.id,
            before,
            {
                "month": month.isoformat()[:7],
                "salesperson_id": salesperson_id,
                "measure": m.value,
                "value": text,
            },
        )
        return TargetView(month, salesperson_id, person.name if person else None, m, number)


@permission("manage")
def clear_target(
    ctx: Context, month: date, measure: str | Measure, salesperson_id: int | None = None
) -> bool:
    """Remove a target; False when there was none."""
    m = measure if isinstance(measure, Measure) else parse_measure(measure)
    with ctx.db.write() as s:
        row = _find(s, month.replace(day=1), salesperson_id, m)
        if row is None:
            return False
        record_audit(
            s, ctx, "target.clear", "target", row.id, {"measure": m.value, "value": row.value}
        )
        s.delete(row)
        return True


@permission("manage")
def copy_last_month(ctx: Context, month: date) -> int:
    """Copy the month before ``month``'s targets into it, for whoever and whatever has none
    there yet (a target already set is the manager's newer word and is kept). Targets of
    people who have left are not carried over. Returns how many were copied."""
    month = month.replace(day=1)
    source = previous_month(month)
    copied = 0
    with ctx.db.write() as s:
        active = {st.id for st in s.exec(select(Staff)).all() if st.active}
        for old in s.exec(select(Target).where(Target.month == source)).all():
            if old.measure not in Measure.__members__.values():
                continue
            if old.salesperson_id is not None and old.salesperson_id not in active:
                continue
            if _find(s, month, old.salesperson_id, Measure(old.measure)) is not None:
                continue
            s.add(
                Target(
                    month=month,
                    salesperson_id=old.salesperson_id,
                    measure=old.measure,
                    value=old.value,
                    set_by=ctx.actor_id,
                    set_at=ctx.now(),
                )
            )
            copied += 1
        if copied:
            record_audit(
                s,
                ctx,
                "target.copy",
                "target",
                None,
                None,
                {"from": source.isoformat()[:7], "to": month.isoformat()[:7], "copied": copied},
            )
    return copied


@permission("manage")
def set_closed_day(ctx: Context, day: date, note: str = "") -> None:
    """Mark ``day`` closed (a holiday): count targets are spread over the other days."""
    note = clean_field(note, field="note", max_length=60)
    with ctx.db.write() as s:
        row = s.get(ClosedDay, day)
        if row is None:
            s.add(ClosedDay(day=day, note=note))
        elif note:
            row.note = note  # closed again without a note: the note it had stays
        record_audit(s, ctx, "closed_day.set", "closed_day", None, None, {"day": day, "note": note})


@permission("manage")
def open_day(ctx: Context, day: date) -> bool:
    """Undo a closed day; False when it was not closed."""
    with ctx.db.write() as s:
        row = s.get(ClosedDay, day)
        if row is None:
            return False
        record_audit(s, ctx, "closed_day.clear", "closed_day", None, {"day": day}, None)
        s.delete(row)
        return True


@permission("meeting")
def closed_days(ctx: Context, month: date) -> list[tuple[date, str]]:
    """The closed days of ``month``'s month."""
    days = month_days(month)
    with ctx.db.read() as s:
        rows = s.exec(
            select(ClosedDay).where(ClosedDay.day >= days[0], ClosedDay.day <= days[-1])
        ).all()
        return sorted((r.day, r.note) for r in rows)


@permission("meeting")
def figures_report(ctx: Context, first: date, last: date) -> Report:
    """The report's figures for ``first``..``last``, rates over it alone, without the
    customers' states (what ``figure_over`` reads)."""
    return daily_report(ctx, last, first=first, rates_own=True, states=False)


#: Counts compared across periods of different lengths are put per this many days.
PER_DAYS = 30


@permission("meeting")
def figure_over(
    ctx: Context, measure: Measure, salesperson_id: int | None, first: date, last: date
) -> Decimal | None:
    """``measure`` for a salesperson (None: the team) over ``first``..``last``, as the
    meeting report counts it: a rate as it is, a count per 30 days (so a before and an
    after of different lengths compare). None when there is nothing to divide by."""
    last = min(last, ctx.today())
    if first > last:
        return None
    return figure_in(figures_report(ctx, first, last), measure, salesperson_id, first, last)


def figure_in(
    report: Report, measure: Measure, salesperson_id: int | None, first: date, last: date
) -> Decimal | None:
    """``figure_over`` from a report already read for ``first``..``last`` (several people's
    figures over one period read once)."""
    if salesperson_id is None:
        figures = report.team
    else:
        figures = next(
            (line.figures for line in report.salespeople if line.id == salesperson_id),
            Figures(),
        )
    value = _actual(figures, measure)
    if value is None or measure in RATES:
        return value
    days = (last - first).days + 1
    return (value * PER_DAYS / days).quantize(Decimal("0.1"))
