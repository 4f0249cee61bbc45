"""The rotation rules of DESIGN.md §1.7, one by one, on the pure domain model."""

from datetime import UTC, date, datetime

import pytest

from deskterm.domain.rotation import (
    EventKind as K,
)
from deskterm.domain.rotation import (
    MemberState,
    OrderMode,
    RotationEvent,
    RotationSettings,
    RotationState,
    apply,
    replay,
)
from deskterm.errors import RuleViolation

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ev(kind, sid=None, **kw):
    return RotationEvent(kind, AT, sid, **kw)


def board(*events, settings=None):
    return replay(DAY, list(events), settings)


def checked_in(*ids, settings=None):
    return board(*[ev(K.CHECK_IN, i) for i in ids], settings=settings)


def step(state, *events):
    for e in events:
        state = apply(state, e)
    return state


def test_queue_is_check_in_order_and_next_up_is_first():
    s = checked_in(3, 1, 2)
    assert s.on_duty == [3, 1, 2]
    assert s.next_up() == 3


def test_walk_in_sends_taker_to_back_and_next_becomes_ready():
    s = step(checked_in(1, 2, 3), ev(K.WALK_IN, 1))
    assert s.on_duty == [2, 3, 1]
    assert s.member(1).state is MemberState.WITH_CUSTOMER
    assert s.next_up() == 2
    assert s.stats[1].ups == 1


def test_check_out_and_back_in_joins_at_the_back():
    s = step(checked_in(1, 2, 3), ev(K.CHECK_OUT, 1), ev(K.CHECK_IN, 1))
    assert s.on_duty == [2, 3, 1]


def test_check_in_twice_is_refused():
    with pytest.raises(RuleViolation):
        step(checked_in(1), ev(K.CHECK_IN, 1))


def test_cannot_check_out_while_with_customer():
    with pytest.raises(RuleViolation):
        step(checked_in(1), ev(K.WALK_IN, 1), ev(K.CHECK_OUT, 1))


def test_fewest_ups_mode_orders_by_turns_then_check_in():
    settings = RotationSettings(mode=OrderMode.FEWEST_UPS)
    s = checked_in(1, 2, 3, settings=settings)
    s = step(s, ev(K.WALK_IN, 1), ev(K.DONE, 1))
    assert s.on_duty == [1, 2, 3]  # taking an up does not move you in this mode
    assert s.next_up() == 2
    s = step(s, ev(K.WALK_IN, 2), ev(K.DONE, 2), ev(K.WALK_IN, 3), ev(K.DONE, 3))
    assert s.next_up() == 1  # all on one: tie broken by check-in order


def test_break_keeps_place_and_board_shows_why():
    s = step(checked_in(1, 2, 3), ev(K.AWAY, 1, reason="break"))
    assert s.next_up() == 2
    assert s.member(1).away_reason.value == "break"
    s = step(s, ev(K.WALK_IN, 2), ev(K.BACK, 1))
    assert s.on_duty[0] == 1 and s.next_up() == 1
    assert s.member(1).makeups_owed == 0  # a break earns no make-up turn


def test_delivery_keeps_place():
    s = step(checked_in(1, 2, 3), ev(K.AWAY, 1, reason="delivery"), ev(K.WALK_IN, 2))
    s = step(s, ev(K.BACK, 1))
    assert s.on_duty == [1, 3, 2] and s.next_up() == 1


def test_uncounted_up_consumes_no_turn():
    s = step(checked_in(1, 2), ev(K.UNCOUNTED, 1, reason="service"), ev(K.DONE, 1))
    assert s.on_duty == [1, 2] and s.next_up() == 1
    assert s.stats[1].uncounted == 1 and s.stats[1].ups == 0


def test_half_turn_for_uncounted_in_fewest_mode():
    settings = RotationSettings(mode=OrderMode.FEWEST_UPS, uncounted_weight=0.5)
    s = checked_in(1, 2, settings=settings)
    s = step(s, ev(K.UNCOUNTED, 1, reason="pickup"), ev(K.DONE, 1))
    assert s.score(1) == 0.5 and s.next_up() == 2


def test_requested_customer_goes_to_owner_without_a_turn():
    s = step(checked_in(1, 2, 3), ev(K.REQUESTED, 2))
    assert s.on_duty == [1, 2, 3]
    assert s.stats[2].requested == 1 and s.stats[2].ups == 0
    assert s.next_up() == 1


def test_requested_owner_on_break_comes_back_for_their_customer():
    s = step(checked_in(1, 2), ev(K.AWAY, 2, reason="break"), ev(K.REQUESTED, 2))
    assert s.member(2).state is MemberState.WITH_CUSTOMER


def test_courtesy_reception_uses_no_turn():
    s = step(checked_in(1, 2), ev(K.COURTESY, 1, other_id=9))
    assert s.on_duty == [1, 2]
    assert s.stats[1].courtesy == 1 and s.stats[1].ups == 0


def test_busy_skip_earns_make_up_personal_skip_forfeits():
    s = step(checked_in(1, 2, 3), ev(K.SKIP, 1, reason="busy"))
    assert s.next_up() == 2
    s = step(s, ev(K.WALK_IN, 2))
    assert s.member(1).makeups_owed == 1
    s = step(checked_in(1, 2, 3), ev(K.SKIP, 1, reason="personal"))
    assert s.on_duty == [2, 3, 1] and s.stats[1].skips == 1


def test_cannot_serve_is_passed_over_but_keeps_place():
    s = step(checked_in(1, 2, 3), ev(K.SKIP, 1, reason="cannot_serve"))
    assert s.next_up() == 2
    s = step(s, ev(K.WALK_IN, 2))
    assert s.on_duty == [1, 3, 2] and s.next_up() == 1
    assert s.member(1).makeups_owed == 0


def test_hold_out_and_manager_override():
    s = checked_in(1, 2)
    assert s.next_up(held={1: "overdue callbacks"}) == 2
    s = step(s, ev(K.OVERRIDE_HOLD, 1))
    assert s.next_up(held={1: "overdue callbacks"}) == 1


def test_manual_reorder_must_be_a_permutation():
    s = step(checked_in(1, 2, 3), ev(K.REORDER, order=(3, 1, 2)))
    assert s.on_duty == [3, 1, 2]
    with pytest.raises(RuleViolation):
        step(s, ev(K.REORDER, order=(3, 1)))
    with pytest.raises(RuleViolation):
        step(s, ev(K.REORDER, order=(3, 3, 1)))


def test_close_day_keeps_stats_and_refuses_further_actions():
    s = step(checked_in(1, 2), ev(K.WALK_IN, 1), ev(K.DONE, 1), ev(K.CLOSE_DAY))
    assert s.closed and s.on_duty == [] and s.stats[1].ups == 1
    with pytest.raises(RuleViolation):
        step(s, ev(K.CHECK_IN, 1))


def test_nobody_free_means_no_next_up():
    s = step(checked_in(1), ev(K.WALK_IN, 1))
    assert s.next_up() is None


def test_unknown_reason_is_a_rule_violation_not_a_crash():
    with pytest.raises(RuleViolation):
        step(checked_in(1), ev(K.AWAY, 1, reason="nap"))


def test_apply_never_mutates_its_input():
    s = checked_in(1, 2)
    before = s.copy()
    apply(s, ev(K.WALK_IN, 1))
    assert s == before


def test_new_day_starts_a_fresh_queue():
    assert RotationState(day=date(2026, 3, 3)).on_duty == []


# -- make-up turns (DESIGN.md §1.7 rule 8, issue 15 item 2) ---------------------------
# Each case: the order mode, the day's events after checking in 1, 2, 3, then the
# make-ups owed and the make-ups used per member. Every case but the two marked
# "control" gave a different answer before make-ups were tied to turns actually lost.
BACK, FEWEST = OrderMode.BACK_OF_QUEUE, OrderMode.FEWEST_UPS
MAKE_UP_CASES = [
    pytest.param(
        BACK,
        [(K.WALK_IN, 1), (K.WALK_IN, 2), (K.WALK_IN, 3), (K.DONE, 3), (K.WALK_IN, 3)],
        {1: 0, 2: 0, 3: 0},
        {},
        id="busy with one's own counted walk-in earns nothing (that was the turn)",
    ),
    pytest.param(
        BACK,
        [(K.WALK_IN, 1), (K.WALK_IN, 2), (K.WALK_IN, 3)] + [(K.DONE, 3), (K.WALK_IN, 3)] * 3,
        {1: 0, 2: 0, 3: 0},
        {},
        id="no pile-up: three walk-ins past two busy members owe nothing",
    ),
    pytest.param(
        BACK,
        [(K.REQUESTED, 1), (K.WALK_IN, 2), (K.WALK_IN, 3)],
        {1: 0, 2: 0, 3: 0},
        {},
        id="back-of-queue: passed over with a requested customer keeps the head, owes nothing",
    ),
    pytest.param(
        BACK,
        [(K.AWAY, 1, "delivery"), (K.WALK_IN, 2)],
        {1: 0, 2: 0, 3: 0},
        {},
        id="back-of-queue: passed over on a delivery keeps the place, owes nothing",
    ),
    pytest.param(
        FEWEST,
        [(K.AWAY, 1, "delivery"), (K.WALK_IN, 2)],
        {1: 1, 2: 0, 3: 0},
        {},
        id="fewest-ups: passed over on a delivery is a turn lost",
    ),
    pytest.param(
        FEWEST,
        [(K.REQUESTED, 1), (K.WALK_IN, 2), (K.WALK_IN, 3)],
        {1: 1, 2: 0, 3: 0},
        {},
        id="fewest-ups: passed over twice with a requested customer owes one turn, not two",
    ),
    pytest.param(
        FEWEST,
        [(K.REQUESTED, 1), (K.WALK_IN, 2), (K.DONE, 1), (K.WALK_IN, 1)],
        {1: 0, 2: 0, 3: 0},
        {1: 1},
        id="fewest-ups: the make-up is used at the next walk-in and gone",
    ),
    pytest.param(
        BACK,
        [(K.SKIP, 1, "busy"), (K.WALK_IN, 2)],
        {1: 1, 2: 0, 3: 0},
        {},
        id="control: an explicit skip: busy is a turn lost",
    ),
    pytest.param(
        BACK,
        [(K.SKIP, 1, "busy"), (K.WALK_IN, 2), (K.SKIP, 1, "busy"), (K.WALK_IN, 3)],
        {1: 1, 2: 0, 3: 0},
        {},
        id="skipped busy twice owes one make-up, not two",
    ),
    pytest.param(
        BACK,
        [(K.SKIP, 1, "busy"), (K.WALK_IN, 2), (K.SKIP, 1, "busy"), (K.WALK_IN, 3)]
        + [(K.DONE, 2), (K.DONE, 3), (K.WALK_IN, 1)],
        {1: 0, 2: 0, 3: 0},
        {1: 1},
        id="the member who used a make-up goes to the back holding none",
    ),
    pytest.param(
        BACK,
        [(K.SKIP, 1, "busy"), (K.WALK_IN, 2), (K.SKIP, 1, "personal")],
        {1: 0, 2: 0, 3: 0},
        {},
        id="a personal skip forfeits the turn, make-up included",
    ),
    pytest.param(
        FEWEST,
        [(K.AWAY, 1, "break"), (K.WALK_IN, 2)],
        {1: 0, 2: 0, 3: 0},
        {},
        id="control: a break earns nothing",
    ),
]


@pytest.mark.parametrize(("mode", "events", "owed", "used"), MAKE_UP_CASES)
def test_make_up_turns(mode, events, owed, used):
    s = checked_in(1, 2, 3, settings=RotationSettings(mode=mode))
    for sid_event in events:
        kind, sid, *reason = sid_event
        s = step(s, ev(kind, sid, reason=reason[0] if reason else None))
    assert {m.salesperson_id: m.makeups_owed for m in s.queue} == owed
    assert {sid: st.makeups for sid, st in s.stats.items() if st.makeups} == used


def test_a_make_up_gives_priority_once_then_the_queue_resumes():
    # fewest-ups: 1 on a delivery loses a turn; back, 1 is next-up by the make-up, once.
    s = checked_in(1, 2, 3, settings=RotationSettings(mode=FEWEST))
    s = step(s, ev(K.AWAY, 1, reason="delivery"), ev(K.WALK_IN, 2), ev(K.BACK, 1))
    assert s.next_up() == 1
    s = step(s, ev(K.WALK_IN, 1), ev(K.DONE, 1), ev(K.DONE, 2))
    assert s.member(1).makeups_owed == 0 and s.next_up() == 3
