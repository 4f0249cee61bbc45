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


def test_delivery_keeps_place_and_earns_make_up():
    s = step(checked_in(1, 2, 3), ev(K.AWAY, 1, reason="delivery"), ev(K.WALK_IN, 2))
    assert s.member(1).makeups_owed == 1


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


def test_make_up_turn_after_being_passed_over_with_a_customer():
    # 1 is first in the queue but busy with a requested customer: 2 takes the up.
    s = step(checked_in(1, 2, 3), ev(K.REQUESTED, 1), ev(K.WALK_IN, 2))
    assert s.member(1).makeups_owed == 1
    s = step(s, ev(K.WALK_IN, 3))  # 1 still busy: owed another
    assert s.member(1).makeups_owed == 2
    s = step(s, ev(K.DONE, 1), ev(K.DONE, 2), ev(K.DONE, 3))
    assert s.next_up() == 1
    s = step(s, ev(K.WALK_IN, 1), ev(K.DONE, 1))
    assert s.next_up() == 1  # the second make-up beats queue order
    s = step(s, ev(K.WALK_IN, 1))
    assert s.stats[1].makeups == 2 and s.member(1).makeups_owed == 0


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
