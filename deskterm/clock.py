"""One clock for the whole app; ``DESKTERM_NOW`` (ISO date-time) overrides it.

Trainers and tests run the app "on" any day with the override.  The clock always
answers aware datetimes in the shop's local time zone, because "today" at a
showroom is the local calendar day.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from deskterm.errors import InvalidInput


def _zoneinfo(name: str) -> tzinfo | None:
    # The standard library's zones convert in C, several times faster than dateutil's
    # (every date on every list goes through one); dateutil stays the fallback where the
    # system has no zone data (Windows without the tzdata package).
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_zone() -> tzinfo:
    """The machine's local time zone (``TZ`` is honoured)."""
    name = os.environ.get("TZ", "").removeprefix(":")
    if not name:
        try:  # /etc/localtime -> /usr/share/zoneinfo/Area/City on Linux and macOS
            target = Path("/etc/localtime").resolve(strict=True)
            name = "/".join(target.parts[target.parts.index("zoneinfo") + 1 :])
        except (OSError, ValueError):
            name = ""
    zone = _zoneinfo(name) if name else None
    if zone is None:
        from dateutil import tz  # the fallback only: 6 ms of the app's start-up

        zone = tz.gettz() or tz.tzlocal()
    return zone


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
        return at  # a naive value stays naive: it means "this wall-clock time at the shop"

    def now(self) -> datetime:
        # Resolved on every read, so a shop time zone set after creation applies.
        if self._at.tzinfo is None:
            return self._at.replace(tzinfo=self.zone)
        return self._at.astimezone(self.zone)

    def set(self, at: datetime) -> None:
        """Move the clock to ``at`` (naive values are local time)."""
        self._at = self._aware(at)


_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,40}(/[A-Za-z0-9_+\-]{1,40}){0,2}")


def zone_named(name: str) -> tzinfo:
    """A time zone by IANA name (the shop setting ``shop.timezone``).

    Only a name of the IANA form (``Asia/Shanghai``, ``UTC``, ``Etc/GMT+8``) is looked up:
    a path (``../../etc/passwd``, ``/tmp/x``) would make the zone libraries open a file
    outside the zone database, or end in a warning raised as a traceback.
    """
    if not _ZONE_NAME.fullmatch(name) or ".." in name:
        raise InvalidInput("Unknown time zone {name}.", field="shop.timezone", name=name)
    zone = _zoneinfo(name)
    if zone is None and not available_timezones():
        from dateutil import tz  # no zone data on this system (Windows without tzdata)

        zone = tz.gettz(name)
    if zone is None:
        raise InvalidInput("Unknown time zone {name}.", field="shop.timezone", name=name)
    return zone


def parse_now(value: str) -> datetime:
    """Parse a ``DESKTERM_NOW`` value; a naive value is the shop's wall-clock time."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        at = None  # the rarer ISO forms: dateutil (8 ms to import, so only then)
    if at is not None:
        return at
    from dateutil import parser as date_parser

    try:
        at = date_parser.isoparse(value.strip())
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            "DESKTERM_NOW must be an ISO date-time such as 2026-03-02T09:30, not {value}",
            field="DESKTERM_NOW",
            value=value,
        ) from exc
    return at


def clock_from_env(env: Mapping[str, str] | None = None, default: datetime | None = None) -> Clock:
    """The app's clock: ``DESKTERM_NOW`` if set, else ``default`` if given, else real time."""
    env = os.environ if env is None else env
    value = env.get("DESKTERM_NOW", "").strip()
    if value:
        return FixedClock(parse_now(value))
    if default is not None:
        return FixedClock(default)
    return Clock()
