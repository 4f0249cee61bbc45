"""ISO-8601 durations (``P7D``, ``P1M``, ``P3M``) as stored in level rules.

Level rules are data, so their intervals are strings in the database; this turns
them into ``relativedelta`` values that are calendar-correct at month ends.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from deskterm.errors import InvalidInput

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@lru_cache(maxsize=256)  # a handful of rule strings, parsed per customer on big lists
def parse_duration(text: str, field: str = "interval") -> relativedelta:
    """``P1Y2M3W4D`` → relativedelta; raises InvalidInput for anything else or zero."""
    m = _DURATION.match(text.strip().upper())
    if not m or not any(m.groups()):
        raise InvalidInput(
            "Not a duration: {value} (use P7D, P2W, P1M or P1Y).", field=field, value=text
        )
    years, months, weeks, days = (int(g) if g else 0 for g in m.groups())
    delta = relativedelta(years=years, months=months, days=weeks * 7 + days)
    if not (years or months or weeks or days):
        raise InvalidInput("A duration must be longer than zero.", field=field)
    return delta


@lru_cache(maxsize=8192)  # lists recompute the same customers' deadlines on every refresh
def add_duration(day: date, text: str) -> date:
    """``day`` plus the ISO duration ``text``, calendar-correct at month ends."""
    delta = parse_duration(text)
    if not (delta.years or delta.months):
        return day + timedelta(days=delta.days)  # the common P7D case, without relativedelta
    return day + delta


def approx_days(delta: relativedelta) -> float:
    """Rough length in days, for estimates only (never for due dates)."""
    return delta.years * 365.25 + delta.months * 30.44 + delta.days


def first_step_after(anchor: date, delta: relativedelta, after: date) -> date:
    """The first ``anchor + k·delta`` (k ≥ 1) strictly after ``after``.

    Stepping from the anchor, not from the previous step, keeps a monthly cadence
    that began on 31 January on the last day of each month (29 Feb, 31 Mar, 30 Apr)
    instead of drifting to the 29th for ever.
    """
    span = (after - anchor).days
    k = max(1, int(span / max(approx_days(delta), 1.0)) - 1)
    while anchor + delta * k > after and k > 1:
        k -= 1
    while anchor + delta * k <= after:
        k += 1
    return anchor + delta * k
