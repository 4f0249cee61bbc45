"""One clock for the whole app; ``DESKTERM_NOW`` (ISO date-time) overrides it.

Trainers and tests run the app "on" any day with the override.  The clock always
answers aware datetimes in the shop's local time zone, because "today" at a
showroom is the local calendar day.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime, tzinfo

from dateutil import parser as date_parser
from dateutil import tz

from deskterm.errors import InvalidInput


def local_zone() -> tzinfo:
    """The machine's local time zone (``TZ`` is honoured)."""
    return tz.gettz() or tz.tzlocal()


class Clock:
    """The real clock."""

    def __init__(self, zone: tzinfo | None = None) -> None:
        self.zone = zone or local_zone()

    def now(self) -> datetime:
        """The current local time, timezone-aware."""
        return datetime.now(self.zone)

    def today(self) -> date:
        """The local calendar day."""
        return self.now().date()


class FixedClock(Clock):
    """A clock that stands still until moved (tests, training, demo generation)."""

    def __init__(self, at: datetime, zone: tzinfo | None = None) -> None:
        super().__init__(zone)
        self._at = self._aware(at)

    def _aware(self, at: datetime) -> datetime:
        return at.replace(tzinfo=self.zone) if at.tzinfo is None else at.astimezone(self.zone)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to ``at`` (naive values are local time)."""
        self._at = self._aware(at)


def parse_now(value: str, zone: tzinfo | None = None) -> datetime:
    """Parse a ``DESKTERM_NOW`` value; a naive value is local time."""
    try:
        at = date_parser.isoparse(value.strip())
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            "DESKTERM_NOW must be an ISO date-time such as 2026-03-02T09:30, not {value}",
            field="DESKTERM_NOW",
            value=value,
        ) from exc
    zone = zone or local_zone()
    return at.replace(tzinfo=zone) if at.tzinfo is None else at.astimezone(zone)


def clock_from_env(env: Mapping[str, str] | None = None, default: datetime | None = None) -> Clock:
    """The app's clock: ``DESKTERM_NOW`` if set, else ``default`` if given, else real time."""
    env = os.environ if env is None else env
    value = env.get("DESKTERM_NOW", "").strip()
    if value:
        return FixedClock(parse_now(value))
    if default is not None:
        return FixedClock(default)
    return Clock()
