"""Random desk actions for the rotation's property tests (hypothesis), shared by the
rules' properties and the undo's: each is (kind, salesperson, extra), turned into an
event against the state it is applied to."""

from __future__ import annotations

from datetime import datetime

from hypothesis import strategies as st

from deskterm.domain.rotation import (
    AwayReason,
    HandReason,
    OrderMode,
    RotationEvent,
    RotationSettings,
    RotationState,
    SkipReason,
    UncountedKind,
)
from deskterm.domain.rotation import EventKind as K

PEOPLE = range(1, 7)


def actions(*, closing: bool = False) -> st.SearchStrategy[tuple]:
    """One random action; ``closing``: the day's close among them."""
    some = [
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
        st.tuples(
            st.just(K.UNCOUNTED), st.sampled_from(PEOPLE), st.sampled_from(list(UncountedKind))
        ),
        st.tuples(st.just(K.HAND_TURN), st.sampled_from(PEOPLE), st.sampled_from(list(HandReason))),
        st.tuples(st.just(K.REORDER), st.none(), st.randoms()),
        st.tuples(st.just("next"), st.none(), st.none()),  # whoever is next-up takes one
    ]
    if closing:
        some.append(st.tuples(st.just(K.CLOSE_DAY), st.none(), st.none()))
    return st.one_of(*some)


modes = st.builds(
    RotationSettings,
    mode=st.sampled_from(list(OrderMode)),
    uncounted_weight=st.sampled_from([0.0, 0.5]),
)


def to_event(state: RotationState, a: tuple, at: datetime) -> RotationEvent | None:
    """The event action ``a`` is in ``state`` at ``at`` (None: nobody is next-up)."""
    kind, sid, extra = a
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
