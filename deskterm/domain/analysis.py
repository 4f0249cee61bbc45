"""The manager's analyses (second article): reasons, trends, funnel, coaching — pure counting."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta


def month_of(day: date) -> str:
    """``2026-03`` for any day in March 2026."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive, as ``YYYY-MM``."""
    out, cur = [], first.replace(day=1)
    while cur <= last:
        out.append(month_of(cur))
        cur += relativedelta(months=1)
    return out


@dataclass(frozen=True)
class ReasonFact:
    """One visitor who left no contact, or one lost customer, with its reason."""

    reason: str
    salesperson_id: int
    day: date


@dataclass
class ReasonsTable:
    """Counts by reason, by salesperson, and month by month."""

    months: list[str]
    by_reason: Counter[str] = field(default_factory=Counter)
    by_salesperson: dict[int, Counter[str]] = field(default_factory=dict)
    trend: dict[str, dict[str, int]] = field(default_factory=dict)  # reason -> month -> n


def reasons_table(facts: Iterable[ReasonFact], first: date, last: date) -> ReasonsTable:
    """Count the facts that fall between ``first`` and ``last``."""
    table = ReasonsTable(months_between(first, last))
    for f in facts:
        if not first <= f.day <= last:
            continue
        table.by_reason[f.reason] += 1
        table.by_salesperson.setdefault(f.salesperson_id, Counter())[f.reason] += 1
        row = table.trend.setdefault(f.reason, dict.fromkeys(table.months, 0))
        row[month_of(f.day)] += 1
    return table


#: Fewer days than this since a countermeasure: too early to judge it.
TOO_EARLY_DAYS = 14
#: A countermeasure is looked at again this many days after its date, and after a "keep".
REVIEW_DAYS = 30


class Decision(StrEnum):
    """What the manager decides at a countermeasure's review (the second article's loop:
    did the count go down, did sales go up — if not, why, and what next)."""

    KEEP = "keep"  # it works, or needs longer: look again in REVIEW_DAYS
    REPLACE = "replace"  # it does not: a new countermeasure follows it
    CLOSE = "close"  # done: the reason is under control, or given up


def judged_until(today: date, closed_on: date | None) -> date:
    """The last day a countermeasure's "after" counts: the day before it was closed or
    replaced (the one that follows it takes over from that day), else today."""
    if closed_on is not None and closed_on <= today:
        return max(closed_on - timedelta(days=1), date.min)
    return today


@dataclass(frozen=True)
class BeforeAfter:
    """A reason's count before and after a countermeasure date, per 30 days and per 100
    counted receptions, and whether sales (won per 100 first visits) went up."""

    reason: str
    since: date
    months: int
    before: float
    after: float
    days: int = 0  # days passed since the countermeasure (0 on its own day)
    before_per_100: float | None = None
    after_per_100: float | None = None
    sales_before_per_100: float | None = None
    sales_after_per_100: float | None = None

    @property
    def too_early(self) -> bool:
        """Under two weeks of "after": a week of luck would read as an effect."""
        return self.days < TOO_EARLY_DAYS

    @property
    def change(self) -> float | None:
        """Relative change (−0.5 = halved), None when there was nothing before."""
        return None if self.before == 0 else (self.after - self.before) / self.before


def _per_100(n: int, base: int) -> float | None:
    return None if base == 0 else round(100 * n / base, 2)


def before_after(
    facts: Iterable[ReasonFact],
    reason: str,
    since: date,
    today: date,
    months: int = 3,
    receptions: Sequence[date] = (),
    first_visits: Sequence[date] = (),
    wins: Sequence[date] = (),
) -> BeforeAfter:
    """Before: the ``months`` before ``since`` (``since`` excluded). After: ``since`` to
    ``today``, at most ``months``. The reason per 30 days and per 100 counted receptions
    (``receptions``: their days), and sales: ``wins`` per 100 ``first_visits``."""
    start = since - relativedelta(months=months)
    end = min(today, since + relativedelta(months=months))

    def split(days: Iterable[date]) -> tuple[int, int]:
        got = list(days)
        return (
            sum(1 for d in got if start <= d < since),
            sum(1 for d in got if since <= d <= end),
        )

    before, after_n = split(f.day for f in facts if f.reason == reason)
    rec_b, rec_a = split(receptions)
    vis_b, vis_a = split(first_visits)
    won_b, won_a = split(wins)
    days_before = max((since - start).days, 1)
    days_after = max((end - since).days + 1, 1)
    return BeforeAfter(
        reason,
        since,
        months,
        round(before * 30 / days_before, 2),
        round(after_n * 30 / days_after, 2),
        days=max((today - since).days, 0),
        before_per_100=_per_100(before, rec_b),
        after_per_100=_per_100(after_n, rec_a),
        sales_before_per_100=_per_100(won_b, vis_b),
        sales_after_per_100=_per_100(won_a, vis_a),
    )


FUNNEL_STAGES: tuple[str, ...] = ("received", "registered", "test_drive", "hot", "won")


@dataclass(frozen=True)
class VisitorFact:
    """A first visit in the period and how far it went."""

    salesperson_id: int
    registered: bool
    test_drive: bool
    reached_top_level: bool
    won: bool


def funnel(facts: Iterable[VisitorFact]) -> dict[int | None, dict[str, int]]:
    """Counts at each stage per salesperson, and the team's (key None)."""
    out: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FUNNEL_STAGES, 0))
    for f in facts:
        for key in (f.salesperson_id, None):
            row = out[key]
            row["received"] += 1
            if f.registered:
                row["registered"] += 1
                row["test_drive"] += f.test_drive
                row["hot"] += f.reached_top_level
                row["won"] += f.won
    return dict(out)


def share_of_received(row: dict[str, int]) -> dict[str, float | None]:
    """Each stage as a share of the visitors received (None when none were).

    The stages are counted independently (a visitor can be won without a test drive, or
    reach hot without one), so the step from one stage to the next is no drop-off and
    could be negative; a share of those received always reads right."""
    base = row["received"]
    return {s: None if base == 0 else round(row[s] / base, 4) for s in FUNNEL_STAGES[1:]}


@dataclass(frozen=True)
class LevelSpan:
    """A stretch of time a customer spent at one level."""

    level: str
    start: date
    end: date | None  # None: still at this level
    by: int | None
    source: str

    def days(self, today: date) -> int:
        return ((self.end or today) - self.start).days


def level_spans(changes: Sequence[tuple[date, str, int | None, str]]) -> list[LevelSpan]:
    """(when, new level, who, source) changes, oldest first → spans at each level."""
    spans = []
    for i, (when, level, by, source) in enumerate(changes):
        end = changes[i + 1][0] if i + 1 < len(changes) else None
        spans.append(LevelSpan(level, when, end, by, source))
    return spans


@dataclass(frozen=True)
class FormFact:
    """A saved reception form, as the coaching view sees it."""

    day: date
    has_contact: bool
    filled: int
    total: int
    missing: tuple[str, ...]


@dataclass
class CoachingMonth:
    """One month of a salesperson's form and contact figures."""

    receptions: int = 0
    with_contact: int = 0
    filled: int = 0
    total: int = 0

    @property
    def completeness(self) -> float | None:
        return None if self.total == 0 else self.filled / self.total

    @property
    def capture_rate(self) -> float | None:
        return None if self.receptions == 0 else self.with_contact / self.receptions


def coaching(
    facts: Iterable[FormFact], first: date, last: date
) -> tuple[dict[str, CoachingMonth], Counter[str]]:
    """Month-by-month completeness and capture rate, and the fields most often left empty."""
    months = {m: CoachingMonth() for m in months_between(first, last)}
    missing: Counter[str] = Counter()
    for f in facts:
        if not first <= f.day <= last:
            continue
        m = months[month_of(f.day)]
        m.receptions += 1
        m.with_contact += f.has_contact
        m.filled += f.filled
        m.total += f.total
        missing.update(f.missing)
    return months, missing
