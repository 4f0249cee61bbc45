"""The manager's trends month by month: what the Trends tab and the HTML report draw.

Every figure is the meeting report's own (``domain.kpi``): a month's counted receptions,
its counted first visits, its contact capture rate (counted receptions with contact ÷
counted receptions) and its conversion (wins ÷ counted first visits, both in the month —
the report's rates over a month of its own, as the Targets tab reads them). The reasons
by month are the Reasons tab's counting (``domain.analysis.reasons_table``), and the
month's target progress is the Targets tab's decomposition (``domain.targets``), day by
day. One read snapshot for all of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlmodel import col, select

from deskterm.domain import analysis as A
from deskterm.domain.kpi import Figures, ReceptionFact, WinFact, meeting_figures
from deskterm.domain.targets import Measure, ShopCalendar, month_days, target_to_date
from deskterm.errors import InvalidInput
from deskterm.services.analysis import _reason_facts_in
from deskterm.services.context import Context
from deskterm.services.permissions import permission
from deskterm.services.reasons import KINDS
from deskterm.services.reasons import _views as _reason_views
from deskterm.services.setup import load_levels
from deskterm.services.targets import _calendar, _team_targets, _views
from deskterm.storage.models import Customer, Reception

#: How many months the trends cover unless asked (the month of the day included).
DEFAULT_MONTHS = 6
#: The most months asked for at once (two years: a chart wider than that reads nothing).
MAX_MONTHS = 24
#: The reasons drawn by name on a chart; the rest are summed as "other".
TOP_REASONS = 3
#: The code of the summed rest (not a reason anyone records).
OTHER = "__other__"


@dataclass(frozen=True)
class MonthFigures:
    """One month's figures (the month of the day: to that day)."""

    month: str  # YYYY-MM
    receptions: int  # counted receptions
    first_visits: int  # counted first visits
    with_contact: int  # counted receptions that left contact details
    won: int  # customers won in the month
    capture_rate: float | None  # with_contact ÷ receptions (None: no reception)
    conversion_rate: float | None  # won ÷ first_visits (None: no first visit)

    @classmethod
    def of(cls, month: str, f: Figures) -> MonthFigures:
        """The month's line from the report's own figures."""
        return cls(
            month,
            f.receptions,
            f.window_first_visits,
            f.with_contact,
            f.won,
            f.contact_capture_rate,
            f.conversion_rate,
        )


@dataclass(frozen=True)
class TargetTrack:
    """The day's month so far, day by day: the team's receptions and sales to date, and
    what the decomposed targets say they should stand at (None: no target set)."""

    month: date  # its first day
    days: tuple[date, ...]  # the 1st to the day asked
    receptions: tuple[int, ...]  # counted receptions to the end of each day
    sales: tuple[int, ...]  # wins to the end of each day
    receptions_target: tuple[int, ...] | None
    sales_target: tuple[int, ...] | None


@dataclass(frozen=True)
class Trends:
    """The last months up to a day, and the day's month against its targets."""

    day: date
    months: tuple[str, ...]
    figures: tuple[MonthFigures, ...]
    no_contact: A.ReasonsTable
    lost: A.ReasonsTable
    target: TargetTrack
    #: Each reason's name in the current language, by kind then code (retired ones too).
    names: dict[str, dict[str, str]] = field(default_factory=dict)


def month_span(day: date, months: int) -> tuple[date, date]:
    """The first day of the ``months`` months that end with ``day``'s month, and ``day``."""
    return day.replace(day=1) - relativedelta(months=months - 1), day


@permission("meeting")
def trends(ctx: Context, day: date | None = None, months: int = DEFAULT_MONTHS) -> Trends:
    """The ``months`` months up to ``day`` (default today; the day's month to date)."""
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput("From 1 to {n} months.", field="months", n=MAX_MONTHS)
    day = min(day or ctx.today(), ctx.today())
    first, last = month_span(day, months)
    start, end = ctx.day_range_utc(first, last)
    with ctx.db.read() as s:
        levels = load_levels(s)
        # The report's reception facts (daily_report), with the columns its counts need.
        rfacts = [
            ReceptionFact(who, d, "", cid is not None, counted, first_visit)
            for who, d, cid, counted, first_visit in s.exec(
                select(  # type: ignore[call-overload]
                    Reception.credited_to_id,
                    Reception.day,
                    Reception.customer_id,
                    Reception.counted,
                    Reception.first_visit,
                ).where(Reception.day >= first, Reception.day <= last)
            ).all()
        ]
        wins = [
            WinFact(owner, ctx.local_day(at))
            for owner, at in s.exec(
                select(Customer.owner_id, Customer.won_at).where(
                    col(Customer.won_at) >= start, col(Customer.won_at) < end
                )
            ).all()
            if at is not None
        ]
        no_contact = _reason_facts_in(s, ctx, "no_contact", first, last)
        lost = _reason_facts_in(s, ctx, "lost", first, last)
        month = day.replace(day=1)
        shop = _calendar(s)
        per: dict[int | None, dict[Measure, Decimal]] = {}
        for v in _views(s, month):
            per.setdefault(v.salesperson_id, {})[v.measure] = v.value
        team_targets = _team_targets(per)
        words = {
            kind: {r.code: r.name for r in _reason_views(s, ctx, kind, include_retired=True)}
            for kind in KINDS
        }
    names = A.months_between(first, last)
    figures = []
    for m in names:
        m_first = date(int(m[:4]), int(m[5:]), 1)
        m_last = min(m_first + relativedelta(months=1) - timedelta(days=1), last)
        f = meeting_figures(
            day_from=m_first,
            day_to=m_last,
            window_from=m_first,
            salespeople=[],
            receptions=rfacts,
            callbacks=[],
            pipeline=[],
            wins=wins,
            levels=levels,
            today=m_first,
        )
        figures.append(MonthFigures.of(m, f.team))
    return Trends(
        day,
        tuple(names),
        tuple(figures),
        A.reasons_table(no_contact, first, last),
        A.reasons_table(lost, first, last),
        _track(month, day, rfacts, wins, team_targets, shop),
        words,
    )


def _track(
    month: date,
    day: date,
    rfacts: list[ReceptionFact],
    wins: list[WinFact],
    targets: dict[Measure, Decimal],
    shop: ShopCalendar,
) -> TargetTrack:
    days = tuple(d for d in month_days(month) if d <= day)
    per_day = Counter(r.day for r in rfacts if r.counted and month <= r.day <= day)
    won_day = Counter(w.day for w in wins if month <= w.day <= day)

    def running(counts: Counter[date]) -> tuple[int, ...]:
        out, n = [], 0
        for d in days:
            n += counts[d]
            out.append(n)
        return tuple(out)

    def line(measure: Measure) -> tuple[int, ...] | None:
        monthly = targets.get(measure)
        if monthly is None:
            return None
        return tuple(int(target_to_date(measure, monthly, d, shop)) for d in days)

    return TargetTrack(
        month,
        days,
        running(per_day),
        running(won_day),
        line(Measure.RECEPTIONS),
        line(Measure.SALES),
    )


def top_reasons(table: A.ReasonsTable, n: int = TOP_REASONS) -> list[tuple[str, tuple[int, ...]]]:
    """The ``n`` most counted reasons month by month, then the rest summed as ``OTHER``
    (left out when there is no rest): what a chart can tell apart."""
    ranked = [r for r, _n in table.by_reason.most_common()]
    out = [(r, tuple(table.trend[r][m] for m in table.months)) for r in ranked[:n]]
    rest = ranked[n:]
    if rest:
        out.append((OTHER, tuple(sum(table.trend[r][m] for r in rest) for m in table.months)))
    return out
