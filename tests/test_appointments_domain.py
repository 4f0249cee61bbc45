"""The rules of an appointment (domain.appointments), table by table."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from deskterm.clock import zone_named
from deskterm.domain.appointments import (
    AppointmentStatus as S,
)
from deskterm.domain.appointments import (
    DeskState as D,
)
from deskterm.domain.appointments import (
    Times,
    check_visit_time,
    desk_state,
    due_for_settling,
    parse_visit,
    show_rate,
    state_at,
)
from deskterm.errors import InvalidInput

Z = zone_named("Asia/Shanghai")
AT = datetime(2026, 3, 5, 14, 30, tzinfo=Z)
GRACE = timedelta(minutes=60)


def at(h: int, m: int = 0, day: int = 5) -> datetime:
    return datetime(2026, 3, day, h, m, tzinfo=Z)


# (name, status, status_at, moment) → state
STATE_CASES = [
    ("booked, before its time", S.BOOKED, at(9), at(14), S.BOOKED),
    ("booked, late within the grace", S.BOOKED, at(9), at(15, 29), S.BOOKED),
    ("booked, grace ends: a no-show", S.BOOKED, at(9), at(15, 30), S.NO_SHOW),
    ("never settled, read the next day", S.BOOKED, at(9), at(9, day=6), S.NO_SHOW),
    ("shown, after it was recorded", S.SHOWN, at(14, 40), at(18), S.SHOWN),
    ("shown late: a no-show until then", S.SHOWN, at(16), at(15, 45), S.NO_SHOW),
    ("shown, before the arrival: booked", S.SHOWN, at(14, 40), at(14), S.BOOKED),
    ("cancelled, after the cancel", S.CANCELLED, at(11), at(12), S.CANCELLED),
    ("cancelled later: booked until then", S.CANCELLED, at(11), at(10), S.BOOKED),
    ("settled no-show", S.NO_SHOW, at(15, 31), at(16), S.NO_SHOW),
    ("settled no-show read before its time", S.NO_SHOW, at(15, 31), at(13), S.BOOKED),
]


@pytest.mark.parametrize(
    ("name", "status", "status_at", "moment", "expected"),
    STATE_CASES,
    ids=[c[0] for c in STATE_CASES],
)
def test_state_at(name, status, status_at, moment, expected):
    assert state_at(Times(AT, status, status_at), moment, GRACE) is expected


SETTLE_CASES = [
    ("booked, grace not over", S.BOOKED, at(15, 29), False),
    ("booked, grace over", S.BOOKED, at(15, 30), True),
    ("no grace: at its time", S.BOOKED, at(14, 30), True),  # with GRACE 0 below
    ("shown", S.SHOWN, at(20), False),
    ("cancelled", S.CANCELLED, at(20), False),
    ("already a no-show", S.NO_SHOW, at(20), False),
]


@pytest.mark.parametrize(
    ("name", "status", "now", "expected"), SETTLE_CASES, ids=[c[0] for c in SETTLE_CASES]
)
def test_due_for_settling(name, status, now, expected):
    grace = timedelta(0) if name.startswith("no grace") else GRACE
    assert due_for_settling(Times(AT, status, at(9)), now, grace) is expected


DESK_CASES = [
    ("before its time", S.BOOKED, at(14), D.EXPECTED),
    ("past its time", S.BOOKED, at(14, 31), D.LATE),
    ("past the grace, not settled yet", S.BOOKED, at(15, 45), D.NO_SHOW),
    ("settled", S.NO_SHOW, at(15, 45), D.NO_SHOW),
    ("came", S.SHOWN, at(14), D.ARRIVED),
]


@pytest.mark.parametrize(
    ("name", "status", "now", "expected"), DESK_CASES, ids=[c[0] for c in DESK_CASES]
)
def test_desk_state(name, status, now, expected):
    assert desk_state(Times(AT, status, at(9)), now, GRACE) is expected


NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=Z)
CHECK_CASES = [
    ("later today", datetime(2026, 3, 2, 15, 0, tzinfo=Z), None),
    ("this very minute", datetime(2026, 3, 2, 9, 0, tzinfo=Z), None),
    ("a minute ago", datetime(2026, 3, 2, 8, 59, tzinfo=Z), "past"),
    ("yesterday", datetime(2026, 3, 1, 15, 0, tzinfo=Z), "past"),
    ("90 days ahead", datetime(2026, 5, 31, 10, 0, tzinfo=Z), None),
    ("91 days ahead", datetime(2026, 6, 1, 10, 0, tzinfo=Z), "days ahead"),
    ("at night is allowed", datetime(2026, 3, 3, 23, 30, tzinfo=Z), None),
]


@pytest.mark.parametrize(("name", "when", "error"), CHECK_CASES, ids=[c[0] for c in CHECK_CASES])
def test_check_visit_time(name, when, error):
    if error is None:
        check_visit_time(when, NOW)
        return
    with pytest.raises(InvalidInput, match=error) as e:
        check_visit_time(when, NOW)
    assert e.value.field == "appointment"


TODAY = date(2026, 12, 1)
PARSE_CASES = [
    ("2026-12-03 14:30", (date(2026, 12, 3), time(14, 30))),
    ("  2026-12-03   9:05 ", (date(2026, 12, 3), time(9, 5))),
    ("２０２６-１２-０３ １４：３０", (date(2026, 12, 3), time(14, 30))),
    ("12-03 14:30", (date(2026, 12, 3), time(14, 30))),
    ("01-05 10:00", (date(2027, 1, 5), time(10, 0))),  # the next 5 January
    ("12-01 18:00", (date(2026, 12, 1), time(18, 0))),  # today is "the next" too
    ("明天 15:00", (date(2026, 12, 2), time(15, 0))),
    ("明天15:00", (date(2026, 12, 2), time(15, 0))),
    ("后天 3点半", (date(2026, 12, 3), time(3, 30))),
    ("今天 16点", (date(2026, 12, 1), time(16, 0))),
    ("today 16:45", (date(2026, 12, 1), time(16, 45))),
    ("Tomorrow 9:30", (date(2026, 12, 2), time(9, 30))),
]


@pytest.mark.parametrize(("raw", "expected"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_visit(raw, expected):
    assert parse_visit(raw, TODAY) == expected


BAD_CASES = [
    ("", "Not a day and time"),
    ("2026-12-03", "Add the time"),
    ("2026-12-03 25:00", "No such time"),
    ("2026-12-03 14:60", "No such time"),
    ("2026-02-30 10:00", "No such day"),
    ("someday 10:00", "Not a day and time"),
    ("2026-12-03 2pm", "Not a time"),
    ("2026-12-03 14:30 extra", "Not a day and time"),
    ("[b]x[/b] 10:00", "Not a day and time"),
]


@pytest.mark.parametrize(("raw", "error"), BAD_CASES, ids=[c[0] or "empty" for c in BAD_CASES])
def test_parse_visit_refuses(raw, error):
    with pytest.raises(InvalidInput, match=error) as e:
        parse_visit(raw, TODAY)
    assert e.value.field == "appointment"


def test_a_day_alone_books_the_morning_where_allowed():
    assert parse_visit("2026-12-03", TODAY, time_required=False) == (date(2026, 12, 3), time(10))


@pytest.mark.parametrize(
    ("shown", "no_show", "rate"), [(0, 0, None), (3, 1, 0.75), (0, 2, 0.0), (5, 0, 1.0)]
)
def test_show_rate(shown, no_show, rate):
    assert show_rate(shown, no_show) == rate
