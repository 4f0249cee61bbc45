"""Invitations to visit (appointments), without a database.

An appointment is booked for a day and a time; the visitor comes (shown), or the time
passes by more than the shop's grace without a visit (no-show), or it is cancelled.
The stored status is the desk's record; ``state_at`` reads the state at any moment
from the times, so a past day reads right even if nobody settled it that day.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from deskterm.errors import InvalidInput
from deskterm.i18n import N_

#: How far ahead an appointment may be booked: further out is a callback, not a visit.
MAX_DAYS_AHEAD = 90
#: The time a day typed without one books (the shop's morning, when it is quiet).
DEFAULT_TIME = time(10, 0)


class AppointmentStatus(StrEnum):
    """The appointment's record (column ``appointment.status``)."""

    BOOKED = "booked"
    SHOWN = "shown"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class DeskState(StrEnum):
    """What the Reception screen says of today's expected visitor."""

    EXPECTED = "expected"  # booked, its time still ahead
    LATE = "late"  # booked, its time passed (within the grace or not settled yet)
    NO_SHOW = "no_show"
    ARRIVED = "arrived"


DESK_STATE_LABELS: dict[DeskState, str] = {
    DeskState.EXPECTED: N_("expected"),
    DeskState.LATE: N_("late"),
    DeskState.NO_SHOW: N_("no-show"),
    DeskState.ARRIVED: N_("arrived"),
}


@dataclass(frozen=True)
class Times:
    """What the state of an appointment is read from."""

    at: datetime  # the agreed day and time
    status: AppointmentStatus  # as recorded
    status_at: datetime | None  # when it was recorded


def state_at(appt: Times, moment: datetime, grace: timedelta) -> AppointmentStatus:
    """The appointment's state as things stood at ``moment``.

    Shown or cancelled count from when that was recorded; otherwise it was booked
    until its time plus the grace, and a no-show after (even if nobody settled it).
    """
    recorded = appt.status_at is not None and appt.status_at <= moment
    if appt.status in (AppointmentStatus.SHOWN, AppointmentStatus.CANCELLED) and recorded:
        return appt.status
    if appt.at + grace <= moment:
        return AppointmentStatus.NO_SHOW
    return AppointmentStatus.BOOKED


def due_for_settling(appt: Times, now: datetime, grace: timedelta) -> bool:
    """Whether the desk should record it as a no-show now (booked, time + grace passed)."""
    return appt.status is AppointmentStatus.BOOKED and appt.at + grace <= now


def desk_state(appt: Times, now: datetime, grace: timedelta) -> DeskState:
    """Expected / late / no-show / arrived, for the Reception screen."""
    if appt.status is AppointmentStatus.SHOWN:
        return DeskState.ARRIVED
    if appt.status is AppointmentStatus.NO_SHOW or due_for_settling(appt, now, grace):
        return DeskState.NO_SHOW
    return DeskState.EXPECTED if now < appt.at else DeskState.LATE


def check_visit_time(at: datetime, now: datetime, *, max_days: int = MAX_DAYS_AHEAD) -> None:
    """Refuse a time already past or more than ``max_days`` ahead (field "appointment")."""
    if at < now.replace(second=0, microsecond=0):
        raise InvalidInput("The appointment time is in the past.", field="appointment")
    if (at.date() - now.date()).days > max_days:
        raise InvalidInput(
            "An appointment is at most {n} days ahead; schedule a callback instead.",
            field="appointment",
            n=max_days,
        )


def show_rate(shown: int, no_show: int) -> float | None:
    """Shown ÷ (shown + no-show); None when no appointment was due."""
    total = shown + no_show
    return shown / total if total else None


# -- reading what the desk types -------------------------------------------------------
_RELATIVE = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "tomorrow": 1,
    "明天": 1,
    "明日": 1,
    "后天": 2,
}
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2})|点(?:(\d{1,2})分?|(半))?)$")
_FULL_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SHORT_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


def _clock(text: str) -> time:
    m = _CLOCK.match(text)
    if m is None:
        raise InvalidInput("Not a time: use HH:MM, e.g. 14:30.", field="appointment")
    hour = int(m.group(1))
    minute = 30 if m.group(4) else int(m.group(2) or m.group(3) or 0)
    if hour > 23 or minute > 59:
        raise InvalidInput("No such time: {value}.", field="appointment", value=text)
    return time(hour, minute)


def _day(text: str, today: date) -> date:
    if text.lower() in _RELATIVE:
        return today + timedelta(days=_RELATIVE[text.lower()])
    full, short = _FULL_DAY.match(text), _SHORT_DAY.match(text)
    try:
        if full:
            return date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
        if short:
            # The next such day: in December "01-05" is next January's.
            month, day = int(short.group(1)), int(short.group(2))
            found = date(today.year, month, day) if (month, day) != (2, 29) else None
            if found is None or found < today:
                found = date(today.year + 1, month, day)
            return found
    except ValueError:
        raise InvalidInput("No such day: {value}.", field="appointment", value=text) from None
    raise InvalidInput(
        "Not a day and time: use YYYY-MM-DD HH:MM (or MM-DD, today, tomorrow).",
        field="appointment",
    )


def parse_visit(raw: str, today: date, *, time_required: bool = True) -> tuple[date, time]:
    """The day and time typed at the desk: ``2026-12-03 14:30``, ``12-03 14:30``,
    ``明天 15:00``, ``tomorrow 9:30``, ``后天 3点半``… (full-width digits forgiven).

    Without a time: refused when ``time_required``, else :data:`DEFAULT_TIME`.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = re.sub(r"^(今天|今日|明天|明日|后天)(?=\d)", r"\1 ", text)  # "明天15:00"
    parts = text.split()
    if not parts or len(parts) > 2:
        raise InvalidInput(
            "Not a day and time: use YYYY-MM-DD HH:MM (or MM-DD, today, tomorrow).",
            field="appointment",
        )
    day = _day(parts[0], today)
    if len(parts) == 2:
        return day, _clock(parts[1])
    if time_required:
        raise InvalidInput("Add the time: YYYY-MM-DD HH:MM.", field="appointment")
    return day, DEFAULT_TIME
