"""Where visitors come from (issue 18): the medium asked on the form, the month's spend
entered by the manager, and the cost per visitor and per sale — the rules (domain.media),
the service with its permissions, and a small shop whose every figure is worked out by
hand here. The figures on generated shops at past days are witnessed from raw SQL by
tests/test_report_oracle.py (``oracle_media``)."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from deskterm.clock import zone_named
from deskterm.domain.media import cost_per, parse_amount, spend_to_date
from deskterm.errors import InvalidInput
from deskterm.services import audit, media, reasons, rotation
from deskterm.services.permissions import PermissionDenied
from deskterm.services.reception import InvalidForm, ReceptionForm, form_prefill, save_form
from deskterm.storage.models import Customer, Reception
from tests.test_permissions import EXPECTED, ROLES

ZONE = zone_named("Asia/Shanghai")
NOV = date(2026, 11, 1)


# -- the rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12000", 12000),
        ("12,000", 12000),
        (" 12 000 ", 12000),
        ("1.2万", 12000),
        ("３万", 30000),  # a Chinese keyboard's full-width digits
        ("１２，０００", 12000),
        ("0", 0),
        ("2w", 20000),
    ],
)
def test_a_spend_is_read_as_typed(typed, amount):
    assert parse_amount(typed) == amount


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "-5", "12.5", "1.23456万", "1e5", "100000001", "12.000", "1,2", "12,00"],
)
def test_a_spend_that_is_not_a_whole_amount_is_refused_with_the_field_named(typed):
    with pytest.raises(InvalidInput) as info:
        parse_amount(typed)
    assert info.value.field == "amount"


def test_the_spend_to_date_is_the_share_of_the_days_gone():
    # 31 days in December: 10 days gone of 31,000 = 10,000; a month over is all of it.
    assert spend_to_date(31000, date(2026, 12, 1), date(2026, 12, 10)) == 10000
    assert spend_to_date(31000, date(2026, 12, 1), date(2026, 12, 31)) == 31000
    assert spend_to_date(31000, date(2026, 12, 1), date(2027, 1, 5)) == 31000
    assert spend_to_date(31000, date(2026, 12, 1), date(2026, 11, 30)) == 0
    # February of a leap year: 1 day of 29 of 1,000 = 34.48… → 34; halves go up.
    assert spend_to_date(1000, date(2028, 2, 1), date(2028, 2, 1)) == 34
    assert spend_to_date(3, date(2026, 4, 1), date(2026, 4, 5)) == 1  # 0.5 → 1
    assert cost_per(5, 2) == 3 and cost_per(4, 3) == 1 and cost_per(9, 0) is None


@given(
    amount=st.integers(0, 10_000_000),
    year=st.integers(2020, 2035),
    month=st.integers(1, 12),
    day=st.integers(1, 31),
)
def test_the_spend_to_date_never_passes_the_month_and_never_falls(amount, year, month, day):
    days = calendar.monthrange(year, month)[1]
    d = date(year, month, min(day, days))
    first = date(year, month, 1)
    now = spend_to_date(amount, first, d)
    assert 0 <= now <= amount
    if d.day > 1:
        assert spend_to_date(amount, first, d.replace(day=d.day - 1)) <= now
    # The README's rule, with integers only: amount × days gone ÷ days, halves up.
    assert now == (amount if d.day == days else (2 * amount * d.day + days) // (2 * days))


# -- the service ------------------------------------------------------------------------


def at(clock, month: int, day: int, hour: int = 10) -> None:
    clock.set(datetime(2026, month, day, hour, 0, tzinfo=ZONE))


def visit(ctx, medium: str | None, phone: str = "", name: str = "客") -> int:
    """A walk-in of the next-up, its form saved naming ``medium``; returns its customer."""
    a = rotation.walk_in(ctx)
    form = (
        ReceptionForm(name=name, phone=phone, purchase_horizon="1m", media=medium)
        if phone
        else ReceptionForm(name=name, contact_left=False, no_contact_reason="refused", media=medium)
    )
    saved = save_form(ctx, a.reception_id, form)
    rotation.done(ctx, a.salesperson_id)
    return saved.customer_id or 0


def won(ctx, customer_id: int) -> None:
    with ctx.db.write() as s:
        c = s.get(Customer, customer_id)
        c.won_at, c.status = ctx.now(), "won"


@pytest.fixture
def november(ctx, team, clock):
    """Nov 3: three car-website visitors (two leave a number, one buys on Nov 10), one
    passer-by who leaves none, one whose form names no medium; Nov 4: a car-website
    visitor comes back (a revisit: no new visitor). Spend: 30,000 on car websites."""
    at(clock, 11, 3)
    rotation.check_in(ctx, team.li)
    a = visit(ctx, "auto_sites", "13900000001")
    visit(ctx, "auto_sites", "13900000002")
    visit(ctx, "auto_sites")
    visit(ctx, "passing_by")
    visit(ctx, None, "13900000003")
    at(clock, 11, 4)
    rotation.check_in(ctx, team.li)
    visit(ctx, "online_ads", "13900000001")  # the first visitor again: keeps auto_sites
    media.set_spend(ctx, NOV, "auto_sites", "30,000")
    at(clock, 11, 10)
    won(ctx, a)
    team.first_visitor = a
    return team


@pytest.mark.both_databases
def test_each_medium_brings_its_visitors_contacts_and_sales(ctx, november, clock):
    at(clock, 11, 10, 18)
    rep = media.media_report(ctx, NOV, date(2026, 11, 10))
    by = {r.code: r for r in rep.rows}
    cars = by["auto_sites"]
    # 30,000 × 10/30 = 10,000 to date; 3 visitors → 3,333 each; 1 sale → 10,000.
    assert (cars.spend_month, cars.spend_to_date) == (30000, 10000)
    assert (cars.visitors, cars.contacts, cars.sales) == (3, 2, 1)
    assert (cars.cost_per_visitor, cars.cost_per_sale) == (3333, 10000)
    assert (by["passing_by"].visitors, by["passing_by"].contacts) == (1, 0)
    assert by["passing_by"].cost_per_visitor is None  # no spend entered: not known
    media.set_spend(ctx, NOV, "passing_by", "0")
    rep = media.media_report(ctx, NOV, date(2026, 11, 10))
    by = {r.code: r for r in rep.rows}
    assert by["passing_by"].cost_per_visitor == 0  # 0 entered: free
    assert by["online_ads"].visitors == 0  # a revisit is not a new visitor
    assert (by[None].visitors, by[None].contacts) == (1, 1)
    assert rep.rows[-1].code is None  # the unrecorded visitors last
    assert (rep.total.visitors, rep.total.sales, rep.total.spend_to_date) == (5, 1, 10000)
    assert rep.total.cost_per_visitor == 2000
    # A whole past month: all of its spend.
    at(clock, 12, 2)
    assert media.media_report(ctx, NOV).rows[1].spend_to_date == 30000


@pytest.mark.both_databases
def test_the_customer_keeps_the_medium_of_the_visit_that_registered_them(ctx, november):
    with ctx.db.read() as s:
        c = s.get(Customer, november.first_visitor)
        recs = s.exec(select(Reception).where(Reception.customer_id == c.id)).all()
        assert c.media == "auto_sites"
        assert sorted(str(r.media) for r in recs) == ["auto_sites", "online_ads"]


def test_a_later_visit_never_moves_a_past_months_sale(ctx, team, clock):
    """Found by a tester: a customer with no medium (registered before the question)
    won in October; a November visit names one. October's sales stay where they were."""
    at(clock, 10, 3)
    rotation.check_in(ctx, team.li)
    cid = visit(ctx, None, "13900000007")
    at(clock, 10, 11)
    won(ctx, cid)
    at(clock, 11, 1)
    before = media.media_report(ctx, date(2026, 10, 1))
    at(clock, 11, 21)
    rotation.check_in(ctx, team.li)
    visit(ctx, "auto_sites", "13900000007")  # a revisit naming car websites
    after = media.media_report(ctx, date(2026, 10, 1))
    assert before == after
    assert {r.code: r.sales for r in after.rows}[None] == 1


def test_a_form_saved_after_the_period_named_no_medium_by_its_end(ctx, team, clock):
    at(clock, 11, 3)
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    at(clock, 11, 5)  # the form of the 3rd, filled two days later
    save_form(ctx, a.reception_id, ReceptionForm(name="甲", phone="13900000008", media="event"))
    on_the_4th = {r.code: r.visitors for r in media.media_report(ctx, NOV, date(2026, 11, 4)).rows}
    on_the_5th = {r.code: r.visitors for r in media.media_report(ctx, NOV, date(2026, 11, 5)).rows}
    assert (on_the_4th.get("event", 0), on_the_4th.get(None)) == (0, 1)
    assert (on_the_5th["event"], on_the_5th.get(None, 0)) == (1, 0)


def test_a_month_not_begun_has_spent_nothing_yet(ctx, team, clock):
    at(clock, 11, 20)
    media.set_spend(ctx, date(2026, 12, 1), "auto_sites", "18000")  # entered ahead
    rep = media.media_report(ctx, date(2026, 12, 1))
    cars = {r.code: r for r in rep.rows}["auto_sites"]
    assert (cars.spend_month, cars.spend_to_date) == (18000, 0)
    assert rep.last < rep.month


def test_a_correction_of_the_first_form_corrects_the_customers_medium(ctx, team, clock):
    at(clock, 11, 3)
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    form = ReceptionForm(name="甲", phone="13900000009", purchase_horizon="1m", media="event")
    saved = save_form(ctx, a.reception_id, form)
    prefill, _own = form_prefill(ctx, a.reception_id)
    assert prefill is not None and prefill.media == "event"
    save_form(ctx, a.reception_id, replace(form, media="referral"))
    with ctx.db.read() as s:
        assert s.get(Customer, saved.customer_id).media == "referral"
        assert s.get(Reception, a.reception_id).media == "referral"


def test_an_unknown_medium_is_refused_on_its_field_and_nothing_is_saved(ctx, team, clock):
    at(clock, 11, 3)
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    with pytest.raises(InvalidForm) as info:
        save_form(ctx, a.reception_id, ReceptionForm(name="甲", phone="13900000009", media="tv"))
    assert set(info.value.errors) == {"media"}
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id).form_saved_at is None


@pytest.mark.both_databases
def test_spend_is_set_changed_cleared_copied_and_each_step_audited(ctx, team):
    assert media.set_spend(ctx, NOV, "auto_sites", "1.8万") == 18000
    assert media.set_spend(ctx, date(2026, 11, 17), "auto_sites", 20000) == 20000  # same month
    media.set_spend(ctx, NOV, "outdoor", "6000")
    assert media.spend_set(ctx, NOV) == {"auto_sites": 20000, "outdoor": 6000}
    dec = date(2026, 12, 1)
    media.set_spend(ctx, dec, "outdoor", "7000")  # December's own figure is kept
    assert media.copy_spend(ctx, dec) == 1
    assert media.spend_set(ctx, dec) == {"auto_sites": 20000, "outdoor": 7000}
    assert media.copy_spend(ctx, dec) == 0
    assert media.clear_spend(ctx, dec, "outdoor") is True
    assert media.clear_spend(ctx, dec, "outdoor") is False
    with pytest.raises(InvalidInput, match="Unknown medium"):
        media.set_spend(ctx, NOV, "no_such", "1")
    actions = [e.action for e in audit.audit_trail(ctx)]
    assert actions.count("media.spend") == 4
    assert actions.count("media.copy") == 1 and actions.count("media.clear") == 1


def test_the_shop_keeps_its_own_list_of_media(ctx, team, clock):
    at(clock, 11, 3)
    added = reasons.add_reason(ctx, "media", "[b]Douyin[/b] live", "抖音直播")
    rotation.check_in(ctx, team.li)
    visit(ctx, added.code, "13900000004")
    reasons.set_reason_active(ctx, "media", "outdoor", False)
    rep = media.media_report(ctx, NOV, date(2026, 11, 3))
    codes = [r.code for r in rep.rows]
    assert added.code in codes and "outdoor" not in codes  # retired, nothing this month
    assert rep.name(added.code) == "[b]Douyin[/b] live"  # as typed; shown as text
    pick = [r.code for r in reasons.pick_list(ctx, "media")]
    assert pick[0] == added.code  # the most used first
    assert "outdoor" not in pick


@pytest.mark.parametrize("role", ROLES, ids=[str(r) for r in ROLES])
def test_only_who_manages_sets_the_spend_and_who_holds_the_meeting_reads_it(ctx, team, role):
    as_role = replace(ctx, role=role)
    for call, permission in (
        (lambda: media.set_spend(as_role, NOV, "auto_sites", "1000"), "manage"),
        (lambda: media.copy_spend(as_role, NOV), "manage"),
        (lambda: media.clear_spend(as_role, NOV, "auto_sites"), "manage"),
        (lambda: media.media_report(as_role, NOV), "meeting"),
        (lambda: media.spend_set(as_role, NOV), "meeting"),
    ):
        if role in EXPECTED[permission]:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()
