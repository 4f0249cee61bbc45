"""Callback schedule: intervals from the level, calendar-correct at month ends and 29 Feb."""

from datetime import date

import pytest

from deskterm.domain.durations import first_step_after, parse_duration
from deskterm.domain.levels import DEFAULT_LEVELS, Levels
from deskterm.domain.schedule import NextStep, Outcome, first_callback, next_due, plan_after_contact
from deskterm.errors import InvalidInput

LV = Levels(DEFAULT_LEVELS)
HOT, WARM, COLD = LV.get("hot"), LV.get("warm"), LV.get("cold")


def test_hot_is_called_every_week():
    assert next_due(HOT, date(2026, 3, 2)) == date(2026, 3, 9)


def test_warm_monthly_from_month_end_clamps_not_overflows():
    assert next_due(WARM, date(2026, 1, 31)) == date(2026, 2, 28)
    assert next_due(WARM, date(2028, 1, 31)) == date(2028, 2, 29)  # leap year


def test_monthly_cadence_anchored_on_31st_stays_on_month_end():
    anchor = date(2028, 1, 31)
    assert next_due(WARM, date(2028, 1, 31), anchor) == date(2028, 2, 29)
    assert next_due(WARM, date(2028, 2, 29), anchor) == date(2028, 3, 31)
    assert next_due(WARM, date(2028, 3, 31), anchor) == date(2028, 4, 30)


def test_yearly_from_leap_day():
    delta = parse_duration("P1Y")
    assert first_step_after(date(2028, 2, 29), delta, date(2028, 3, 1)) == date(2029, 2, 28)
    assert first_step_after(date(2028, 2, 29), delta, date(2031, 3, 1)) == date(2032, 2, 29)


def test_year_end_weekly():
    assert next_due(HOT, date(2026, 12, 28)) == date(2027, 1, 4)


def test_first_step_after_far_anchor_is_exact():
    delta = parse_duration("P7D")
    got = first_step_after(date(2020, 1, 1), delta, date(2026, 6, 15))
    assert got > date(2026, 6, 15) and (got - date(2020, 1, 1)).days % 7 == 0
    assert (got - date(2026, 6, 15)).days <= 7


def test_no_answer_retries_next_day_and_is_not_a_contact():
    plan = plan_after_contact(HOT, Outcome.NO_ANSWER, date(2026, 2, 28), date(2026, 2, 1))
    assert plan == plan_after_contact(HOT, Outcome.NO_ANSWER, date(2026, 2, 28), date(2026, 1, 1))
    assert plan.due == date(2026, 3, 1)
    assert not Outcome.NO_ANSWER.is_real_contact and Outcome.REACHED.is_real_contact


def test_level_change_reschedules_from_the_new_cadence():
    # warm customer upgraded to hot on 10 March: next callback a week later, not a month.
    plan = plan_after_contact(HOT, Outcome.REACHED, date(2026, 3, 10), date(2026, 3, 10))
    assert plan == plan_after_contact(HOT, Outcome.REACHED, date(2026, 3, 10), date(2026, 3, 10))
    assert plan.step is NextStep.CALLBACK and plan.due == date(2026, 3, 17)


def test_cold_goes_to_marketing_won_to_care_lost_to_pool():
    assert (
        plan_after_contact(COLD, Outcome.REACHED, date(2026, 3, 1), date(2026, 3, 1)).step
        is NextStep.MARKETING
    )
    assert (
        plan_after_contact(HOT, Outcome.WON, date(2026, 3, 1), date(2026, 3, 1)).step
        is NextStep.CARE
    )
    assert (
        plan_after_contact(HOT, Outcome.LOST, date(2026, 3, 1), date(2026, 3, 1)).step
        is NextStep.LOST
    )
    assert first_callback(COLD, date(2026, 3, 1)).step is NextStep.MARKETING


def test_appointment_calls_the_day_before():
    plan = plan_after_contact(
        WARM, Outcome.APPOINTMENT, date(2026, 3, 1), date(2026, 2, 1), appointment=date(2026, 3, 5)
    )
    assert plan.due == date(2026, 3, 4)


@pytest.mark.parametrize("bad", ["", "7", "P", "P0D", "PXD", "1M", "P-1D"])
def test_bad_durations_are_refused(bad):
    with pytest.raises(InvalidInput):
        parse_duration(bad)
