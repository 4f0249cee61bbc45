"""The daily meeting report (DESIGN.md §1.4): one read, figures from the KPI rules.

``as_json`` is the documented contract of ``deskterm report --format json``
(README, "Report JSON").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case
from sqlmodel import col, func, select

from deskterm.domain.kpi import (
    CallbackFact,
    Figures,
    PipelineFact,
    ReceptionFact,
    WinFact,
    meeting_figures,
)
from deskterm.domain.text import parse_day
from deskterm.errors import InvalidInput
from deskterm.services.context import Context
from deskterm.services.escalation import EscalationItem, escalation_lists
from deskterm.services.permissions import permission
from deskterm.services.setup import load_levels, load_settings
from deskterm.storage.models import Callback, Customer, Reception, Staff


@dataclass(frozen=True)
class SalespersonLine:
    """One salesperson's line of the report."""

    id: int
    name: str
    figures: Figures


@dataclass(frozen=True)
class Report:
    """Everything the daily meeting looks at (for one day or a range)."""

    day: date  # the last day of the period
    first: date  # the first day of the period
    window_from: date
    levels: tuple[str, ...]
    team: Figures
    salespeople: tuple[SalespersonLine, ...]
    tomorrow: tuple[tuple[str, int, int], ...]  # (salesperson, due tomorrow, still overdue)
    lists: dict[str, list[EscalationItem]]


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """The day, ISO week (Monday–Sunday) or calendar month that contains ``day``."""
    if kind == "day":
        return day, day
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if kind == "month":
        first = day.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    raise InvalidInput("A period is day, week or month.", field="period")


def parse_range(text: str, today: date) -> tuple[date, date]:
    """A period typed by the manager: ``day``, ``week``, ``month`` (the one containing
    today), ``YYYY-MM`` (a calendar month), ``YYYY-MM-DD`` (one day), or two dates
    ``YYYY-MM-DD YYYY-MM-DD`` (also with ``..`` or ``to`` between them)."""
    raw = text.strip().lower()
    if raw in ("day", "week", "month"):
        return period_bounds(raw, today)
    parts = [p for p in raw.replace("..", " ").replace(" to ", " ").split() if p]
    try:
        if len(parts) == 1 and len(parts[0]) == 7:
            return period_bounds("month", parse_day(parts[0] + "-01", field="range"))
        if len(parts) == 1:
            day = parse_day(parts[0], field="range")
            return day, day
        if len(parts) == 2:
            first = parse_day(parts[0], field="range")
            last = parse_day(parts[1], field="range")
        else:
            raise ValueError(raw)
    except (ValueError, InvalidInput):
        raise InvalidInput(
            "Not a period: type week, month, 2026-10 or 2026-10-01 2026-10-31.", field="range"
        ) from None
    if first > last:
        raise InvalidInput("The period ends before it starts.", field="range")
    return first, last


@permission("meeting")
def daily_report(ctx: Context, day: date | None = None, first: date | None = None) -> Report:
    """The meeting report for ``first``..``day`` (default: today only)."""
    day = day or ctx.today()
    first = first or day
    if first > day:
        raise InvalidInput("The period ends before it starts.", field="from")
    with ctx.db.read() as s:
        settings = load_settings(s)
        window = int(settings["report.rate_window_days"])
        # Rates use the period itself when it is longer than the window.
        window_from = min(first, day - timedelta(days=window - 1))
        levels = load_levels(s)
        staff = {st.id: st for st in s.exec(select(Staff)).all()}
        # Plain columns, not ORM objects: a dealer group's month is thousands of rows.
        rfacts = [
            ReceptionFact(who, d, ch, cid is not None, counted, first_v, filled, total)
            for who, d, ch, cid, counted, first_v, filled, total in s.exec(
                # sqlmodel's select() is typed for at most four columns (fastapi/sqlmodel#271).
                select(  # type: ignore[call-overload]
                    Reception.credited_to_id,
                    Reception.day,
                    Reception.channel,
                    Reception.customer_id,
                    Reception.counted,
                    Reception.first_visit,
                    Reception.form_fields_filled,
                    Reception.form_fields_total,
                ).where(Reception.day >= window_from, Reception.day <= day)
            ).all()
        ]
        d0, d1 = ctx.day_range_utc(first, day)
        # Three index range reads instead of one OR that scans every callback ever made:
        # due in the period, done in it, and due before it but still open at its end.
        cols: tuple[Any, ...] = (
            Callback.id,
            Callback.salesperson_id,
            Callback.due_at,
            Callback.done_at,
            Callback.level_before,
            Callback.level_after,
            Callback.customer_id,
        )
        base = (Callback.kind == "sales", Callback.status != "cancelled")
        found: dict[int, Any] = {}
        for cond in (
            and_(col(Callback.due_at) >= d0, col(Callback.due_at) < d1),
            and_(col(Callback.done_at) >= d0, col(Callback.done_at) < d1),
            and_(col(Callback.status) == "open", col(Callback.due_at) < d0),
        ):
            for row in s.exec(select(*cols).where(*base, cond)).all():
                found[row.id] = row
        # Done after the period and due before it: open at its end. due_at is filtered
        # here because with it in SQL the planner picks the due_at index and reads all.
        for row in s.exec(select(*cols).where(*base, col(Callback.done_at) >= d1)).all():
            if row.due_at < d0:
                found[row.id] = row
        cbs = list(found.values())
        cfacts = [
            CallbackFact(
                c.salesperson_id,
                ctx.local_day(c.due_at),
                ctx.local_day(c.done_at) if c.done_at else None,
                c.level_before,
                c.level_after,
                customer_id=c.customer_id,
                done_at=c.done_at,
            )
            for c in cbs
        ]
        pipe = [
            PipelineFact(o, lv, st, n)
            for o, lv, st, n in s.exec(
                select(Customer.owner_id, Customer.level, Customer.status, func.count())
                .where(col(Customer.status).in_(("active", "at_risk", "marketing")))
                .group_by(col(Customer.owner_id), col(Customer.level), col(Customer.status))
            ).all()
        ]
        w0, _ = ctx.day_range_utc(window_from)
        wins = [
            WinFact(o, ctx.local_day(at))
            for o, at in s.exec(
                select(Customer.owner_id, Customer.won_at).where(
                    col(Customer.won_at) >= w0, col(Customer.won_at) < d1
                )
            ).all()
            if at is not None  # never, after that WHERE; it tells the type checker so
        ]
        sellers = sorted(
            (st for st in staff.values() if st.role == "salesperson" and st.active),
            key=lambda st: st.name,
        )
        figs = meeting_figures(
            day_from=first,
            day_to=day,
            window_from=window_from,
            salespeople=[st.id for st in sellers if st.id is not None],
            receptions=rfacts,
            callbacks=cfacts,
            pipeline=pipe,
            wins=wins,
            levels=levels,
            today=first,
        )
        t0, t1 = ctx.day_range_utc(day + timedelta(days=1))
        # One pass over the open callbacks (partial index), not two queries a person.
        open_counts: dict[int | None, tuple[int, int]] = {
            sid: (int(due or 0), int(over or 0))
            for sid, due, over in s.exec(
                select(
                    Callback.salesperson_id,
                    func.sum(case((col(Callback.due_at) >= t0, 1), else_=0)),
                    func.sum(case((col(Callback.due_at) < t0, 1), else_=0)),
                )
                .where(Callback.status == "open", Callback.due_at < t1)
                .group_by(col(Callback.salesperson_id))
            ).all()
        }
        tomorrow: list[tuple[str, int, int]] = [
            (st.name, *open_counts.get(st.id, (0, 0))) for st in sellers
        ]
        lines = tuple(
            SalespersonLine(sid, staff[sid].name if sid in staff else "?", f)
            for sid, f in sorted(
                figs.per_salesperson.items(),
                key=lambda kv: staff[kv[0]].name if kv[0] in staff else "",
            )
        )
    return Report(
        day,
        first,
        window_from,
        tuple(levels.codes),
        figs.team,
        lines,
        tuple(tomorrow),
        escalation_lists(ctx, day),
    )


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _figures_json(f: Figures, levels: tuple[str, ...]) -> dict[str, Any]:
    return {
        "receptions": f.receptions,
        "with_contact": f.with_contact,
        "without_contact": f.without_contact,
        "by_channel": dict(sorted(f.receptions_by_channel.items())),
        **{code: f.levels.get(code, 0) for code in levels},
        "callbacks_due": f.callbacks_due,
        "callbacks_done": f.callbacks_done,
        "callbacks_overdue": f.callbacks_overdue,
        "upgrades": f.upgrades,
        "won": f.won,
        "conversion_rate": _rate(f.conversion_rate),
        "form_completeness": _rate(f.form_completeness),
        "contact_capture_rate": _rate(f.contact_capture_rate),
    }


def _items_json(items: list[EscalationItem]) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": i.customer_id,
            "name": i.name,
            "level": i.level,
            "owner": i.owner,
            "owner_id": i.owner_id,
            "since": i.due.isoformat(),
            "days_over": i.days_over,
        }
        for i in items
    ]


def as_json(report: Report, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report as the documented JSON contract (``extra``: the manager's sections)."""
    t = report.team
    return {
        "date": report.day.isoformat(),
        "period": {"from": report.first.isoformat(), "to": report.day.isoformat()},
        "rates_window": {"from": report.window_from.isoformat(), "to": report.day.isoformat()},
        "levels": list(report.levels),
        "receptions": {
            "total": t.receptions,
            "with_contact": t.with_contact,
            "without_contact": t.without_contact,
            "uncounted": t.uncounted,
            "by_channel": dict(sorted(t.receptions_by_channel.items())),
        },
        "callbacks": {
            "due": t.callbacks_due,
            "done": t.callbacks_done,
            "overdue": t.callbacks_overdue,
        },
        "team": _figures_json(t, report.levels),
        "salespeople": [
            {"id": line.id, "name": line.name, **_figures_json(line.figures, report.levels)}
            for line in report.salespeople
        ],
        "tomorrow": [
            {"salesperson": n, "callbacks": due, "overdue": over}
            for n, due, over in report.tomorrow
        ],
        "at_risk": _items_json(report.lists["at_risk"]),
        "to_reassign": _items_json(report.lists["to_reassign"]),
        "stalled": _items_json(report.lists["stalled"]),
        **(extra or {}),
    }


@permission("meeting")
def manager_sections(ctx: Context, report: Report) -> dict[str, Any]:
    """Funnel, reasons, pending lost requests and leads to hand out, for the same period."""
    from deskterm.domain.analysis import drop_off
    from deskterm.services import analysis, manager

    names = {line.id: line.name for line in report.salespeople}
    fun = analysis.funnel(ctx, report.first, report.day)
    empty = dict.fromkeys(("received", "registered", "test_drive", "hot", "won"), 0)
    reasons: dict[str, Any] = {}
    for kind in ("no_contact", "lost"):
        rep = analysis.reasons(ctx, kind, report.first, report.day)
        reasons[kind] = {
            "by_reason": dict(rep.table.by_reason.most_common()),
            "by_salesperson": [
                {"name": rep.names.get(sid, "?"), **dict(c)}
                for sid, c in sorted(rep.table.by_salesperson.items())
            ],
            "by_month": rep.table.trend,
            "countermeasures": [
                {
                    "reason": m.reason,
                    "since": m.since.isoformat(),
                    "note": m.note,
                    "before_per_30d": ba.before,
                    "after_per_30d": ba.after,
                }
                for m, ba in rep.countermeasures
            ],
        }
    with ctx.db.read() as s:
        levels = load_levels(s)
    return {
        # Level names for the printed report's columns (the figures stay keyed by code).
        "level_names": {code: levels.get(code).name for code in report.levels},
        "funnel": {
            "team": {**fun.get(None, empty), "drop_off": drop_off(fun.get(None, empty))},
            "salespeople": [
                {
                    "name": names[sid],
                    **fun.get(sid, empty),
                    "drop_off": drop_off(fun.get(sid, empty)),
                }
                for sid in names
            ],
        },
        "reasons": reasons,
        "lost_requests": [
            {
                "customer_id": r.customer_id,
                "name": r.name,
                "level": r.level,
                "owner": r.owner,
                "reason": r.reason,
                "note": r.note,
            }
            for r in manager.pending_lost_requests(ctx)
        ],
        "leads": [
            {
                "customer_id": v.customer_id,
                "name": v.name,
                "source": v.source,
                "since": v.since.isoformat(),
                "note": v.note,
            }
            for v in manager.leads_to_hand_out(ctx)
        ],
    }
