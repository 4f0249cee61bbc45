"""Level clocks and upgrades come from the level history (issue 15, item 4): a bounce
(hot → warm → hot on one day) neither restarts nor postpones a clock, and counts as no
upgrade; an upgrade is a customer's net rise over a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from deskterm.domain.clocks import LevelEntry, count_upgrades, level_clock_start
from deskterm.domain.escalation import CustomerClock, EscalationKind, Status, deadlines
from deskterm.domain.kpi import CallbackFact
from deskterm.domain.levels import DEFAULT_LEVELS, HABC_LEVELS, Levels
from deskterm.services import callbacks, reception, rotation
from deskterm.services.callbacks import customer_clock
from deskterm.services.reception import ReceptionForm
from deskterm.services.report import daily_report
from deskterm.services.setup import get_levels
from deskterm.storage.models import Callback, Customer

D = date


def E(day: date, level: str) -> LevelEntry:
    return LevelEntry(day, level)


@pytest.mark.parametrize(
    ("history", "owner_since", "start"),
    [
        # one stay: its first day
        ([E(D(2026, 1, 5), "hot")], D(2026, 1, 5), D(2026, 1, 5)),
        # a bounce on 1 March: the hot clock still counts from 5 January
        (
            [E(D(2026, 1, 5), "hot"), E(D(2026, 3, 1), "warm"), E(D(2026, 3, 1), "hot")],
            D(2026, 1, 5),
            D(2026, 1, 5),
        ),
        # ten days hot, a month warm, hot again: ten days already banked
        (
            [E(D(2026, 1, 1), "hot"), E(D(2026, 1, 11), "warm"), E(D(2026, 2, 10), "hot")],
            D(2026, 1, 1),
            D(2026, 1, 31),
        ),
        # a new owner: only days under this owner count
        (
            [E(D(2026, 1, 1), "hot"), E(D(2026, 1, 11), "warm"), E(D(2026, 2, 10), "hot")],
            D(2026, 1, 6),
            D(2026, 2, 5),
        ),
        (
            [E(D(2026, 1, 1), "hot"), E(D(2026, 1, 11), "warm"), E(D(2026, 2, 10), "hot")],
            D(2026, 2, 20),
            D(2026, 2, 20),
        ),
        # the same level written twice is one stay
        ([E(D(2026, 1, 1), "warm"), E(D(2026, 2, 1), "warm")], D(2026, 1, 1), D(2026, 1, 1)),
        # a fresh level starts today
        ([E(D(2026, 1, 1), "warm"), E(D(2026, 2, 1), "hot")], D(2026, 1, 1), D(2026, 2, 1)),
    ],
)
def test_clock_start_from_the_history(history, owner_since, start):
    assert level_clock_start(history, owner_since) == start


# -- properties ---------------------------------------------------------------------


@st.composite
def day_with_bounces(draw):
    """A history up to day ``today``, then any sequence of level changes on that day."""
    levels = Levels(draw(st.sampled_from([DEFAULT_LEVELS, HABC_LEVELS])))
    codes = list(levels.codes)
    created = D(2025, 6, 1) + timedelta(days=draw(st.integers(0, 200)))
    history = [E(created, draw(st.sampled_from(codes)))]
    day = created
    for _ in range(draw(st.integers(0, 6))):
        day += timedelta(days=draw(st.integers(1, 60)))
        level = draw(st.sampled_from([c for c in codes if c != history[-1].level]))
        history.append(E(day, level))
    today = day + timedelta(days=draw(st.integers(0, 90)))
    owner_since = created + timedelta(days=draw(st.integers(0, (today - created).days)))
    moves: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        last = moves[-1] if moves else history[-1].level
        moves.append(draw(st.sampled_from([c for c in codes if c != last])))
    status = draw(st.sampled_from([Status.ACTIVE, Status.AT_RISK]))
    return levels, history, today, owner_since, moves, status


def _dates(levels, history, owner_since, status, created):
    level = history[-1].level
    clock = CustomerClock(
        level=level,
        status=status,
        level_since=level_clock_start(history, owner_since),
        status_since=created,
        owner_since=owner_since,
        last_real_contact=None,
        created=created,
    )
    return {
        d.kind: d.due
        for d in deadlines(clock, levels.get(level))
        if d.kind is not EscalationKind.STALLED
    }


@settings(max_examples=300, deadline=None)
@given(day_with_bounces())
def test_no_bounce_within_a_day_postpones_at_risk_lost_or_reassign(case):
    levels, history, today, owner_since, moves, status = case
    start_level = history[-1].level
    bounced = history + [E(today, m) for m in moves]
    direct = history + ([E(today, moves[-1])] if moves[-1] != start_level else [])
    created = history[0].day
    with_bounce = _dates(levels, bounced, owner_since, status, created)
    without = _dates(levels, direct, owner_since, status, created)
    assert with_bounce.keys() == without.keys()
    for kind, due in with_bounce.items():
        assert due <= without[kind], (kind, bounced)
    # and the clock is not moved earlier either: the bounce is simply invisible
    assert level_clock_start(bounced, owner_since) == level_clock_start(direct, owner_since)


@dataclass(frozen=True)
class Move:
    salesperson_id: int
    done: date | None
    level_before: str | None
    level_after: str | None
    customer_id: int | None
    done_at: datetime | None


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([DEFAULT_LEVELS, HABC_LEVELS]),
    st.lists(
        st.tuples(st.integers(1, 3), st.integers(0, 2), st.lists(st.integers(0, 3), max_size=6)),
        max_size=5,
    ),
)
def test_upgrades_never_exceed_the_net_rise_of_a_day(preset, chains):
    levels = Levels(preset)
    codes = list(levels.codes)
    moves: list[Move] = []
    net_rises = 0
    for customer, (seller, day_offset, steps) in enumerate(chains):
        day = D(2026, 3, 1) + timedelta(days=day_offset)
        path = [codes[i % len(codes)] for i in [1, *steps]]
        for n, (a, b) in enumerate(zip(path, path[1:], strict=False)):
            at = datetime(2026, 3, 1, 9) + timedelta(days=day_offset, minutes=n)
            moves.append(Move(seller + n % 2, day, a, b, customer, at))
        net_rises += levels.rank_of(path[-1]) > levels.rank_of(path[0])
    counted = count_upgrades(reversed(moves), levels)  # order of the facts does not matter
    assert sum(counted.values()) == net_rises


def test_a_bounce_counts_no_upgrade_and_a_real_rise_counts_one():
    lv = Levels(DEFAULT_LEVELS)
    day, t = D(2026, 3, 2), datetime(2026, 3, 2, 9)
    bounce = [
        CallbackFact(1, day, day, "hot", "warm", customer_id=7, done_at=t),
        CallbackFact(1, day, day, "warm", "hot", customer_id=7, done_at=t + timedelta(hours=1)),
    ]
    assert count_upgrades(bounce, lv) == {}
    rise = [
        CallbackFact(1, day, day, "cold", "warm", customer_id=8, done_at=t),
        CallbackFact(2, day, day, "warm", "hot", customer_id=8, done_at=t + timedelta(hours=1)),
    ]
    assert count_upgrades(rise, lv) == {2: 1}
    # a re-grade between the callbacks (a form, an edit) is seen through the day's start
    manual = [CallbackFact(1, day, day, "warm", "hot", customer_id=10, done_at=t)]
    assert count_upgrades(manual, lv) == {1: 1}
    assert count_upgrades(manual, lv, {(10, day): "hot"}) == {}
    # unknown codes (history from before a preset switch) are no change, never an error
    assert count_upgrades([CallbackFact(1, day, day, "zz", "hot", customer_id=9)], lv) == {}


# -- through the services -------------------------------------------------------------


def _open_callback(ctx, customer_id: int) -> int:
    with ctx.db.read() as s:
        return s.exec(
            select(Callback.id).where(
                Callback.customer_id == customer_id, Callback.status == "open"
            )
        ).one()


def _at_risk_on(ctx, customer_id: int) -> date:
    with ctx.db.read() as s:
        c = s.get(Customer, customer_id)
        clock = customer_clock(ctx, c)
    rule = get_levels(ctx).get(clock.level)
    [due] = [d.due for d in deadlines(clock, rule) if d.kind is EscalationKind.AT_RISK]
    return due


def test_hot_warm_hot_on_one_day_keeps_the_at_risk_date_and_counts_no_upgrade(ctx, team, clock):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Tom", phone="13900001111", purchase_horizon="1m")
    )
    assert saved.level == "hot"
    cid = saved.customer_id
    assert _at_risk_on(ctx, cid) == D(2026, 6, 2)  # received 2 March + 3 months
    clock.set(datetime(2026, 4, 15, 10, 0))
    callbacks.complete_callback(ctx, _open_callback(ctx, cid), "reached", new_level="warm")
    clock.set(datetime(2026, 4, 15, 16, 0))
    r = callbacks.complete_callback(ctx, _open_callback(ctx, cid), "reached", new_level="hot")
    assert (r.level_before, r.level_after) == ("warm", "hot")
    assert _at_risk_on(ctx, cid) == D(2026, 6, 2)  # not 15 July
    report = daily_report(ctx, D(2026, 4, 15))
    assert report.team.upgrades == 0
    # a real rise on another day still counts
    clock.set(datetime(2026, 4, 20, 10, 0))
    callbacks.complete_callback(ctx, _open_callback(ctx, cid), "reached", new_level="warm")
    clock.set(datetime(2026, 4, 21, 10, 0))
    callbacks.complete_callback(ctx, _open_callback(ctx, cid), "reached", new_level="hot")
    assert daily_report(ctx, D(2026, 4, 21)).team.upgrades == 1
    # the one day spent at warm (it ran warm's clock) moves the hot clock by that day
    assert _at_risk_on(ctx, cid) == D(2026, 6, 3)


@settings(max_examples=12, deadline=None)
@given(
    first=st.sampled_from(["1m", "6m"]),  # received hot or warm
    regrade_after=st.one_of(st.none(), st.integers(1, 40)),
    bounce_after=st.integers(0, 40),
    bounce=st.lists(st.booleans(), min_size=1, max_size=4),
)
def test_through_the_services_a_bounce_moves_no_date_and_counts_no_upgrade(
    tmp_path_factory, first, regrade_after, bounce_after, bounce
):
    from deskterm.clock import FixedClock, zone_named
    from deskterm.services import setup
    from deskterm.services.maintenance import open_context

    clock = FixedClock(datetime(2026, 3, 2, 9, 0), zone=zone_named("Asia/Shanghai"))
    ctx = open_context(tmp_path_factory.mktemp("shop") / "x.db", clock)
    try:
        setup.set_setting(ctx, "auth.mode", "open")
        for name in ("A", "B"):
            rotation.check_in(ctx, setup.add_staff(ctx, name, "salesperson").id)
        twins = []
        for phone in ("13900001111", "13900002222"):
            a = rotation.walk_in(ctx)
            form = ReceptionForm(name="Tom", phone=phone, purchase_horizon=first)
            twins.append(reception.save_form(ctx, a.reception_id, form).customer_id)
        other = {"hot": "warm", "warm": "hot"}
        level = "hot" if first == "1m" else "warm"
        day = D(2026, 3, 2)
        if regrade_after is not None:  # some history before the day of the bounce
            day += timedelta(days=regrade_after)
            clock.set(datetime.combine(day, datetime.min.time()).replace(hour=10))
            level = other[level]
            for cid in twins:
                callbacks.complete_callback(
                    ctx, _open_callback(ctx, cid), "reached", new_level=level
                )
        day += timedelta(days=bounce_after)
        moves, current = [], level
        for flip in bounce:  # any sequence within the day, hot and warm
            current = other[current] if flip else current
            moves.append(current)
        bounced, direct = twins
        for i, lv in enumerate(moves):
            clock.set(datetime.combine(day, datetime.min.time()).replace(hour=9, minute=i))
            callbacks.complete_callback(ctx, _open_callback(ctx, bounced), "reached", new_level=lv)
        clock.set(datetime.combine(day, datetime.min.time()).replace(hour=9, minute=30))
        callbacks.complete_callback(
            ctx, _open_callback(ctx, direct), "reached", new_level=moves[-1]
        )

        def dates(cid):
            with ctx.db.read() as s:
                c = customer_clock(ctx, s.get(Customer, cid))
            rule = get_levels(ctx).get(c.level)
            return {
                d.kind: d.due for d in deadlines(c, rule) if d.kind is not EscalationKind.STALLED
            }

        got, expected = dates(bounced), dates(direct)
        assert got.keys() == expected.keys()
        assert all(got[k] <= expected[k] for k in got), (got, expected)
        rise = int(get_levels(ctx).is_upgrade(level, moves[-1]))
        assert daily_report(ctx, day).team.upgrades <= 2 * rise
    finally:
        ctx.db.close()
