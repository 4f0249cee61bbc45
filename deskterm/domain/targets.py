"""Monthly targets, decomposed to the day, and how a figure stands against its target.

The method's fifth step (DESIGN.md §1.5a): the manager turns the meeting's figures into
targets per salesperson and for the team — the process (receptions, contact capture,
form completeness, callbacks on time, upgrades, test drives, invitations that came in)
as well as the result (sales). A month's target is spread over the shop's days:

- A **count** (receptions, sales…) is decomposed by the days' weights: a closed day
  weighs 0, an ordinary day 1, a busy weekday what the shop says (Saturday 1.5). The
  target *to date* is the month's target times the share of the month's weight that
  has passed, rounded half up; a day's own target is the difference between two
  dates' targets to date, so the days of a month always add up to the month exactly.
- A **rate** (contact capture, form completeness, callbacks on time) is not spread:
  the month's rate is the rate on every day.

Status: green when the figure is at or above its target to date; amber when it is
short by no more than the amber band (10 % of a count's target to date, 5 points of a
rate); red below. With no target, or nothing expected yet (a count's target to date
is 0), there is no status: nobody is red on the first morning of a month.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from deskterm.errors import InvalidInput
from deskterm.i18n import N_


class Measure(StrEnum):
    """What a target is set on."""

    RECEPTIONS = "receptions"
    CONTACT_CAPTURE = "contact_capture"
    FORM_COMPLETENESS = "form_completeness"
    CALLBACKS_ON_TIME = "callbacks_on_time"
    UPGRADES = "upgrades"
    TEST_DRIVES = "test_drives"
    INVITATIONS = "invitations"
    SALES = "sales"


#: Measures that are a share (0–1), not a count: never decomposed to days.
RATES = frozenset({Measure.CONTACT_CAPTURE, Measure.FORM_COMPLETENESS, Measure.CALLBACKS_ON_TIME})

#: The measures in the order a manager reads them: the process first, the result last.
ORDER: tuple[Measure, ...] = (
    Measure.RECEPTIONS,
    Measure.CONTACT_CAPTURE,
    Measure.FORM_COMPLETENESS,
    Measure.CALLBACKS_ON_TIME,
    Measure.UPGRADES,
    Measure.TEST_DRIVES,
    Measure.INVITATIONS,
    Measure.SALES,
)

MEASURE_LABELS: dict[Measure, str] = {
    Measure.RECEPTIONS: N_("receptions"),
    Measure.CONTACT_CAPTURE: N_("contact capture"),
    Measure.FORM_COMPLETENESS: N_("form completeness"),
    Measure.CALLBACKS_ON_TIME: N_("callbacks on time"),
    Measure.UPGRADES: N_("upgrades"),
    Measure.TEST_DRIVES: N_("test drives"),
    Measure.INVITATIONS: N_("invitations that came in"),
    Measure.SALES: N_("sales"),
}

#: A count short of its target to date by at most this share is amber, not red.
COUNT_AMBER = Decimal("0.10")
#: A rate short of its target by at most this many points (of 1.0) is amber.
RATE_AMBER = Decimal("0.05")


class Status(StrEnum):
    """How a figure stands against its target to date."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # no target, or nothing expected yet


def parse_measure(text: str) -> Measure:
    """A measure from its code (``receptions``), refused with the list otherwise."""
    try:
        return Measure(text.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput(
            "Unknown measure {text}: use one of {known}.",
            field="measure",
            text=text,
            known=", ".join(m.value for m in ORDER),
        ) from None


def parse_month(text: str) -> date:
    """``2026-12`` → the month's first day; refused otherwise."""
    try:
        year, month = (int(p) for p in text.strip().split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise InvalidInput(
            "A month is written YYYY-MM, e.g. 2026-12 (not {text}).", field="month", text=text
        ) from None


def month_days(month: date) -> list[date]:
    """Every day of ``month``'s month."""
    first = month.replace(day=1)
    return [
        first + timedelta(days=i) for i in range(calendar.monthrange(first.year, first.month)[1])
    ]


def previous_month(month: date) -> date:
    """The first day of the month before ``month``'s."""
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class ShopCalendar:
    """The shop's week and its closed days: how a month's target spreads over its days.

    ``weights`` are Monday…Sunday: 0 closed, 1 an ordinary day, more a busier one.
    ``closed`` are dates the shop does not open (holidays), whatever their weekday.
    """

    weights: tuple[Decimal, ...] = (Decimal(1),) * 7
    closed: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.weights) != 7 or any(w < 0 for w in self.weights):
            raise InvalidInput("A week has seven weights, none below 0.", field="weights")

    def weight(self, day: date) -> Decimal:
        """How much of the month's work ``day`` carries (0 when the shop is closed)."""
        return Decimal(0) if day in self.closed else self.weights[day.weekday()]

    @classmethod
    def parse(cls, weights: str = "", closed: Iterable[str] = ()) -> ShopCalendar:
        """From the shop's settings: ``"1,1,1,1,1,1.5,1.5"`` and ISO dates."""
        w: tuple[Decimal, ...] = (Decimal(1),) * 7
        if weights.strip():
            try:
                w = tuple(Decimal(p.strip()) for p in weights.split(","))
            except ArithmeticError:
                raise InvalidInput(
                    "Weekday weights are seven numbers, Monday first: {text}.",
                    field="weights",
                    text=weights,
                ) from None
            if len(w) != 7 or any(not x.is_finite() or x < 0 for x in w):
                raise InvalidInput(
                    "Weekday weights are seven numbers, Monday first: {text}.",
                    field="weights",
                    text=weights,
                )
        days = set()
        for text in closed:
            try:
                days.add(date.fromisoformat(text.strip()))
            except ValueError:
                raise InvalidInput(
                    "A closed day is a date, YYYY-MM-DD (not {text}).", field="closed", text=text
                ) from None
        return cls(w, frozenset(days))


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def count_to_date(monthly: int, through: date, shop: ShopCalendar) -> int:
    """A count's target from the month's first day through ``through`` (inclusive)."""
    days = month_days(through)
    total = sum((shop.weight(d) for d in days), Decimal(0))
    if total == 0 or monthly == 0:
        return 0
    passed = sum((shop.weight(d) for d in days if d <= through), Decimal(0))
    return _round(Decimal(monthly) * passed / total)


def count_on(monthly: int, day: date, shop: ShopCalendar) -> int:
    """A count's target for ``day`` alone; the days of a month add up to ``monthly``."""
    before = count_to_date(monthly, day - timedelta(days=1), shop) if day.day > 1 else 0
    return count_to_date(monthly, day, shop) - before


def daily_counts(monthly: int, month: date, shop: ShopCalendar) -> dict[date, int]:
    """Each day's share of a monthly count."""
    return {d: count_on(monthly, d, shop) for d in month_days(month)}


def target_to_date(
    measure: Measure, monthly: Decimal, through: date, shop: ShopCalendar
) -> Decimal:
    """What ``measure`` should stand at by the end of ``through``: a count's share of the
    month so far, or the rate itself."""
    if measure in RATES:
        return monthly
    return Decimal(count_to_date(int(monthly), through, shop))


def status(
    measure: Measure, actual: Decimal | float | int | None, expected: Decimal | None
) -> Status:
    """Green, amber or red for ``actual`` against ``expected`` (see the module's rules)."""
    if expected is None or actual is None:
        return Status.NONE
    have = Decimal(str(actual))
    if measure in RATES:
        if have >= expected:
            return Status.GREEN
        return Status.AMBER if expected - have <= RATE_AMBER else Status.RED
    if expected <= 0:
        return Status.NONE  # nothing expected yet: no colour, not a green for nothing
    if have >= expected:
        return Status.GREEN
    return Status.AMBER if have >= expected * (1 - COUNT_AMBER) else Status.RED


def check_value(measure: Measure, value: Decimal) -> Decimal:
    """A target as the manager may set it: a count is a whole number ≥ 0; a rate is a
    share from 0 to 1 (typed as a percentage, 80 or 80 %, it is read as 0.80)."""
    if measure in RATES:
        if value > 1:
            value = value / 100
        if not 0 <= value <= 1:
            raise InvalidInput(
                "A rate target is a percentage from 0 to 100.", field="value", text=str(value)
            )
        return value
    if value < 0 or value != value.to_integral_value():
        raise InvalidInput(
            "A count target is a whole number, 0 or more.", field="value", text=str(value)
        )
    return value


def team_count(per_person: Mapping[int, Decimal]) -> Decimal:
    """A team's count target when the manager set none: what its people's add up to."""
    return sum(per_person.values(), Decimal(0))
