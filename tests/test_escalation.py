"""Escalation windows and the countdown, for any given today (month and year ends)."""

from datetime import date

import pytest

from deskterm.domain.escalation import (
    CustomerClock,
    EscalationKind,
    Status,
    due_escalations,
    next_deadline,
)
from deskterm.domain.levels import DEFAULT_LEVELS, Levels

LV = Levels(DEFAULT_LEVELS)


def clock(
    level="hot",
    status=Status.ACTIVE,
    since=date(2026, 1, 31),
    contact=None,
    owner=None,
    status_since=None,
):
    return CustomerClock(
        level, status, since, status_since or since, owner or since, contact, since
    )


def test_hot_not_won_in_three_months_is_at_risk_at_month_end():
    c = clock(contact=date(2026, 4, 28))
    assert [d.kind for d in due_escalations(c, LV.get("hot"), date(2026, 4, 29))] == []
    due = due_escalations(c, LV.get("hot"), date(2026, 4, 30))
    assert [d.kind for d in due] == [EscalationKind.AT_RISK]  # 31 Jan + 3 months = 30 Apr


def test_at_risk_three_more_months_is_lost_across_year_end():
    c = clock(
        status=Status.AT_RISK,
        since=date(2026, 6, 1),
        status_since=date(2026, 10, 15),
        contact=date(2027, 1, 10),
    )
    assert not due_escalations(c, LV.get("hot"), date(2027, 1, 14))
    assert [d.kind for d in due_escalations(c, LV.get("hot"), date(2027, 1, 15))] == [
        EscalationKind.LOST
    ]


def test_warm_not_upgraded_is_to_reassign_window_restarts_with_new_owner():
    c = clock("warm", since=date(2026, 1, 1), contact=date(2026, 3, 25))
    assert due_escalations(c, LV.get("warm"), date(2026, 4, 1))[0].kind is EscalationKind.REASSIGN
    c2 = clock("warm", since=date(2026, 1, 1), owner=date(2026, 3, 1), contact=date(2026, 3, 25))
    assert not due_escalations(c2, LV.get("warm"), date(2026, 4, 1))


def test_countdown_resets_only_on_a_real_contact():
    # hot: stalled after 7 days + 3 days grace without a real contact
    c = clock(since=date(2026, 3, 1), contact=date(2026, 3, 1))
    d = next_deadline(c, LV.get("hot"))
    assert d.kind is EscalationKind.STALLED and d.due == date(2026, 3, 11)
    assert d.days_left(date(2026, 3, 9)) == 2
    # a real contact on 9 March moves it; an unanswered call would not change last_real_contact
    c2 = clock(since=date(2026, 3, 1), contact=date(2026, 3, 9))
    assert next_deadline(c2, LV.get("hot")).due == date(2026, 3, 19)


def test_cold_won_lost_have_no_deadline():
    assert next_deadline(clock("cold", status=Status.MARKETING), LV.get("cold")) is None
    assert next_deadline(clock("hot", status=Status.WON), LV.get("hot")) is None
    assert next_deadline(clock("hot", status=Status.LOST), LV.get("hot")) is None


def test_leap_day_window():
    c = clock(since=date(2028, 2, 29), contact=date(2028, 5, 28))
    assert due_escalations(c, LV.get("hot"), date(2028, 5, 29))[0].kind is EscalationKind.AT_RISK


# issue 15 (9, 14): a customer's state at the end of a past day, from its history, with
# what the start of day would have written worked out instead of read back.
def _hist(level, *, level_since=date(2026, 3, 2), at_risk_since=None, won=False, lost=False):
    from deskterm.domain.escalation import HistoryAt

    return HistoryAt(
        level=level,
        level_since=level_since,
        owner_since=date(2026, 3, 2),
        last_real_contact=date(2026, 3, 2),
        created=date(2026, 3, 2),
        won=won,
        lost=lost,
        at_risk_since=at_risk_since,
    )


@pytest.mark.parametrize(
    ("hist", "day", "status", "since", "open_"),
    [
        # hot set 2 Mar: its 3-month window ends 2 Jun
        (_hist("hot"), date(2026, 6, 1), "active", date(2026, 3, 2), True),
        (_hist("hot"), date(2026, 6, 2), "at_risk", date(2026, 6, 2), True),
        # at risk 3 more months: lost by the rules on 2 Sep, out of every list
        (_hist("hot"), date(2026, 9, 1), "at_risk", date(2026, 6, 2), True),
        (_hist("hot"), date(2026, 9, 2), "at_risk", date(2026, 6, 2), False),
        # recorded at risk (by the start of day, or kept after a re-grade): that date
        (
            _hist("warm", at_risk_since=date(2026, 5, 1)),
            date(2026, 5, 2),
            "at_risk",
            date(2026, 5, 1),
            True,
        ),
        (_hist("cold"), date(2026, 9, 2), "marketing", date(2026, 3, 2), True),
        (_hist("warm"), date(2026, 9, 2), "active", date(2026, 3, 2), True),
        (_hist("hot", won=True), date(2026, 4, 1), "won", date(2026, 4, 1), False),
        (_hist("hot", lost=True), date(2026, 4, 1), "lost", date(2026, 4, 1), False),
    ],
)
def test_state_at_the_end_of_a_day(hist, day, status, since, open_):
    from deskterm.domain.escalation import state_at

    clock, still_open = state_at(hist, LV.get(hist.level), day)
    assert (clock.status.value, clock.status_since, still_open) == (status, since, open_)
