"""The traffic log's figures for a period (issue 19): appointments and show rate, the
steps of the sale, visit length and wait, be-backs — as things stood at the end of the
period's last day, like every figure of the meeting report (README, "The state at the
end of `date`").

One read transaction, a handful of set-based reads (no read per visit or customer);
the rules are domain.traffic's. ``sections`` gives the report JSON's four keys
(``appointments``, ``steps``, ``visit_minutes``, ``be_backs``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, func, select

from deskterm.domain import traffic as T
from deskterm.i18n import get_language
from deskterm.services.context import Context
from deskterm.services.permissions import permission
from deskterm.services.setup import TURN_OVER_STEP, load_settings
from deskterm.storage.models import (
    Appointment,
    Customer,
    Reason,
    Reception,
    ReceptionStep,
    Staff,
)

#: Arrivals by phone or online are not showroom visits (their ended_at is their arrival).
REMOTE_CHANNELS = ("phone", "online")

#: The keys of a line of ``steps`` beside the step codes (a code never overrides them).
_LINE_KEYS = ("id", "name", "visits", "stopped_at", "turn_over_rate")

#: The four keys this module adds to the report JSON, in their order.
KEYS = ("appointments", "steps", "visit_minutes", "be_backs")


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _visits_of(first: date, last: date) -> Any:
    """The WHERE of the period's visits: counted, in the showroom, on its days."""
    return and_(
        col(Reception.day) >= first,
        col(Reception.day) <= last,
        col(Reception.counted) == True,  # noqa: E712
        col(Reception.channel).not_in(REMOTE_CHANNELS),
    )


@permission("meeting")
def sections(
    ctx: Context, first: date, last: date, people: list[tuple[int, str]] | None = None
) -> dict[str, Any]:
    """The four traffic sections of the report for ``first``..``last`` as they stood at
    the end of ``last``. ``people``: the salespeople's lines, in order (default: the
    active salespeople by name); anyone else the period's rows credit is added after
    them, by name."""
    start, end = ctx.day_range_utc(first, last)
    zh = get_language() == "zh"
    with ctx.db.read() as s:
        settings = load_settings(s)
        grace = int(settings["appointments.grace_minutes"])
        alert = int(settings["reception.wait_alert_minutes"])
        back_days = int(settings["report.be_back_days"])
        # Plain values: the people's lines are made after the read.
        staff = {
            st.id: (st.name, st.role == "salesperson" and st.active)
            for st in s.exec(select(Staff)).all()
            if st.id is not None
        }
        appts = [
            T.AppointmentFact(*row)
            for row in s.exec(
                select(  # type: ignore[call-overload]
                    Appointment.salesperson_id,
                    Appointment.created_at,
                    Appointment.at,
                    Appointment.status,
                    Appointment.status_at,
                ).where(
                    or_(
                        and_(col(Appointment.at) >= start, col(Appointment.at) < end),
                        and_(
                            col(Appointment.created_at) >= start, col(Appointment.created_at) < end
                        ),
                    )
                )
            ).all()
        ]
        visits: list[Any] = list(
            s.exec(
                select(  # type: ignore[call-overload, misc]
                    Reception.id,
                    Reception.salesperson_id,
                    Reception.credited_to_id,
                    Reception.day,
                    Reception.arrived_at,
                    Reception.assigned_at,
                    Reception.ended_at,
                    Reception.test_drive,
                    Reception.form_saved_at,
                    Reception.first_visit,
                    Reception.customer_id,
                    Customer.created_at,
                    Customer.won_at,
                )
                .join(Customer, col(Customer.id) == col(Reception.customer_id), isouter=True)
                .where(_visits_of(first, last))
            ).all()
        )
        ticks: dict[int, set[str]] = {}
        for rid, step in s.exec(
            select(ReceptionStep.reception_id, ReceptionStep.step)
            .join(Reception, col(Reception.id) == col(ReceptionStep.reception_id))
            .where(_visits_of(first, last), col(ReceptionStep.at) < end)
        ).all():
            ticks.setdefault(rid, set()).add(step)
        step_list: list[Any] = list(
            s.exec(
                select(  # type: ignore[call-overload]
                    Reason.code, Reason.name_en, Reason.name_zh, Reason.sort, Reason.active
                )
                .where(Reason.kind == "step")
                .order_by(col(Reason.sort), col(Reason.code))
            ).all()
        )
        # Each customer's first visit: the day of their earliest counted first-visit
        # reception, for the customers seen in the period (one grouped read).
        in_period = select(Reception.customer_id).where(
            _visits_of(first, last), col(Reception.customer_id).is_not(None)
        )
        first_day: dict[int, date] = dict(
            s.exec(  # type: ignore[arg-type]
                select(Reception.customer_id, func.min(Reception.day))
                .where(
                    col(Reception.counted) == True,  # noqa: E712
                    col(Reception.first_visit) == True,  # noqa: E712
                    col(Reception.customer_id).in_(in_period),
                )
                .group_by(col(Reception.customer_id))
            ).all()
        )

    # The step list: active steps in order, and a retired (or unknown) code only when the
    # period's visits have it ticked.
    used = set().union(*ticks.values()) if ticks else set()
    known = {code for code, *_rest in step_list}
    codes = [code for code, _en, _zh, _sort, active in step_list if active or code in used]
    codes += sorted(used - known)
    names = {code: (zh_name if zh and zh_name else en) for code, en, zh_name, _s, _a in step_list}
    names.update({code: code for code in used - known})

    appt = T.appointment_counts(appts, start, end, grace, ctx.now())
    steps = T.step_counts(
        (T.VisitSteps(v.salesperson_id, frozenset(ticks.get(v.id, ()))) for v in visits),
        codes,
        TURN_OVER_STEP,
    )
    times: list[T.VisitTime] = []
    returns: list[T.VisitReturn] = []
    for v in visits:
        cid, c_created, won_at = v[10], v[11], v[12]
        returns.append(
            T.VisitReturn(
                v.credited_to_id,
                v.day,
                bool(v.first_visit),
                first_day.get(cid) if cid is not None else None,
            )
        )
        if v.ended_at is None or v.ended_at >= end:
            continue  # still open at the end of the period: no length yet
        saved = v.form_saved_at is not None and v.form_saved_at < end
        wait = (v.assigned_at - v.arrived_at) if v.assigned_at is not None else None
        outcome = T.classify(
            sold=won_at is not None and won_at < end and ctx.local_day(won_at) == v.day,
            test_drive=(bool(v.test_drive) and saved) or "test_drive" in ticks.get(v.id, ()),
            contact=c_created is not None and c_created < end,
            form_saved=saved,
        )
        times.append(
            T.VisitTime(
                v.salesperson_id,
                T.whole_minutes(v.arrived_at, v.ended_at),
                0 if v.assigned_at is None else T.whole_minutes(v.arrived_at, v.assigned_at),
                wait is not None and wait.total_seconds() > alert * 60,
                outcome,
            )
        )
    minutes = T.minute_figures(times)
    backs = T.be_back_counts(returns, back_days)

    # The lines: the people given, then anyone else the rows credit, by name.
    if people is None:
        people = sorted(
            ((sid, name) for sid, (name, selling) in staff.items() if selling),
            key=lambda p: p[1],
        )
    listed = {sid for sid, _n in people}
    others = {k for d in (appt, steps, minutes, backs) for k in d if k is not None} - listed
    lines = [
        *people,
        *sorted(((sid, staff[sid][0] if sid in staff else "?") for sid in others), key=_by_name),
    ]

    def appt_json(c: T.AppointmentCounts | None) -> dict[str, Any]:
        c = c or T.AppointmentCounts()
        return {
            "booked": c.booked,
            "due": c.due,
            "shown": c.shown,
            "no_show": c.no_show,
            "show_rate": _round(c.show_rate),
        }

    def steps_json(c: T.StepCounts | None) -> dict[str, Any]:
        c = c or T.step_counts((), codes, TURN_OVER_STEP)[None]
        # A step whose code is one of these keys (a step the shop named "Visits") is
        # counted in stopped_at but its own count gives way: the keys are the contract.
        return {
            **{k: n for k, n in c.reached.items() if k not in _LINE_KEYS},
            "visits": c.visits,
            "stopped_at": c.stopped_at,
            "turn_over_rate": _round(c.turn_over_rate),
        }

    def minutes_json(c: T.MinuteFigures | None) -> dict[str, Any]:
        c = c or T.MinuteFigures(0, None, None, 0)
        return {
            "visits": c.visits,
            "median": c.median,
            "wait_median": c.wait_median,
            "waited_over_alert": c.waited_over_alert,
        }

    def backs_json(c: T.BeBackCounts | None) -> dict[str, Any]:
        c = c or T.BeBackCounts()
        return {"first_visits": c.first_visits, "be_backs": c.be_backs, "rate": _round(c.rate)}

    def per_person(fn: Any, figures: dict[int | None, Any]) -> list[dict[str, Any]]:
        # (no line's figures carry an id or a name: a step code never does, _LINE_KEYS)
        return [{"id": sid, "name": name, **fn(figures.get(sid))} for sid, name in lines]

    return {
        "appointments": {
            "grace_minutes": grace,
            "team": appt_json(appt[None]),
            "salespeople": per_person(appt_json, appt),
        },
        "steps": {
            "codes": codes,
            "names": {code: names[code] for code in codes},
            "turn_over_step": TURN_OVER_STEP,
            "team": steps_json(steps[None]),
            "salespeople": per_person(steps_json, steps),
        },
        "visit_minutes": {
            "wait_alert_minutes": alert,
            "team": minutes_json(minutes[None]),
            "salespeople": per_person(minutes_json, minutes),
            "by_outcome": {
                o.value: {"visits": n, "median": m} for o, (n, m) in T.by_outcome(times).items()
            },
        },
        "be_backs": {
            "days": back_days,
            "team": backs_json(backs[None]),
            "salespeople": per_person(backs_json, backs),
        },
    }


def _by_name(p: tuple[int, str]) -> str:
    return p[1]
