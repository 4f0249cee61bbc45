"""The daily meeting report (DESIGN.md §1.4): one read, figures from the KPI rules.

``as_json`` is the documented contract of ``deskterm report --format json``
(README, "Report JSON").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from deskterm.domain.clocks import LevelEntry, level_clock_start
from deskterm.domain.escalation import (
    EscalationKind,
    HistoryAt,
    Status,
    due_escalations,
    quiet_from,
    state_at,
)
from deskterm.domain.kpi import (
    CallbackFact,
    Figures,
    PipelineFact,
    ReceptionFact,
    WinFact,
    meeting_figures,
)
from deskterm.domain.levels import Levels
from deskterm.domain.text import parse_day
from deskterm.errors import InvalidInput
from deskterm.i18n import _
from deskterm.services.context import Context
from deskterm.services.escalation import EscalationItem
from deskterm.services.permissions import permission
from deskterm.services.setup import DEFAULT_SETTINGS, load_levels
from deskterm.storage import queries, report_queries


@dataclass(frozen=True)
class SalespersonLine:
    """One salesperson's line of the report."""

    id: int
    name: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class _Person:
    """A member of staff as the report names them."""

    id: int
    name: str
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class _Callback:
    """A callback row as the report reads it (datetimes aware)."""

    id: int
    salesperson_id: int
    due_at: datetime
    done_at: Any  # datetime | None; compared only where the status says it is set
    status: str
    level_before: str | None
    level_after: str | None
    customer_id: int | None


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
    tomorrow_ids: tuple[int, ...] = ()  # the salesperson of each ``tomorrow`` line


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


def _instant(value: Any) -> datetime:
    """A NOT NULL datetime column as the cursor gave it, aware (UTC)."""
    at = queries.from_stored(value)
    assert at is not None, "a NOT NULL column read as NULL"
    return at


def _item(entry: tuple[int, str, str, int, str], kind: str, due: date, day: date) -> EscalationItem:
    """One line of the at-risk, to-reassign or stalled list as of ``day``."""
    return EscalationItem(*entry, kind, due, (day - due).days)


def _states_at(
    cur: queries.Raw,
    ctx: Context,
    levels: Levels,
    staff: dict[int, _Person],
    day: date,
    end: datetime,
    touched: set[int],
) -> tuple[list[PipelineFact], dict[str, list[EscalationItem]]]:
    """Every customer's state at the end of ``day`` rebuilt from the history tables:
    the level counts and the manager's three lists, as they stood then.

    Level and owner: the last level change and ownership change before the end of the
    day. Won: ``won_at`` by then. Lost: ``lost_at`` by then and no visit or hand-out
    since. At risk: stored as at risk by then, or past its window by the rules (what the
    start of day would write). The last real contact: the latest of the first
    reception, saved forms of visits, callbacks done with a real contact (and the stored
    date when that is before the end of the day, for imported customers).

    ``touched``: the customers whose row changed after the day. Only they, and those
    changed in the level or ownership history since, need their history: the others'
    stored state is still that of the day (for today's report that is nearly every
    customer, and the history is hardly read). Of those, the ones the rules have
    nothing to say about on the day (in marketing's care, or active with every clock
    short of its deadline: ``domain.escalation.quiet_from``) are counted in SQL; the
    rest are judged one by one.
    """
    changed = touched | report_queries.changed_after(cur, end)
    marketing_levels = {lv.code for lv in levels if lv.to_marketing}

    def after(d: date | None) -> datetime | None:  # the first instant past local day d
        return None if d is None else ctx.day_start(d + timedelta(days=1)).astimezone(UTC)

    bounds: list[tuple[str, tuple[datetime | None, datetime | None] | None]] = []
    for rule in levels:
        q = quiet_from(rule, day)
        bounds.append((rule.code, (after(q.clock_after), after(q.contact_after))))
    quiet = report_queries.Quiet(bounds)

    def quiet_key(owner_id: int, level: str) -> tuple[int, str, str]:
        rule = levels.find(level)  # an active customer at a marketing level is marketing's
        status = Status.MARKETING if rule is not None and rule.to_marketing else Status.ACTIVE
        return (owner_id, level, status.value)

    # Counted from the rows as they are now; the customers changed since the day are
    # taken off below and judged with their history.
    pipe: dict[tuple[int, str, str], int] = {}
    loud: list[int] = []  # the customers the rules must look at one by one
    for o, lv, n in report_queries.marketing_counts(cur):
        if lv in marketing_levels:
            pipe[(o, lv, Status.MARKETING.value)] = n
        else:  # in marketing's care at a level that is not marketing's (a rare edit)
            loud += report_queries.marketing_ids(cur, o, lv)
    for cid, o, lv, n in report_queries.active_counts(cur, quiet):
        if cid is None:
            key = quiet_key(o, lv)
            pipe[key] = pipe.get(key, 0) + n
        else:
            loud.append(cid)

    rows: list[tuple[bool, tuple[Any, ...]]] = []
    lvl: dict[int, list[tuple[Any, ...]]] = {}
    own: dict[int, Any] = {}
    handed: dict[int, datetime] = {}
    visits: dict[int, datetime] = {}
    called: dict[int, datetime] = {}
    ids = sorted(cid for cid in loud if cid not in changed)
    for i in range(0, len(ids), 5000):  # under SQLite's 32,766 bound parameters
        chunk = ids[i : i + 5000]
        rows += [(False, tuple(r[:-1])) for r in report_queries.customer_rows(cur, chunk, quiet)]
    ids = sorted(changed)
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        for r in report_queries.customer_rows(cur, chunk, quiet):
            rows.append((True, tuple(r[:-1])))
            level, status, owner_id = r[2], r[4], r[6]
            if r[-1]:
                pipe[quiet_key(owner_id, level)] -= 1
            elif status == Status.MARKETING.value and level in marketing_levels:
                pipe[(owner_id, level, Status.MARKETING.value)] -= 1
        rq = report_queries
        for cid, from_level, to_level, at in rq.history(cur, rq.LEVEL_HISTORY_SQL, chunk, end):
            lvl.setdefault(cid, []).append((from_level, to_level, _instant(at)))
        for cid, to_owner, at in rq.history(cur, rq.OWNER_HISTORY_SQL, chunk, end):
            own[cid] = (cid, to_owner, _instant(at))  # oldest first: the last one stays
        for found, sql in (
            (handed, rq.HANDED_OUT_SQL),
            (visits, rq.LAST_VISIT_SQL),
            (called, rq.LAST_CALL_SQL),
        ):
            found.update((cid, _instant(at)) for cid, at in rq.history(cur, sql, chunk, end))
    day_of = ctx.local_day
    stored = queries.from_stored
    lists: dict[str, list[EscalationItem]] = {"at_risk": [], "to_reassign": [], "stalled": []}
    for history, (
        cid,
        name,
        level,
        level_since,
        status,
        status_since,
        owner_id,
        owner_since,
        created,
        last_contact,
        won_at,
        lost_at,
    ) in rows:
        # Datetimes as the cursor gave them (SQLite's text): aware UTC, as the rules need.
        level_since, status_since = _instant(level_since), _instant(status_since)
        owner_since, created = _instant(owner_since), _instant(created)
        last_contact, won_at, lost_at = stored(last_contact), stored(won_at), stored(lost_at)
        if created >= end:
            continue  # not a customer yet (only taken off the counts above)
        if cid in own:
            owner_id, owner_since = own[cid][1], own[cid][2]
        clock_from = day_of(level_since)
        if history:
            # The level clock as it stood then, from the level history up to the day's
            # end (domain.clocks), as the desk keeps it: a bounce restarts nothing.
            changes = lvl.get(cid, [])
            if changes:
                level = changes[-1][1]
            first_level = changes[0][0] if changes else level
            entries = [LevelEntry(day_of(at), to) for _, to, at in changes]
            if first_level:
                entries.insert(0, LevelEntry(day_of(created), first_level))
            clock_from = level_clock_start(entries, day_of(owner_since))
        back = [t for t in (handed.get(cid), visits.get(cid)) if t is not None]
        # Untouched since the day: its stored status (active, at risk, marketing) held then.
        lost = (
            history and lost_at is not None and lost_at < end and not any(t > lost_at for t in back)
        )
        contacts = [t for t in (created, visits.get(cid), called.get(cid)) if t is not None]
        if last_contact is not None and last_contact < end:
            contacts.append(last_contact)
        at_risk_since = (
            day_of(status_since) if status == Status.AT_RISK.value and status_since < end else None
        )
        hist = HistoryAt(
            level=level,
            level_since=clock_from,
            owner_since=day_of(owner_since),
            last_real_contact=day_of(max(contacts)),
            created=day_of(created),
            won=history and won_at is not None and won_at < end,
            lost=lost,
            at_risk_since=at_risk_since,
        )
        rule = levels.find(level)
        if rule is None:
            # History with a code the shop has not got (an old import, a hand edit):
            # no clock can be judged against it; `deskterm check` reports it.
            continue
        clock, open_ = state_at(hist, rule, day)
        if not open_:
            continue
        key = (owner_id, level, clock.status.value)
        pipe[key] = pipe.get(key, 0) + 1

        owner = staff[owner_id].name if owner_id in staff else "?"
        entry = (cid, name, level, owner_id, owner)
        if clock.status is Status.AT_RISK:
            lists["at_risk"].append(_item(entry, "at_risk", clock.status_since, day))
        for d in due_escalations(clock, rule, day):
            if d.kind is EscalationKind.REASSIGN:
                lists["to_reassign"].append(_item(entry, "reassign", d.due, day))
            elif d.kind is EscalationKind.STALLED:
                lists["stalled"].append(_item(entry, "stalled", d.due, day))
    for items in lists.values():
        items.sort(key=lambda i: (-i.days_over, i.customer_id))
    return [PipelineFact(o, lv, st, n) for (o, lv, st), n in pipe.items() if n > 0], lists


@permission("meeting")
def daily_report(
    ctx: Context,
    day: date | None = None,
    first: date | None = None,
    *,
    rates_own: bool = False,
    states: bool = True,
) -> Report:
    """The meeting report for ``first``..``day`` (default: today only), as things stood at
    the end of ``day``; a period that runs past today ends today. Reads only.

    ``rates_own``: the rates cover the period alone, not the longer rate window (a
    month's figures against the month's targets). ``states=False``: the customers' states
    at the end of the day (level counts, the stale lists) are left out — the heaviest
    part, which a target's or a coaching's figures do not need."""
    today = ctx.today()
    day = day or today
    first = first or day
    if first > day:
        raise InvalidInput("The period ends before it starts.", field="from")
    if first > today:
        raise InvalidInput("The period has not started yet.", field="date")
    day = min(day, today)  # a week or month never counts days that have not happened
    # One read snapshot on a driver cursor: the statements are few, and a Session's own
    # cost was two thirds of a small shop's report (4,000 customers: 13 ms, now 4.5).
    with ctx.db.read_cursor() as cur:
        settings = {**DEFAULT_SETTINGS, **report_queries.settings(cur)}
        window = int(settings["report.rate_window_days"])
        # Rates cover the whole period, and at least the window's days ending on its
        # last day: a day's meeting gets a rate from enough visitors, a month its own.
        window_from = first if rates_own else min(first, day - timedelta(days=window - 1))
        levels = load_levels(cur)
        staff = {row[0]: _Person(*row) for row in report_queries.staff_rows(cur)}
        d0, d1 = ctx.day_range_utc(first, day)
        # Receptions counted in SQL by what the KPIs tell apart (a group shares its side
        # of the period's first day, which is all meeting_figures asks of its day).
        rfacts = [
            ReceptionFact(
                who,
                d if isinstance(d, date) else date.fromisoformat(d),
                ch,
                bool(contact),
                bool(counted),
                bool(first_v),
                filled,
                total,
                bool(drove),
                n,
            )
            for who, d, ch, contact, counted, first_v, drove, n, filled, total in (
                report_queries.reception_groups(cur, window_from, first, day, d1)
            )
        ]
        t0, t1 = ctx.day_range_utc(day + timedelta(days=1))
        stored = queries.from_stored
        cbs = []
        for (
            cid,
            sid,
            due_at,
            done_at,
            status,
            before,
            after,
            customer,
            created,
        ) in report_queries.callback_rows(cur, d0, d1, t1):
            if _instant(created) >= d1:
                continue  # not made yet at the end of the period
            due, done = _instant(due_at), stored(done_at)
            cbs.append(_Callback(cid, sid, due, done, status, before, after, customer))
        cfacts = [
            CallbackFact(
                c.salesperson_id,
                ctx.local_day(c.due_at),
                ctx.local_day(c.done_at) if c.status == "done" and c.done_at < d1 else None,
                c.level_before,
                c.level_after,
                customer_id=c.customer_id,
                done_at=c.done_at,
                # cancelled by the end of the period: no longer anyone's task then
                cancelled=c.status == "cancelled" and c.done_at < d1,
            )
            for c in cbs
            # Due by the day's end, or done in the period ahead of a later due date (an
            # early call is still a call made, and may be the day's upgrade).
            if c.due_at < d1 or (c.status == "done" and d0 <= c.done_at < d1)
        ]
        w0, _end = ctx.day_range_utc(window_from)
        won, touched = report_queries.won_or_touched(cur, w0, d1)
        wins = [WinFact(o, ctx.local_day(_instant(at))) for o, at in won]
        pipe, lists = (
            _states_at(cur, ctx, levels, staff, day, d1, touched)
            if states
            else ([], {"at_risk": [], "to_reassign": [], "stalled": []})
        )
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
        # Tomorrow as it stood at the end of the day: due tomorrow, and due by the day
        # but not done (nor cancelled) by its end.
        open_counts: dict[int, list[int]] = {}
        for c in cbs:
            still_open = c.status == "open" or (c.done_at is not None and c.done_at >= d1)
            if not still_open or c.due_at >= t1:
                continue
            n = open_counts.setdefault(c.salesperson_id, [0, 0])
            n[0 if c.due_at >= t0 else 1] += 1
        tomorrow: list[tuple[str, int, int]] = [
            (st.name, *open_counts.get(st.id or 0, (0, 0))) for st in sellers
        ]
        tomorrow_ids = tuple(st.id or 0 for st in sellers)
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
        lists,
        tomorrow_ids,
    )


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures_json(f: Figures, levels: tuple[str, ...]) -> dict[str, Any]:
    """One line of the meeting table (a salesperson's, the team's) as the JSON has it."""
    return {
        "receptions": f.receptions,
        "with_contact": f.with_contact,
        "without_contact": f.without_contact,
        "by_channel": dict(sorted(f.receptions_by_channel.items())),
        **{code: f.levels.get(code, 0) for code in levels},
        "callbacks_due": f.callbacks_due,
        "callbacks_done": f.callbacks_done,
        "callbacks_overdue": f.callbacks_overdue,
        "callbacks_on_time": f.callbacks_on_time,
        "callbacks_on_time_rate": _rate(f.callbacks_on_time_rate),
        "test_drives": f.test_drives,
        "revisits": f.revisits,
        "upgrades": f.upgrades,
        "won": f.won,
        "conversion_rate": _rate(f.conversion_rate),
        "conversion_rate_with_contact": _rate(f.conversion_rate_with_contact),
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
        "team": figures_json(t, report.levels),
        "salespeople": [
            {"id": line.id, "name": line.name, **figures_json(line.figures, report.levels)}
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
    """Funnel, reasons, the traffic log (appointments, steps, visit minutes, be-backs),
    pending lost requests and leads to hand out, for the same period."""
    from deskterm.domain.analysis import share_of_received
    from deskterm.services import analysis, manager, traffic

    names = {line.id: line.name for line in report.salespeople}
    fun = analysis.funnel(ctx, report.first, report.day)
    empty = dict.fromkeys(("received", "registered", "test_drive", "hot", "won"), 0)
    reasons: dict[str, Any] = {}
    for kind in ("no_contact", "lost"):
        rep = analysis.reasons(ctx, kind, report.first, report.day, report.day)
        reasons[kind] = {
            "by_reason": dict(rep.table.by_reason.most_common()),
            "by_salesperson": [
                {"name": rep.names.get(sid, "?"), **dict(c)}
                for sid, c in sorted(rep.table.by_salesperson.items())
            ],
            "by_month": rep.table.trend,
            "countermeasures": [
                {
                    "id": m.id,
                    "reason": m.reason,
                    "since": m.since.isoformat(),
                    "note": m.note,
                    "review_on": None if m.review_on is None else m.review_on.isoformat(),
                    "closed_on": None if m.closed_on is None else m.closed_on.isoformat(),
                    "follows_id": m.follows_id,
                    "decision": m.decision,
                    "before_per_30d": ba.before,
                    "after_per_30d": ba.after,
                    "days": ba.days,
                    "too_early": ba.too_early,
                    "before_per_100": ba.before_per_100,
                    "after_per_100": ba.after_per_100,
                    "sales_before_per_100": ba.sales_before_per_100,
                    "sales_after_per_100": ba.sales_after_per_100,
                }
                for m, ba in rep.countermeasures
            ],
        }
    with ctx.db.read() as s:
        levels = load_levels(s)
    return {
        **method_sections(ctx, report),
        # Level names for the printed report's columns (the figures stay keyed by code).
        "level_names": {code: levels.get(code).name for code in report.levels},
        "funnel": {
            "team": {
                **fun.get(None, empty),
                "of_received": share_of_received(fun.get(None, empty)),
            },
            "salespeople": [
                {
                    "name": names[sid],
                    **fun.get(sid, empty),
                    "of_received": share_of_received(fun.get(sid, empty)),
                }
                for sid in names
            ],
        },
        "reasons": reasons,
        # The traffic log (issue 19): appointments, steps, visit length, be-backs.
        **traffic.sections(
            ctx, report.first, report.day, [(line.id, line.name) for line in report.salespeople]
        ),
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
            if ctx.local_day(r.requested_at) <= report.day  # not yet made on that day
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
            if ctx.local_day(v.since) <= report.day
        ],
    }


def _num(value: Any) -> float | int | None:
    """A Decimal for JSON: whole numbers as int, others as float (4 places)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else round(float(value), 4)


@permission("meeting")
def method_sections(ctx: Context, report: Report) -> dict[str, Any]:
    """The manager's half of the method for the report's last day (issue 18): the
    month's targets so far, the action plans as they stood, the coaching board, and
    where the month's visitors came from and what they cost."""
    from deskterm.services import actions, coaching, media, targets

    board = targets.progress(ctx, report.day)
    spent = media.media_report(ctx, report.day, report.day)

    def person(p: targets.PersonProgress) -> dict[str, Any]:
        return {
            "callbacks_tomorrow": p.callbacks_tomorrow,
            "measures": {
                r.measure.value: {
                    "actual": _num(r.actual),
                    "target": _num(r.monthly),
                    "to_date": _num(r.to_date),
                    "status": r.status.value,
                    "tomorrow": r.tomorrow,
                }
                for r in p.rows
            },
        }

    first = report.first
    return {
        "targets": {
            "month": board.month.isoformat()[:7],
            "team": person(board.team),
            "salespeople": [
                {"id": p.salesperson_id, "name": p.name, **person(p)} for p in board.people
            ],
        },
        "actions": [
            {
                "id": a.id,
                "what": a.what,
                "owner": a.owner,
                "due": a.due.isoformat(),
                "state": a.state.value,
                "measure": None if a.measure is None else a.measure.value,
                "salesperson": a.salesperson,
                "source": a.source,
                "recorded": a.recorded.isoformat(),
                "baseline": _num(a.baseline),
                "closed": None if a.closed is None else a.closed.isoformat(),
                "outcome": a.outcome,
                "after": _num(a.after),
            }
            for a in actions.list_actions(ctx, include_closed=True, day=report.day)
            # open at the end of the day, or closed in the period
            if a.closed is None or first <= a.closed
        ],
        "coaching": {
            "entries": [
                {
                    "day": e.day.isoformat(),
                    "salesperson": e.salesperson,
                    "kind": e.kind.value,
                    "recording": e.recording,
                    "score": e.score,
                    "score_of": e.score_of,
                    "note": e.note,
                }
                for e in coaching.coaching_log(ctx)
                if first <= e.day <= report.day
            ],
            "salespeople": [
                {
                    "id": r.salesperson_id,
                    "name": r.name,
                    "last_coached": None if r.last_coached is None else r.last_coached.isoformat(),
                    "due": r.due,
                    "why": [m.value for m in r.why],
                    "moved": {
                        m.measure.value: {"before": _num(m.before), "since": _num(m.since)}
                        for m in r.moved
                    },
                }
                for r in coaching.coaching_board(ctx, report.day)
            ],
        },
        "media": media.as_json(spent, _("not recorded")),
    }
