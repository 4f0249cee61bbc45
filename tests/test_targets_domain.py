"""Targets, decomposed to the day (domain.targets): the month always adds up, closed days
carry nothing, month edges and leap years hold, and the colours follow the stated bands."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.targets import (
    Measure,
    ShopCalendar,
    Status,
    check_value,
    count_on,
    count_to_date,
    daily_counts,
    month_days,
    parse_measure,
    parse_month,
    previous_month,
    status,
    target_to_date,
)
from deskterm.errors import InvalidInput

EVERY_DAY = ShopCalendar()
# Closed on Tuesdays, weekends one and a half times a weekday (a showroom's week).
SHOWROOM = ShopCalendar.parse("1,0,1,1,1,1.5,1.5")


def test_an_ordinary_month_spreads_evenly_and_adds_up():
    days = daily_counts(30, date(2026, 11, 1), EVERY_DAY)  # 30 days
    assert set(days.values()) == {1}
    assert sum(days.values()) == 30


def test_closed_weekdays_and_holidays_carry_nothing():
    shop = ShopCalendar.parse("1,0,1,1,1,1.5,1.5", ["2026-12-25"])
    days = daily_counts(100, date(2026, 12, 1), shop)
    assert days[date(2026, 12, 1)] == 0  # a Tuesday
    assert days[date(2026, 12, 25)] == 0  # the holiday, a Friday
    assert sum(days.values()) == 100
    # A Saturday carries about one and a half times a Monday.
    assert days[date(2026, 12, 5)] > days[date(2026, 12, 7)]


def test_the_target_to_date_by_hand():
    # December 2026 with the showroom week: Tuesdays 0; Mon/Wed/Thu/Fri 1; Sat/Sun 1.5.
    # Weights 1..7 Dec: Tue 0, Wed 1, Thu 1, Fri 1, Sat 1.5, Sun 1.5, Mon 1 = 7.
    # The month: 5 Tuesdays (0), 5 Wed + 5 Thu + 4 Fri + 4 Mon = 18, 4 Sat + 4 Sun = 12 → 30.
    assert count_to_date(60, date(2026, 12, 7), SHOWROOM) == 14  # 60 × 7/30
    assert count_to_date(60, date(2026, 12, 31), SHOWROOM) == 60
    assert count_on(60, date(2026, 12, 1), SHOWROOM) == 0
    assert count_on(60, date(2026, 12, 5), SHOWROOM) == 3  # Saturday: 60 × 1.5/30


@pytest.mark.parametrize(
    "month", [date(2028, 2, 1), date(2026, 2, 1), date(2026, 12, 1), date(2027, 1, 1)]
)
def test_month_edges_and_leap_years(month):
    days = month_days(month)
    assert days[0] == month and (days[-1] + timedelta(days=1)).day == 1
    assert sum(daily_counts(29, month, SHOWROOM).values()) == 29
    assert previous_month(month) < month and previous_month(month).day == 1
    assert (month - timedelta(days=1)).replace(day=1) == previous_month(month)


def test_a_month_the_shop_never_opens_expects_nothing():
    closed = ShopCalendar.parse("0,0,0,0,0,0,0")
    assert count_to_date(50, date(2026, 12, 31), closed) == 0
    assert status(Measure.SALES, 0, Decimal(0)) is Status.NONE


@given(
    monthly=st.integers(min_value=0, max_value=5000),
    weights=st.lists(st.sampled_from(["0", "0.5", "1", "1.5", "2", "3"]), min_size=7, max_size=7),
    year=st.integers(min_value=2024, max_value=2030),
    month=st.integers(min_value=1, max_value=12),
)
def test_any_month_adds_up_and_never_goes_backwards(monthly, weights, year, month):
    shop = ShopCalendar.parse(",".join(weights))
    first = date(year, month, 1)
    days = daily_counts(monthly, first, shop)
    assert all(n >= 0 for n in days.values())
    for d, n in days.items():
        if shop.weight(d) == 0:
            assert n == 0
    opens = any(shop.weight(d) > 0 for d in days)
    assert sum(days.values()) == (monthly if opens else 0)
    running = [count_to_date(monthly, d, shop) for d in days]
    assert running == sorted(running)


def test_a_rate_is_not_spread_over_days():
    rate = Decimal("0.8")
    assert target_to_date(Measure.CONTACT_CAPTURE, rate, date(2026, 12, 2), SHOWROOM) == rate
    assert target_to_date(Measure.RECEPTIONS, Decimal(60), date(2026, 12, 7), SHOWROOM) == 14


@pytest.mark.parametrize(
    ("measure", "actual", "expected", "colour"),
    [
        (Measure.RECEPTIONS, 14, Decimal(14), Status.GREEN),
        (Measure.RECEPTIONS, 20, Decimal(14), Status.GREEN),
        (Measure.RECEPTIONS, 13, Decimal(14), Status.AMBER),  # 92.9 %
        (Measure.RECEPTIONS, 9, Decimal(10), Status.AMBER),  # exactly 90 %
        (Measure.RECEPTIONS, 8, Decimal(10), Status.RED),
        (Measure.SALES, 0, Decimal(0), Status.NONE),  # nothing expected yet
        (Measure.SALES, 3, None, Status.NONE),  # no target
        (Measure.CONTACT_CAPTURE, 0.80, Decimal("0.80"), Status.GREEN),
        (Measure.CONTACT_CAPTURE, 0.75, Decimal("0.80"), Status.AMBER),  # 5 points short
        (Measure.CONTACT_CAPTURE, 0.74, Decimal("0.80"), Status.RED),
        (Measure.FORM_COMPLETENESS, None, Decimal("0.9"), Status.NONE),  # no receptions yet
    ],
)
def test_the_colour_bands(measure, actual, expected, colour):
    assert status(measure, actual, expected) is colour


def test_values_a_manager_types():
    assert check_value(Measure.CONTACT_CAPTURE, Decimal(80)) == Decimal("0.8")
    assert check_value(Measure.CONTACT_CAPTURE, Decimal("0.8")) == Decimal("0.8")
    assert check_value(Measure.SALES, Decimal(12)) == 12
    for measure, bad in (
        (Measure.SALES, Decimal("1.5")),
        (Measure.SALES, Decimal(-1)),
        (Measure.CONTACT_CAPTURE, Decimal(150)),
        (Measure.CONTACT_CAPTURE, Decimal(-5)),
    ):
        with pytest.raises(InvalidInput):
            check_value(measure, bad)


def test_what_is_typed_is_refused_with_what_would_do():
    assert parse_month("2026-12") == date(2026, 12, 1)
    assert parse_measure(" Contact-Capture ") is Measure.CONTACT_CAPTURE
    for bad in ("2026-13", "Dec", "", "2026/12"):
        with pytest.raises(InvalidInput):
            parse_month(bad)
    with pytest.raises(InvalidInput, match="receptions"):
        parse_measure("visits")
    for bad in ("1,1,1", "1,1,1,1,1,1,x", "1,1,1,1,1,1,-1", "1,1,1,1,1,1,nan"):
        with pytest.raises(InvalidInput):
            ShopCalendar.parse(bad)
    with pytest.raises(InvalidInput):
        ShopCalendar.parse("", ["2026-02-30"])
