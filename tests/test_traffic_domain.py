"""The traffic log's rules (domain.traffic), table by table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from deskterm.domain import traffic as T

D0 = datetime(2026, 3, 2, tzinfo=UTC)  # the period's start
D1 = datetime(2026, 3, 3, tzinfo=UTC)  # its end (exclusive): the end of the last day


def at(h: int, m: int = 0, s: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, h, m, s, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (at(10), at(10, 0, 59), 0),
        (at(10), at(10, 1), 1),
        (at(10), at(10, 45, 59), 45),  # floored, never rounded up
        (at(10), at(12, 0, 30), 120),
        (at(10), at(9, 59), 0),  # ended "before" it began: 0, not negative
    ],
)
def test_whole_minutes(start, end, minutes):
    assert T.whole_minutes(start, end) == minutes


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([], None),
        ([7], 7),
        ([3, 1, 2], 2),
        ([1, 2], 1.5),  # between two: statistics.median's half
        ([1, 3], 2),  # whole: an int
        ([40, 10, 20, 30], 25),
    ],
)
def test_median_minutes(values, median):
    got = T.median_minutes(values)
    assert got == median and type(got) is type(median)


@pytest.mark.parametrize(
    ("shown", "no_show", "rate"),
    [(0, 0, None), (1, 0, 1.0), (0, 2, 0.0), (3, 1, 0.75)],
)
def test_show_rate(shown, no_show, rate):
    assert T.show_rate(shown, no_show) == rate


@pytest.mark.parametrize(
    ("appointment", "grace", "no_show"),
    [
        (at(22), 60, True),  # 23:00 ≤ midnight
        (at(23), 60, True),  # exactly at the end: passed
        (at(23, 1), 60, False),  # 00:01 the next day: still pending that evening
        (at(23, 59), 0, True),
        (at(23, 30), 720, False),
    ],
)
def test_no_show_needs_the_grace_to_have_passed(appointment, grace, no_show):
    assert T.is_no_show(appointment, grace, D1) is no_show


@pytest.mark.parametrize(
    ("sold", "drove", "contact", "saved", "outcome"),
    [
        (True, True, True, True, T.Outcome.SOLD),
        (True, False, False, False, T.Outcome.SOLD),
        (False, True, True, True, T.Outcome.TEST_DRIVE),
        (False, True, False, False, T.Outcome.TEST_DRIVE),
        (False, False, True, True, T.Outcome.CONTACT),
        (False, False, True, False, T.Outcome.CONTACT),  # a returning customer, no form
        (False, False, False, True, T.Outcome.NO_CONTACT),
        (False, False, False, False, T.Outcome.NO_FORM),
    ],
)
def test_outcome_first_match(sold, drove, contact, saved, outcome):
    assert T.classify(sold=sold, test_drive=drove, contact=contact, form_saved=saved) is outcome


@pytest.mark.parametrize(
    ("first", "day", "days", "back"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), 30, False),  # the same day
        (date(2026, 3, 1), date(2026, 3, 2), 30, True),  # 1 day
        (date(2026, 3, 1), date(2026, 3, 31), 30, True),  # N days
        (date(2026, 3, 1), date(2026, 4, 1), 30, False),  # N + 1 days
        (date(2026, 3, 2), date(2026, 3, 1), 30, False),  # before the first visit
        (date(2026, 3, 1), date(2026, 3, 2), 1, True),
    ],
)
def test_be_back_window(first, day, days, back):
    assert T.is_be_back(first, day, days) is back


ORDER = ("greeted", "needs", "walkaround", "test_drive", "quote", "manager")


@pytest.mark.parametrize(
    ("ticked", "stop"),
    [
        ((), "none"),
        (("greeted",), "greeted"),
        (("needs", "greeted"), "needs"),
        (("greeted", "quote"), "quote"),  # a step skipped: the last one reached
        (("manager",), "manager"),
        (("retired",), "none"),  # a code not in the order is no step reached
    ],
)
def test_stopped_at(ticked, stop):
    assert T.stopped_at(ticked, ORDER) == stop


def appt(sp, created, when, status="booked", status_at=None):
    return T.AppointmentFact(sp, created, when, status, status_at)


def test_appointment_counts_as_things_stood_at_the_end():
    before = D0 - timedelta(days=5)
    facts = [
        appt(1, at(9), at(15)),  # booked and due today, pending past the grace: no-show
        appt(1, before, at(11), "shown", at(11, 20)),  # booked before the period: due, not booked
        appt(1, before, at(20), "shown", at(21, 30)),  # late arrival, linked: shown
        appt(2, before, at(12), "cancelled", at(8)),  # cancelled by then: not due
        appt(2, before, at(13), "cancelled", at(9, day=3)),  # cancelled after: due, no-show
        appt(2, before, at(16), "shown", at(10, day=3)),  # came the next day: no-show today
        appt(2, before, at(23, 30)),  # grace not passed by the end: due, pending
        appt(2, at(9), at(10, day=9)),  # booked today for next week: booked only
        appt(2, at(10, day=3), at(17)),  # booked after the end: not there yet
        appt(3, before, at(10), "no_show", at(11)),  # stored no-show
    ]
    got = T.appointment_counts(facts, D0, D1, 60)
    team, one, two = got[None], got[1], got[2]
    assert (one.booked, one.due, one.shown, one.no_show) == (1, 3, 2, 1)
    assert (two.booked, two.due, two.shown, two.no_show) == (1, 3, 0, 2)
    assert (team.booked, team.due, team.shown, team.no_show) == (2, 7, 2, 4)
    assert team.show_rate == 2 / 6
    # The next day's report over both days: the late visit is shown.
    both = T.appointment_counts(facts, D0, D1 + timedelta(days=1), 60)[2]
    assert (both.due, both.shown, both.no_show) == (3, 1, 2)


def test_step_counts_and_turn_over():
    visits = [
        T.VisitSteps(1, frozenset({"greeted", "needs"})),
        T.VisitSteps(1, frozenset({"greeted", "manager"})),
        T.VisitSteps(2, frozenset()),
    ]
    got = T.step_counts(visits, ORDER, "manager")
    assert got[None].visits == 3 and got[None].reached["greeted"] == 2
    assert got[None].stopped_at == {
        "greeted": 0,
        "needs": 1,
        "walkaround": 0,
        "test_drive": 0,
        "quote": 0,
        "manager": 1,
        "none": 1,
    }
    assert got[1].turn_over_rate == 0.5 and got[2].turn_over_rate == 0.0
    assert T.step_counts([], ORDER, "manager")[None].turn_over_rate is None


def test_minutes_and_outcomes():
    times = [
        T.VisitTime(1, 30, 0, False, T.Outcome.SOLD),
        T.VisitTime(1, 45, 5, True, T.Outcome.CONTACT),
        T.VisitTime(2, 10, 2, False, T.Outcome.NO_FORM),
    ]
    got = T.minute_figures(times)
    assert got[None] == T.MinuteFigures(3, 30, 2, 1)
    assert got[1] == T.MinuteFigures(2, 37.5, 2.5, 1)
    outcomes = T.by_outcome(times)
    assert list(outcomes) == list(T.OUTCOMES)
    assert outcomes[T.Outcome.SOLD] == (1, 30) and outcomes[T.Outcome.TEST_DRIVE] == (0, None)


def test_be_back_counts():
    visits = [
        T.VisitReturn(1, date(2026, 3, 1), True, date(2026, 3, 1)),
        T.VisitReturn(1, date(2026, 3, 5), False, date(2026, 3, 1)),
        T.VisitReturn(2, date(2026, 3, 5), False, date(2025, 3, 1)),  # too long ago
        T.VisitReturn(2, date(2026, 3, 5), False, None),  # no contact: unknown
    ]
    got = T.be_back_counts(visits, 30)
    assert (got[None].first_visits, got[None].be_backs, got[None].rate) == (1, 1, 1.0)
    assert got[2].rate is None


@pytest.mark.parametrize(
    ("mine", "team", "gap"),
    [
        ({}, {"greeted": 1.0}, None),  # no visit of theirs
        ({"greeted": 1.0, "walkaround": 0.35}, {"greeted": 1.0, "walkaround": 0.6}, 0),
        ({"greeted": 1.0, "walkaround": 0.8}, {"greeted": 0.9, "walkaround": 0.6}, None),
        ({"greeted": 0.5, "walkaround": 0.25}, {"greeted": 0.75, "walkaround": 0.5}, 1),  # tie
    ],
)
def test_widest_gap(mine, team, gap):
    order = ("greeted", "walkaround")
    got = T.widest_gap(mine, team, order)
    if gap is None:
        assert got is None
    elif gap == 0:
        assert got == ("walkaround", 0.35, 0.6)
    else:
        assert got is not None and got[0] == "greeted"


def test_step_shares():
    assert T.step_shares({"greeted": 3, "needs": 1}, 4, ("greeted", "needs", "quote")) == {
        "greeted": 0.75,
        "needs": 0.25,
        "quote": 0.0,
    }
    assert T.step_shares({}, 0, ("greeted",)) == {}


def test_step_names_fold_by_cells():
    from deskterm.ui.screens.manager.funnel import fold_name

    assert fold_name("manager met the customer", 8, 4) == "manager\nmet the\ncustomer"
    assert fold_name("接待问候", 8, 4) == "接待\n问候"
    assert fold_name("报价", 8, 4) == "报价"
    assert fold_name("[bold red]Red[/]", 12, 12) == "[bold\nred]Red[/]"
