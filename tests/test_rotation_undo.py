"""Issue 23 on the pure domain: the undo of an earlier action (``undo_dependents``) and a
counted turn given by hand (``HAND_TURN``), table-driven, then by Hypothesis."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskterm.domain.rotation import EventKind as K
from deskterm.domain.rotation import (
    MemberState,
    OrderMode,
    RotationEvent,
    RotationSettings,
    RotationState,
    SkipReason,
    apply,
    problems,
    replay,
    undo_dependents,
    without,
)
from deskterm.errors import RuleViolation
from tests.rotation_actions import actions, modes, to_event

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BACK = RotationSettings()
FEWEST = RotationSettings(mode=OrderMode.FEWEST_UPS)


def ev(kind, sid=None, minute=0, **kw):
    return RotationEvent(kind, T0 + timedelta(minutes=minute), sid, **kw)


def log(*spec):
    """Events from (kind, salesperson[, reason]) tuples, a minute apart."""
    out = []
    for i, item in enumerate(spec):
        kind, sid, *rest = item
        out.append(ev(kind, sid, i, reason=rest[0] if rest else None))
    return out


IN3 = [(K.CHECK_IN, 1), (K.CHECK_IN, 2), (K.CHECK_IN, 3)]

# (what, the log, the index undone, the indexes that fall with it)
UNDO_CASES = [
    ("a check-in: everything of theirs falls", [*IN3, (K.WALK_IN, 1), (K.DONE, 1)], 0, (3, 4)),
    ("a walk-in: its done falls", [*IN3, (K.WALK_IN, 1), (K.WALK_IN, 2), (K.DONE, 1)], 3, (5,)),
    ("a walk-in nobody built on", [*IN3, (K.WALK_IN, 1), (K.WALK_IN, 2)], 3, ()),
    (
        "a done: the next visit of theirs falls",
        [*IN3, (K.WALK_IN, 1), (K.DONE, 1), (K.WALK_IN, 1)],
        4,
        (5,),
    ),
    ("a check-out: the check-in again falls", [*IN3, (K.CHECK_OUT, 2), (K.CHECK_IN, 2)], 3, (4,)),
    ("a break: the back falls", [*IN3, (K.AWAY, 3, "break"), (K.BACK, 3)], 3, (4,)),
    ("a personal skip: nothing else", [*IN3, (K.SKIP, 1, "personal"), (K.WALK_IN, 2)], 3, ()),
    ("a turn by hand: its done falls", [*IN3, (K.HAND_TURN, 3, "language"), (K.DONE, 3)], 3, (4,)),
    (
        "a 10:20 walk-in after three more actions",
        [*IN3, (K.WALK_IN, 1), (K.WALK_IN, 2), (K.AWAY, 3, "break"), (K.BACK, 3)],
        3,
        (),
    ),
]


@pytest.mark.parametrize(
    ("spec", "index", "fallen"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in UNDO_CASES],
)
def test_undo_names_the_later_actions_that_cannot_stand(spec, index, fallen):
    events = log(*spec)
    assert undo_dependents(DAY, events, {index}) == fallen
    rest = without(events, {index, *fallen})
    assert problems(replay(DAY, rest)) == []
    if fallen:  # the log without the one action alone is refused, never half applied
        with pytest.raises(RuleViolation):
            replay(DAY, without(events, {index}))


def test_a_reorder_listing_someone_whose_check_in_is_undone_falls():
    events = [*log(*IN3), RotationEvent(K.REORDER, T0, order=(3, 2, 1))]
    assert undo_dependents(DAY, events, {1}) == (3,)


def test_undoing_an_earlier_walk_in_gives_the_turn_back():
    events = log(*IN3, (K.WALK_IN, 1), (K.DONE, 1), (K.WALK_IN, 2), (K.DONE, 2))
    state = replay(DAY, without(events, {3, 4}))  # the 1st walk-in and its done
    assert state.on_duty == [1, 3, 2] and state.stats[1].ups == 0


def test_an_index_outside_the_log_is_refused():
    with pytest.raises(RuleViolation):
        undo_dependents(DAY, log(*IN3), {7})


# -- a counted turn given by hand ----------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "queue", "next_up"),
    [(BACK, [1, 2, 4, 3], 1), (FEWEST, [1, 2, 3, 4], 1)],
    ids=["back of queue", "fewest turns"],
)
def test_a_turn_by_hand_counts_and_next_up_keeps_the_head(settings, queue, next_up):
    events = log(*IN3, (K.CHECK_IN, 4), (K.HAND_TURN, 3, "training"), (K.DONE, 3))
    s = replay(DAY, events, settings)
    assert s.on_duty == queue and s.next_up() == next_up
    assert s.stats[3].ups == 1 and s.stats[3].by_hand == 1
    assert s.stats[1].ups == 0 and all(m.makeups_owed == 0 for m in s.queue)


def test_a_turn_by_hand_spends_a_make_up_owed():
    events = log(*IN3, (K.SKIP, 1, "busy"), (K.WALK_IN, 2), (K.DONE, 2))
    s = replay(DAY, events)
    assert s.member(1).makeups_owed == 1
    s = apply(s, ev(K.HAND_TURN, 1, 9, reason="fleet"))
    assert s.member(1).makeups_owed == 0 and s.stats[1].makeups == 1


def test_a_turn_by_hand_keeps_a_pass_over():
    s = replay(DAY, log(*IN3, (K.SKIP, 1, "cannot_serve"), (K.HAND_TURN, 3, "language")))
    assert s.member(1).passed is SkipReason.CANNOT_SERVE and s.next_up() == 2


@pytest.mark.parametrize(
    ("before", "event", "refused"),
    [
        ([], (K.HAND_TURN, 9, "language"), "not checked in"),
        ([(K.WALK_IN, 2)], (K.HAND_TURN, 2, "language"), "Not free"),
        ([(K.AWAY, 2, "break")], (K.HAND_TURN, 2, "fleet"), "Not free"),
        ([(K.SKIP, 1, "busy")], (K.HAND_TURN, 1, "fleet"), "Passed over"),
        ([], (K.HAND_TURN, 2, "because"), "Unknown reason"),
        ([], (K.HAND_TURN, 2), "Unknown reason"),
    ],
)
def test_a_turn_by_hand_is_refused_when_the_rules_forbid(before, event, refused):
    s = replay(DAY, log(*IN3, *before))
    with pytest.raises(RuleViolation, match=refused):
        apply(s, log(event)[0])


# -- properties ----------------------------------------------------------------------

action = actions(closing=True)


def valid_log(mode, actions):
    """The actions the rules accept, in order: a valid day's log."""
    state = RotationState(day=DAY, settings=mode)
    out = []
    for i, a in enumerate(actions):
        e = to_event(state, a, T0 + timedelta(minutes=i))
        if e is None:
            continue
        try:
            state = apply(state, e)
        except RuleViolation:
            continue
        out.append(e)
    return out, state


def visits_have_one_salesperson(events):
    """Every visit started is served by one member until their done: nobody starts a
    second visit while still with one (the "walk-in with two salespeople" corruption)."""
    with_customer: set[int] = set()
    for e in events:
        if e.kind in (K.WALK_IN, K.REQUESTED, K.COURTESY, K.UNCOUNTED, K.HAND_TURN):
            if e.salesperson_id in with_customer:
                return False
            with_customer.add(e.salesperson_id)
        elif e.kind is K.DONE:
            if e.salesperson_id not in with_customer:
                return False
            with_customer.discard(e.salesperson_id)
        elif e.kind is K.CLOSE_DAY:
            with_customer.clear()
    return True


@settings(max_examples=250, deadline=None)
@given(modes, st.lists(action, max_size=50), st.data())
def test_any_valid_log_minus_one_action_is_valid_or_refused_never_corrupt(mode, actions, data):
    events, final = valid_log(mode, actions)
    assert problems(final) == []
    if not events:
        return
    index = data.draw(st.integers(0, len(events) - 1))
    alone = without(events, {index})
    try:
        state = replay(DAY, alone, mode)
    except RuleViolation:
        state = None  # refused: the undo then names what falls with it
    fallen = undo_dependents(DAY, events, {index}, mode)
    assert all(i > index for i in fallen)
    if state is not None:
        assert problems(state) == [] and visits_have_one_salesperson(alone)
        assert fallen == ()  # valid without it: nothing else has to go
    else:
        assert fallen != ()
    rest = without(events, {index, *fallen})
    after = replay(DAY, rest, mode)
    assert problems(after) == [] and visits_have_one_salesperson(rest)
    # Nothing is taken that could stand: each fallen action is refused where it stood,
    # after the actions kept before it.
    gone = {index, *fallen}
    for f in fallen:
        before = replay(DAY, [e for j, e in enumerate(events[:f]) if j not in gone], mode)
        with pytest.raises(RuleViolation):
            apply(before, events[f])


@settings(max_examples=150, deadline=None)
@given(modes, st.lists(action, max_size=40))
def test_turns_by_hand_are_counted_turns_that_never_move_anyone_else(mode, actions):
    events, _ = valid_log(mode, actions)
    state = RotationState(day=DAY, settings=mode)
    for e in events:
        after = apply(state, e)
        if e.kind is K.HAND_TURN:
            sid = e.salesperson_id
            assert after.stats[sid].by_hand == state.stats[sid].by_hand + 1
            assert after.stats[sid].ups == state.stats[sid].ups + 1
            others = [m.salesperson_id for m in state.queue if m.salesperson_id != sid]
            assert [i for i in after.on_duty if i != sid] == others
            for i in others:
                a, b = state.member(i), after.member(i)
                assert (a.makeups_owed, a.passed, a.state) == (b.makeups_owed, b.passed, b.state)
            assert after.member(sid).state is MemberState.WITH_CUSTOMER
        state = after
