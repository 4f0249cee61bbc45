"""Where visitors come from (issue 18): the first article's "every visitor is bought with
money", measured — what the shop spent on each medium, and what each visitor and each
sale it brought cost.

The rules, also in the README ("Where visitors come from"):

- *visitors* of a medium: counted first visits in the period whose form named it by the
  period's end; *contacts*: those of them who left contact details; *sales*: customers
  won in the period whose registering visit named it.
- *spend*: what the manager entered for the month, in whole units of the shop's
  currency; a medium with none entered has an unknown spend (no cost shown), one with 0
  entered is free (its visitors cost 0). Over part of a month (a meeting's month so
  far) the spend *to date* is the month's spend × the days gone ÷ the days of the
  month, rounded half up: a flat monthly fee (a car website's listing) is spent evenly,
  so early in a month the cost per visitor is not inflated by the days still to come.
- *cost per visitor* = spend to date ÷ visitors; *cost per sale* = spend to date ÷ sales,
  rounded half up to a whole unit; none when nothing came or the spend is unknown.
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
    """A month's spend as typed: whole units, in groups of three (``12,000``, ``12 000``);
    a trailing ``万`` / ``w`` means ten thousand and may have a decimal point (``1.2万`` =
    12000). Without it a point is refused: ``12.000`` is 12,000 in much of the world
    and 12 in the rest, and a wrong guess is a spend off by a thousand times."""
    # NFKC: a Chinese keyboard's full-width digits and comma are the ASCII ones.
    raw = unicodedata.normalize("NFKC", text).strip().replace("_", "")
    if not raw:
        raise InvalidInput("Type the amount spent, e.g. 12000 or 1.2万.", field="amount")
    factor = 1
    if raw[-1:] in ("万", "w", "W"):
        raw, factor = raw[:-1].strip(), 10_000
    digits = r"(\d{1,3}([, ]\d{3})+|\d+)"
    whole = re.fullmatch(digits, raw) is not None
    tenthousands = factor > 1 and re.fullmatch(digits + r"\.\d+", raw) is not None
    if not (whole or tenthousands):
        raise InvalidInput(
            "A spend is a whole amount, e.g. 12000, 12,000 or 1.2万 (not {text}).",
            field="amount",
            text=text.strip(),
        )
    value = Decimal(raw.replace(",", "").replace(" ", "")) * factor
    if value != value.to_integral_value():
        raise InvalidInput(
            "A spend is a whole amount, e.g. 12000, 12,000 or 1.2万 (not {text}).",
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


def spend_to_date(amount: int | None, month: date, last: date) -> int | None:
    """The part of a month's ``amount`` spent by the end of ``last``: all of it once the
    month is over, a share by days gone while it runs, nothing before it began; None
    when no spend was entered (not known: not the same as nothing)."""
    if amount is None:
        return None
    first = month.replace(day=1)
    days = calendar.monthrange(first.year, first.month)[1]
    if last < first:
        return 0
    if last >= first.replace(day=days):
        return amount
    return half_up(Decimal(amount) * ((last - first).days + 1) / days)


def cost_per(spend: int | None, n: int) -> int | None:
    """``spend`` ÷ ``n`` rounded half up; None when nothing came or the spend is unknown."""
    return None if n == 0 or spend is None else half_up(Decimal(spend) / n)


@dataclass(frozen=True)
class MediaRow:
    """One medium's month: what it cost and what it brought."""

    code: str | None  # None: visitors whose form named no medium
    spend_month: int | None  # None: no spend entered for the month
    spend_to_date: int | None
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


def _sum(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def total_row(rows: list[MediaRow]) -> MediaRow:
    """Every medium together: the spend entered (none entered: unknown), and every
    visitor, the unrecorded ones included (they were bought too)."""
    return MediaRow(
        None,
        _sum([r.spend_month for r in rows]),
        _sum([r.spend_to_date for r in rows]),
        sum(r.visitors for r in rows),
        sum(r.contacts for r in rows),
        sum(r.sales for r in rows),
    )
