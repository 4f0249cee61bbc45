"""Where visitors come from (issue 18): the first article's "every visitor is bought with
money", measured — what the shop spent on each medium, and what each visitor and each
sale it brought cost.

The rules, also in the README ("Where visitors come from"):

- *visitors* of a medium: counted first visits in the period whose form names it;
  *contacts*: those of them who left contact details; *sales*: customers won in the
  period whose registering visit named it.
- *spend*: what the manager entered for the month, in whole units of the shop's
  currency. Over part of a month (a meeting's month so far) the spend *to date* is the
  month's spend × the days gone ÷ the days of the month, rounded half up: a flat monthly
  fee (a car website's listing) is spent evenly, so early in a month the cost per visitor
  is not inflated by the days still to come.
- *cost per visitor* = spend to date ÷ visitors; *cost per sale* = spend to date ÷ sales,
  rounded half up to a whole unit; none when nothing came.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from deskterm.errors import InvalidInput

#: The highest monthly spend accepted on one medium (a typo guard, not a budget).
MAX_SPEND = 100_000_000


def parse_amount(text: str) -> int:
    """A month's spend as typed: whole units, thousands separators allowed (``12,000``,
    ``12 000``); a trailing ``万`` / ``w`` means ten thousand (``1.2万`` = 12000)."""
    # NFKC: a Chinese keyboard's full-width digits and comma are the ASCII ones.
    raw = unicodedata.normalize("NFKC", text).strip()
    raw = raw.replace(",", "").replace(" ", "").replace("_", "")
    factor = 1
    if raw[-1:] in ("万", "w", "W"):
        raw, factor = raw[:-1], 10_000
    if not re.fullmatch(r"\d+(\.\d+)?", raw):
        raise InvalidInput(
            "A spend is a whole amount, e.g. 12000 or 1.2万 (not {text}).",
            field="amount",
            text=text.strip(),
        )
    value = Decimal(raw) * factor
    if value != value.to_integral_value():
        raise InvalidInput(
            "A spend is a whole amount, e.g. 12000 or 1.2万 (not {text}).",
            field="amount",
            text=text.strip(),
        )
    if value > MAX_SPEND:
        raise InvalidInput(
            "At most {most} a month on one medium.", field="amount", most=f"{MAX_SPEND:,}"
        )
    return int(value)


def half_up(value: Decimal) -> int:
    """Rounded to a whole unit, halves up (as a shop's calculator rounds)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spend_to_date(amount: int, month: date, last: date) -> int:
    """The part of a month's ``amount`` spent by the end of ``last``: all of it once the
    month is over, a share by days gone while it runs, nothing before it began."""
    first = month.replace(day=1)
    days = calendar.monthrange(first.year, first.month)[1]
    if last < first:
        return 0
    if last >= first.replace(day=days):
        return amount
    return half_up(Decimal(amount) * ((last - first).days + 1) / days)


def cost_per(spend: int, n: int) -> int | None:
    """``spend`` ÷ ``n`` rounded half up; None when nothing came."""
    return None if n == 0 else half_up(Decimal(spend) / n)


@dataclass(frozen=True)
class MediaRow:
    """One medium's month: what it cost and what it brought."""

    code: str | None  # None: visitors whose form named no medium
    spend_month: int
    spend_to_date: int
    visitors: int
    contacts: int
    sales: int

    @property
    def cost_per_visitor(self) -> int | None:
        """Spend to date per visitor it brought."""
        return cost_per(self.spend_to_date, self.visitors)

    @property
    def cost_per_sale(self) -> int | None:
        """Spend to date per sale it brought."""
        return cost_per(self.spend_to_date, self.sales)


def total_row(rows: list[MediaRow]) -> MediaRow:
    """Every medium together (the unrecorded visitors included: they were bought too)."""
    return MediaRow(
        None,
        sum(r.spend_month for r in rows),
        sum(r.spend_to_date for r in rows),
        sum(r.visitors for r in rows),
        sum(r.contacts for r in rows),
        sum(r.sales for r in rows),
    )
