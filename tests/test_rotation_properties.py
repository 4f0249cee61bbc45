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
from tests.rotation_actions import actions, modes
from tests.rotation_actions import to_event as shared_event

DAY = date(2026, 2, 28)
T0 = datetime(2026, 2, 28, 9, tzinfo=UTC)
action = actions()


def to_event(state: RotationState, a, i: int) -> RotationEvent | None:
    return shared_event(state, a, T0 + timedelta(minutes=i))


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
def test_walk_ins_stay_balanced_when_nobody_is_busy(n, script):
    """Everyone checks in; walk-ins go to next-up; people finish at random.

    Nobody busy with their own walk-ins is ever owed a make-up for it, and while
    nobody is busy at a walk-in the counts of turns differ by at most one.
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
        assert all(m.makeups_owed == 0 for m in state.queue)
        turns = [state.stats[m.salesperson_id].ups for m in state.queue]
        if always_free:
            assert max(turns) - min(turns) <= 1


class TurnsLost:
    """An independent account of the turns lost, kept from the events alone (rule 8).

    It keeps its own queue, states and counts, and never reads the domain's state:
    a member owes a make-up exactly when they lost a turn at a counted walk-in
    since they last took one (or forfeited one, or checked in).
    """

    def __init__(self, settings: RotationSettings) -> None:
        self.back = settings.mode is OrderMode.BACK_OF_QUEUE
        self.weight = settings.uncounted_weight
        self.queue: list[int] = []
        self.doing: dict[int, str] = {}  # "ready", or the up / away reason they are on
        self.busy_skipped: set[int] = set()
        self.ups: dict[int, int] = {}
        self.personal: dict[int, int] = {}
        self.uncounted: dict[int, int] = {}
        self.owed: dict[int, int] = {}
        self.lost = 0  # turns lost today, everyone together
        self.used = 0  # make-ups taken today

    def score(self, sid: int) -> float:
        return (
            self.ups.get(sid, 0)
            + self.personal.get(sid, 0)
            + self.weight * self.uncounted.get(sid, 0)
        )

    def lost_at(self, taker: int, sid: int) -> bool:
        if sid == taker:
            return False
        if sid in self.busy_skipped:
            return True  # the receptionist said so
        if self.back or self.owed.get(taker):
            return False  # back: the place ahead of the taker is kept; a make-up was first
        if self.doing[sid] not in (
            "requested",
            "courtesy",
            "uncounted",
            "delivery",
            "appointment",
            "shop_business",
        ):
            return False  # free, on a break, or on one's own counted walk-in
        rank = {x: (self.score(x), i) for i, x in enumerate(self.queue)}
        return rank[sid] < rank[taker]

    def see(self, e: RotationEvent) -> None:
        sid = e.salesperson_id
        if e.kind is K.CHECK_IN:
            self.queue.append(sid)
            self.doing[sid] = "ready"
            self.owed[sid] = 0
        elif e.kind is K.CHECK_OUT:
            self.queue.remove(sid)
            self.busy_skipped.discard(sid)
        elif e.kind is K.WALK_IN:
            losers = [x for x in self.queue if self.lost_at(sid, x)]
            self.lost += len(losers)
            if self.owed[sid]:
                self.used += 1
            self.owed[sid] = 0
            for x in losers:
                self.owed[x] = 1
            self.ups[sid] = self.ups.get(sid, 0) + 1
            self.doing[sid] = "walk_in"
            if self.back:
                self.queue.remove(sid)
                self.queue.append(sid)
            self.busy_skipped.clear()
        elif e.kind in (K.REQUESTED, K.COURTESY, K.UNCOUNTED):
            self.doing[sid] = e.kind.value
            if e.kind is K.UNCOUNTED:
                self.uncounted[sid] = self.uncounted.get(sid, 0) + 1
            if e.kind is not K.REQUESTED:
                self.busy_skipped.clear()  # that customer was not a counted turn
        elif e.kind in (K.DONE, K.BACK):
            self.doing[sid] = "ready"
        elif e.kind is K.AWAY:
            self.doing[sid] = e.reason or "break"
            self.busy_skipped.discard(sid)
        elif e.kind is K.SKIP:
            if e.reason == "busy":
                self.busy_skipped.add(sid)
            elif e.reason == "personal":
                self.personal[sid] = self.personal.get(sid, 0) + 1
                self.owed[sid] = 0
                self.queue.remove(sid)
                self.queue.append(sid)
        elif e.kind is K.REORDER:
            self.queue = list(e.order)


FLOOR = range(1, 5)
# A busy floor: four members checked in, and arrivals, finishes, skips and breaks
# often enough that members are passed over while busy in most examples.
floor_action = st.one_of(
    st.just(("next", None, None)),
    st.just(("next", None, None)),
    st.tuples(st.just(K.DONE), st.sampled_from(FLOOR), st.none()),
    st.tuples(
        st.sampled_from([K.REQUESTED, K.COURTESY, K.BACK]), st.sampled_from(FLOOR), st.none()
    ),
    st.tuples(
        st.sampled_from([K.CHECK_OUT, K.CHECK_IN, K.WALK_IN]), st.sampled_from(FLOOR), st.none()
    ),
    st.tuples(st.just(K.AWAY), st.sampled_from(FLOOR), st.sampled_from(list(AwayReason))),
    st.tuples(st.just(K.SKIP), st.sampled_from(FLOOR), st.sampled_from(list(SkipReason))),
    st.tuples(st.just(K.UNCOUNTED), st.sampled_from(FLOOR), st.sampled_from(list(UncountedKind))),
    st.tuples(st.just(K.REORDER), st.none(), st.randoms()),
)


@settings(max_examples=400, deadline=None)
@given(modes, st.lists(floor_action, min_size=10, max_size=80))
def test_make_ups_owed_always_equal_the_turns_lost(mode, actions):
    """After every event, each member owes exactly the turn they lost and have not had back."""
    log, states = run(mode, [(K.CHECK_IN, sid, None) for sid in FLOOR] + actions)
    lost = TurnsLost(mode)
    for e, state in zip(log, states[1:], strict=True):
        lost.see(e)
        owed = {m.salesperson_id: m.makeups_owed for m in state.queue}
        assert owed == {sid: lost.owed[sid] for sid in lost.queue}, e
        assert set(owed.values()) <= {0, 1}  # a make-up is one turn, never a balance
        assert sum(st_.makeups for st_ in state.stats.values()) == lost.used
        assert lost.used <= lost.lost  # nobody is given back a turn they did not lose
        if e.kind is K.WALK_IN:
            assert state.member(e.salesperson_id).makeups_owed == 0  # used, and gone
