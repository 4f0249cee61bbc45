"""Property tests over random action sequences (hypothesis)."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from deskterm.domain.rotation import (
    AwayReason,
    MemberState,
    OrderMode,
    RotationEvent,
    RotationSettings,
    RotationState,
    SkipReason,
    UncountedKind,
    apply,
    replay,
)
from deskterm.domain.rotation import EventKind as K
from deskterm.errors import RuleViolation

DAY = date(2026, 2, 28)
T0 = datetime(2026, 2, 28, 9, tzinfo=UTC)
PEOPLE = range(1, 7)

action = st.one_of(
    st.tuples(
        st.sampled_from(
            [
                K.CHECK_IN,
                K.CHECK_OUT,
                K.WALK_IN,
                K.REQUESTED,
                K.COURTESY,
                K.DONE,
                K.BACK,
                K.OVERRIDE_HOLD,
            ]
        ),
        st.sampled_from(PEOPLE),
        st.none(),
    ),
    st.tuples(st.just(K.AWAY), st.sampled_from(PEOPLE), st.sampled_from(list(AwayReason))),
    st.tuples(st.just(K.SKIP), st.sampled_from(PEOPLE), st.sampled_from(list(SkipReason))),
    st.tuples(st.just(K.UNCOUNTED), st.sampled_from(PEOPLE), st.sampled_from(list(UncountedKind))),
    st.tuples(st.just(K.REORDER), st.none(), st.randoms()),
    st.tuples(st.just("next"), st.none(), st.none()),
)
modes = st.builds(
    RotationSettings,
    mode=st.sampled_from(list(OrderMode)),
    uncounted_weight=st.sampled_from([0.0, 0.5]),
)


def to_event(state: RotationState, a, i: int) -> RotationEvent | None:
    kind, sid, extra = a
    at = T0 + timedelta(minutes=i)
    if kind == "next":
        nxt = state.next_up()
        return None if nxt is None else RotationEvent(K.WALK_IN, at, nxt)
    if kind is K.REORDER:
        order = list(state.on_duty)
        extra.shuffle(order)
        return RotationEvent(K.REORDER, at, order=tuple(order))
    if kind is K.COURTESY:
        return RotationEvent(kind, at, sid, other_id=99)
    return RotationEvent(kind, at, sid, reason=extra.value if extra else None)


def run(mode, actions):
    """Apply actions, skipping refused ones; return the accepted log and each state."""
    state = RotationState(day=DAY, settings=mode)
    log, states = [], [state]
    for i, a in enumerate(actions):
        e = to_event(state, a, i)
        if e is None:
            continue
        try:
            state = apply(state, e)
        except RuleViolation:
            continue
        log.append(e)
        states.append(state)
    return log, states


@settings(max_examples=300, deadline=None)
@given(modes, st.lists(action, max_size=80))
def test_no_salesperson_is_ever_lost_or_duplicated(mode, actions):
    checked_in: set[int] = set()
    state = RotationState(day=DAY, settings=mode)
    for i, a in enumerate(actions):
        e = to_event(state, a, i)
        if e is None:
            continue
        try:
            state = apply(state, e)
        except RuleViolation:
            continue
        if e.kind is K.CHECK_IN:
            checked_in.add(e.salesperson_id)
        elif e.kind is K.CHECK_OUT:
            checked_in.discard(e.salesperson_id)
        ids = state.on_duty
        assert len(ids) == len(set(ids)), "duplicated"
        assert set(ids) == checked_in, "lost or phantom member"
        assert all(m.makeups_owed >= 0 for m in state.queue)
        nxt = state.next_up()
        assert nxt is None or nxt in checked_in


@settings(max_examples=300, deadline=None)
@given(modes, st.lists(action, max_size=60))
def test_undo_restores_the_exact_prior_state(mode, actions):
    log, states = run(mode, actions)
    for n in range(len(log) + 1):
        assert replay(DAY, log[:n], mode) == states[n]


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 6), st.lists(st.tuples(st.booleans(), st.integers(0, 5)), max_size=80))
def test_walk_ins_stay_balanced_without_breaks_or_skips(n, script):
    """Everyone checks in; walk-ins go to next-up; people finish at random.

    Turns taken plus make-up turns owed never differ by more than one, and when
    nobody is busy at a walk-in the counts themselves differ by at most one.
    """
    state = RotationState(day=DAY)
    for sid in range(1, n + 1):
        state = apply(state, RotationEvent(K.CHECK_IN, T0, sid))
    always_free = True
    for i, (arrival, who) in enumerate(script):
        at = T0 + timedelta(minutes=i)
        if arrival:
            nxt = state.next_up()
            if nxt is None:
                continue
            if any(m.state is MemberState.WITH_CUSTOMER for m in state.queue):
                always_free = False
            state = apply(state, RotationEvent(K.WALK_IN, at, nxt))
            if always_free:
                state = apply(state, RotationEvent(K.DONE, at, nxt))
        else:
            m = state.queue[who % n]
            if m.state is MemberState.WITH_CUSTOMER:
                state = apply(state, RotationEvent(K.DONE, at, m.salesperson_id))
        owed = {m.salesperson_id: m.makeups_owed for m in state.queue}
        turns = {sid: state.stats[sid].ups for sid in owed}
        entitled = [turns[sid] + owed[sid] for sid in owed]
        assert max(entitled) - min(entitled) <= 1
        if always_free:
            assert max(turns.values()) - min(turns.values()) <= 1
