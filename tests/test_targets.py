"""Targets as the manager sets them and reads them at the meeting (services.targets).

The month-to-date figures are witnessed by the report oracle (tests/test_report_oracle,
raw SQL and the README's definitions) on the demo shop at past days; the targets to date
by a plain recomputation of the README's rule.
"""

from __future__ import annotations

import math
import random
import shutil
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from deskterm.clock import FixedClock
from deskterm.domain.targets import Measure, Status
from deskterm.errors import InvalidInput, NotFound
from deskterm.services import rotation, setup, targets
from deskterm.services.maintenance import open_context
from deskterm.services.permissions import PermissionDenied
from deskterm.services.reception import ReceptionForm, save_form
from tests.test_report_oracle import MEASURE_FIELDS, NOW, Shop, band, oracle_report

ROOT = Path(__file__).resolve().parents[1]
DEC = date(2026, 12, 1)


@pytest.mark.both_databases
def test_a_target_is_set_changed_and_cleared_and_each_step_audited(ctx, team):
    t = targets.set_target(ctx, DEC, "receptions", "60", team.li)
    assert (t.salesperson, t.measure, t.value) == ("Li Na", Measure.RECEPTIONS, 60)
    targets.set_target(ctx, date(2026, 12, 17), Measure.RECEPTIONS, "66", team.li)  # same month
    targets.set_target(ctx, DEC, "contact_capture", "85%", team.li)
    targets.set_target(ctx, DEC, "sales", "20")  # the team's
    views = targets.list_targets(ctx, DEC)
    assert [(v.salesperson, v.measure.value, v.value) for v in views] == [
        (None, "sales", 20),
        ("Li Na", "receptions", 66),
        ("Li Na", "contact_capture", Decimal("0.85")),
    ]
    assert targets.clear_target(ctx, DEC, "sales") is True
    assert targets.clear_target(ctx, DEC, "sales") is False
    from deskterm.services import audit

    actions = [e.action for e in audit.audit_trail(ctx)]
    assert actions.count("target.set") == 4 and actions.count("target.clear") == 1


@pytest.mark.parametrize(
    ("measure", "typed", "stored"),
    [
        ("contact_capture", "８５％", Decimal("0.85")),  # typed on a Chinese keyboard
        ("contact_capture", "1%", Decimal("0.01")),  # a per cent sign means per cent
        ("contact_capture", "0.5%", Decimal("0.005")),
        ("contact_capture", "0.9", Decimal("0.9")),
        ("form_completeness", " 90 % ", Decimal("0.9")),
        ("receptions", "１２０", Decimal(120)),
    ],
)
def test_numbers_as_people_type_them(ctx, team, measure, typed, stored):
    assert targets.set_target(ctx, DEC, measure, typed, team.wang).value == stored


@pytest.mark.parametrize(
    ("measure", "typed"),
    [
        ("receptions", "abc"),
        ("receptions", "NaN"),
        ("receptions", "1e400"),
        ("receptions", "12.5"),
        ("receptions", "-3"),
        ("contact_capture", "180"),
        ("visits", "10"),
        ("receptions", "[b]9[/b]"),
        ("receptions", "12%"),  # a count takes no per cent
        ("contact_capture", "150%"),
    ],
)
def test_what_cannot_be_a_target_is_refused_and_nothing_stored(ctx, team, measure, typed):
    with pytest.raises(InvalidInput):
        targets.set_target(ctx, DEC, measure, typed, team.wang)
    assert targets.list_targets(ctx, DEC) == []


def test_only_a_salesperson_or_the_team_has_targets(ctx, team):
    for who in (team.boss, team.care, 9999):
        with pytest.raises(NotFound):
            targets.set_target(ctx, DEC, "sales", "3", who)


def test_who_may_set_and_read_targets(ctx, team):
    for role in ("salesperson", "receptionist", "care", "marketing", None):
        ctx.role = role
        with pytest.raises(PermissionDenied):
            targets.set_target(ctx, DEC, "sales", "3", team.li)
        with pytest.raises(PermissionDenied):
            targets.progress(ctx)
    ctx.role = "manager"
    targets.set_target(ctx, DEC, "sales", "3", team.li)
    assert targets.progress(ctx).any_target is False  # the clock is in March


def test_last_months_targets_are_copied_where_none_is_set_yet(ctx, team):
    nov = date(2026, 11, 1)
    targets.set_target(ctx, nov, "receptions", "50", team.li)
    targets.set_target(ctx, nov, "sales", "8", team.li)
    targets.set_target(ctx, nov, "sales", "30")
    targets.set_target(ctx, nov, "sales", "5", team.zhao)
    setup.set_staff_active(ctx, team.zhao, False)  # left: not carried over
    targets.set_target(ctx, DEC, "sales", "10", team.li)  # the manager's newer word
    assert targets.copy_last_month(ctx, DEC) == 2
    got = {(v.salesperson, v.measure.value): v.value for v in targets.list_targets(ctx, DEC)}
    assert got == {(None, "sales"): 30, ("Li Na", "receptions"): 50, ("Li Na", "sales"): 10}
    assert targets.copy_last_month(ctx, DEC) == 0  # twice is harmless


def test_closed_days_and_the_week_spread_the_month(ctx, team):
    setup.set_setting(ctx, "targets.weekdays", "1, 0, 1, 1, 1, 1.5, 1.5")
    targets.set_closed_day(ctx, date(2026, 12, 25), "Christmas")
    with pytest.raises(InvalidInput):
        setup.set_setting(ctx, "targets.weekdays", "1,1,1")
    shop = targets.shop_calendar(ctx)
    assert shop.weight(date(2026, 12, 25)) == 0 and shop.weight(date(2026, 12, 1)) == 0
    targets.set_closed_day(ctx, date(2026, 12, 25))  # closed again: the note stays
    assert targets.closed_days(ctx, DEC) == [(date(2026, 12, 25), "Christmas")]
    assert targets.open_day(ctx, date(2026, 12, 25)) is True
    assert targets.closed_days(ctx, DEC) == []


def test_progress_on_a_hand_built_month(ctx, team, clock):
    """Li Na: two walk-ins on Dec 1 (one leaves contact), a target of 31 receptions in
    December (one a day) and 50 % contact capture: on Dec 2, 2 done of 2 due: green;
    contact 50 %: green; the team has no own target, so the people's add up."""
    from deskterm.clock import zone_named

    zone = zone_named("Asia/Shanghai")
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=zone))
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    save_form(
        ctx, a.reception_id, ReceptionForm(name="甲", phone="13900000001", purchase_horizon="1m")
    )
    rotation.done(ctx, team.li)
    b = rotation.walk_in(ctx)
    save_form(
        ctx,
        b.reception_id,
        ReceptionForm(name="乙", contact_left=False, no_contact_reason="refused"),
    )
    rotation.done(ctx, team.li)
    targets.set_target(ctx, DEC, "receptions", "31", team.li)
    targets.set_target(ctx, DEC, "receptions", "31", team.wang)
    targets.set_target(ctx, DEC, "contact_capture", "50", team.li)
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=zone))
    board = targets.progress(ctx)
    li = next(p for p in board.people if p.salesperson_id == team.li)
    rec = li.row(Measure.RECEPTIONS)
    assert (rec.actual, rec.to_date, rec.status, rec.tomorrow) == (2, 2, Status.GREEN, 1)
    cap = li.row(Measure.CONTACT_CAPTURE)
    assert (cap.actual, cap.to_date, cap.status) == (Decimal("0.5"), Decimal("0.5"), Status.GREEN)
    wang = next(p for p in board.people if p.salesperson_id == team.wang)
    assert wang.row(Measure.RECEPTIONS).status is Status.RED  # 0 of 2
    team_rec = board.team.row(Measure.RECEPTIONS)
    assert (team_rec.monthly, team_rec.to_date, team_rec.actual) == (62, 4, 2)
    assert team_rec.status is Status.RED
    assert board.team.row(Measure.CONTACT_CAPTURE).monthly is None  # a rate is no sum
    assert li.row(Measure.SALES).status is Status.NONE


def test_the_last_day_of_a_month_looks_at_next_months_targets_for_tomorrow(ctx, team, clock):
    from deskterm.clock import zone_named

    clock.set(datetime(2026, 11, 30, 18, 0, tzinfo=zone_named("Asia/Shanghai")))
    targets.set_target(ctx, date(2026, 11, 1), "receptions", "30", team.li)
    targets.set_target(ctx, DEC, "receptions", "62", team.li)
    li = next(p for p in targets.progress(ctx).people if p.salesperson_id == team.li)
    rec = li.row(Measure.RECEPTIONS)
    assert (rec.monthly, rec.to_date, rec.tomorrow) == (30, 30, 2)


# -- the witness: the demo shop at random past days --------------------------------------


def _half_up(x: float) -> int:
    return math.floor(x + 0.5 + 1e-9)


def _to_date_by_hand(monthly: int, day: date, weights: list[float]) -> int:
    first = day.replace(day=1)
    month = [first + timedelta(days=i) for i in range(40)]
    month = [d for d in month if d.month == first.month]
    total = sum(weights[d.weekday()] for d in month)
    passed = sum(weights[d.weekday()] for d in month if d <= day)
    return 0 if total == 0 else _half_up(monthly * passed / total)


def test_progress_agrees_with_the_oracle_on_past_days(tmp_path):
    path = tmp_path / "shop.db"
    shutil.copyfile(ROOT / "deskterm.db.sample", path)
    clock = FixedClock(NOW)
    ctx = open_context(path, clock)
    try:
        weights = [1, 1, 1, 1, 1, 1.5, 2]
        setup.set_setting(ctx, "targets.weekdays", ",".join(str(w) for w in weights))
        sellers = [p.id for p in setup.list_staff(ctx, "salesperson")]
        rng = random.Random(18)
        start = NOW.date() - timedelta(days=120)
        days = sorted(rng.sample([start + timedelta(days=i) for i in range(119)], 6))
        values = {}
        for d in days:
            month = d.replace(day=1)
            for sid in sellers:
                for m in ("receptions", "upgrades", "test_drives", "invitations", "sales"):
                    v = rng.randint(0, 80)
                    targets.set_target(ctx, month, m, str(v), sid)
                    values[(month, sid, m)] = v
                for m in ("contact_capture", "form_completeness", "callbacks_on_time"):
                    v = rng.randint(30, 100)
                    targets.set_target(ctx, month, m, str(v), sid)
                    values[(month, sid, m)] = v / 100
        shop = Shop(path)
        shop.window = 1  # the rates over the month alone, as targets read them
        checked = 0
        for d in days:
            board = targets.progress(ctx, d)
            want = oracle_report(shop, NOW.date(), d, d.replace(day=1))
            lines = {line["id"]: line for line in want["salespeople"]}
            for person in board.people:
                line = lines[person.salesperson_id]
                for row in person.rows:
                    expected_actual = line[MEASURE_FIELDS[row.measure.value]]
                    got = None if row.actual is None else float(row.actual)
                    assert got == pytest.approx(expected_actual, abs=1e-4), (d, row.measure)
                    monthly = values.get(
                        (d.replace(day=1), person.salesperson_id, row.measure.value)
                    )
                    if monthly is None:
                        assert row.status is Status.NONE
                        continue
                    if isinstance(monthly, float):
                        expected = monthly
                    else:
                        expected = _to_date_by_hand(monthly, d, weights)
                    assert float(row.to_date) == pytest.approx(expected), (d, row.measure)
                    assert row.status.value == band(row.measure.value, got, expected)
                    checked += 1
        assert checked > 100
    finally:
        ctx.db.close()
