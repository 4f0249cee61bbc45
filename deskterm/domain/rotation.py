"""The reception rotation ("like a barber shop's queue number"), DESIGN.md §1.1 and §1.7.

Event-sourced: a day's rotation state is the replay of that day's log of events.
That makes the rules below easy to state and test, and gives three properties
for free: undo restores the exact prior state (replay without the last event),
the state survives restarts (the log is in the database), and two windows agree
(they replay the same log).

Rules, in the order of DESIGN.md §1.7:
1. the queue is the order of check-in; checking out and back in joins at the back;
2. a counted walk-in sends its taker to the back (setting ``FEWEST_UPS`` instead
   picks whoever has the fewest turns today, ties by queue order);
3. away (break, delivery, appointment, shop business) keeps one's place;
4. mis-taps are undone from the log (see ``replay``);
5. ups that don't count consume no turn (or half a turn, in fewest-ups order);
6. requested / returning customers go to their owner without a turn; if the owner
   is absent, next-up receives them as a courtesy, also without a turn;
8. a make-up turn is owed only for a turn actually lost at a counted walk-in:
   an explicit "skip: busy", or (fewest-ups order only) being passed over while
   serving an up that did not count as one's turn (a requested or courtesy
   customer, an uncounted up, a delivery, an appointment, shop business). Being
   busy with one's own counted walk-in earns nothing (that was the turn); in
   back-of-queue order a member passed over keeps their place ahead of the taker,
   which already gives the turn back, so nothing more is owed. A make-up is one
   turn, not a balance: it gives priority at the next walk-in the member can take,
   is spent by taking it, and a member owes at most one (see ``_settle``). A skip
   for personal reasons forfeits the turn, a make-up included (to the back);
9. members with overdue callbacks or an unsaved form can be held out (the service
   computes the holds; the manager's override is an event here);
10. a member who can't serve this customer is passed over but keeps the place;
11. the manager may reorder the queue by hand;
12. the day is closed and its statistics kept.

Two moves beyond the list (issue 23): a **counted turn given by hand** (``HAND_TURN``:
the manager gives a walk-in to a member other than next-up with a reason; the member is
counted as having taken a turn, next-up keeps the head), and the **undo of an earlier
action** (``undo_dependents``: the log without it replays, or the later events it made
possible are named, to be removed with it or the undo refused).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from deskterm.errors import RuleViolation
from deskterm.i18n import N_


class OrderMode(StrEnum):
    """How next-up is chosen (a shop setting)."""

    BACK_OF_QUEUE = "back"
    FEWEST_UPS = "fewest"


class MemberState(StrEnum):
    """What an on-duty salesperson is doing."""

    READY = "ready"
    WITH_CUSTOMER = "with_customer"
    AWAY = "away"


class AwayReason(StrEnum):
    """Why a member is away; every reason keeps the place in the queue."""

    BREAK = "break"
    DELIVERY = "delivery"
    APPOINTMENT = "appointment"
    SHOP_BUSINESS = "shop_business"

    @property
    def earns_makeup(self) -> bool:
        """Away serving a customer or the shop (not one's own choice): in fewest-ups order a
        pass-over then costs a turn, given back as a make-up (see ``lost_turn``)."""
        return self is not AwayReason.BREAK


class SkipReason(StrEnum):
    """Why next-up was passed over for this customer."""

    PERSONAL = "personal"  # forfeits the turn: to the back of the queue
    BUSY = "busy"  # with a customer / shop business right now: a turn lost, owed a make-up
    CANNOT_SERVE = "cannot_serve"  # language, new vs used…: keeps the place, no make-up


class UncountedKind(StrEnum):
    """Ups that are logged but consume no turn."""

    QUESTION = "question"
    SERVICE = "service"  # service or parts walk-in
    PICKUP = "pickup"
    FRIEND = "friend"  # a relative or friend of the salesperson


class EventKind(StrEnum):
    """Everything that can happen on the rotation board."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    WALK_IN = "walk_in"
    REQUESTED = "requested"
    COURTESY = "courtesy"
    UNCOUNTED = "uncounted"
    DONE = "done"
    AWAY = "away"
    BACK = "back"
    SKIP = "skip"
    REORDER = "reorder"
    OVERRIDE_HOLD = "override_hold"
    CLOSE_DAY = "close_day"
    HAND_TURN = "hand_turn"  # a counted turn given by hand to a member other than next-up


class HandReason(StrEnum):
    """Why a counted turn was given by hand rather than by the rotation."""

    LANGUAGE = "language"  # the member speaks the customer's language
    FLEET = "fleet"  # a fleet / company customer the member handles
    TRAINING = "training"  # a new salesperson's training turn
    OTHER = "other"  # said in the note


STATE_LABELS: dict[MemberState, str] = {
    MemberState.READY: N_("ready"),
    MemberState.WITH_CUSTOMER: N_("with customer"),
    MemberState.AWAY: N_("away"),
}
AWAY_LABELS: dict[AwayReason, str] = {
    AwayReason.BREAK: N_("on break"),
    AwayReason.DELIVERY: N_("delivery"),
    AwayReason.APPOINTMENT: N_("appointment"),
    AwayReason.SHOP_BUSINESS: N_("shop business"),
}
SKIP_LABELS: dict[SkipReason, str] = {
    SkipReason.PERSONAL: N_("personal (forfeits the turn)"),
    SkipReason.BUSY: N_("busy with a customer (make-up turn)"),
    SkipReason.CANNOT_SERVE: N_("can't serve this customer (keeps place)"),
}
UNCOUNTED_LABELS: dict[UncountedKind, str] = {
    UncountedKind.QUESTION: N_("quick question"),
    UncountedKind.SERVICE: N_("service / parts"),
    UncountedKind.PICKUP: N_("pickup"),
    UncountedKind.FRIEND: N_("relative or friend"),
}
EVENT_LABELS: dict[EventKind, str] = {
    EventKind.CHECK_IN: N_("checked in"),
    EventKind.CHECK_OUT: N_("checked out"),
    EventKind.WALK_IN: N_("took a walk-in"),
    EventKind.REQUESTED: N_("requested by a customer"),
    EventKind.COURTESY: N_("courtesy reception"),
    EventKind.UNCOUNTED: N_("up that doesn't count"),
    EventKind.DONE: N_("done with customer"),
    EventKind.AWAY: N_("away"),
    EventKind.BACK: N_("back"),
    EventKind.SKIP: N_("skipped"),
    EventKind.REORDER: N_("queue reordered"),
    EventKind.OVERRIDE_HOLD: N_("hold overridden"),
    EventKind.CLOSE_DAY: N_("day closed"),
    EventKind.HAND_TURN: N_("counted turn given by hand"),
}
HAND_LABELS: dict[HandReason, str] = {
    HandReason.LANGUAGE: N_("language match"),
    HandReason.FLEET: N_("fleet customer"),
    HandReason.TRAINING: N_("training turn"),
    HandReason.OTHER: N_("other reason (say which)"),
}
#: Events that start a visit: their member is with a customer afterwards.
VISIT_STARTS = frozenset(
    {
        EventKind.WALK_IN,
        EventKind.REQUESTED,
        EventKind.COURTESY,
        EventKind.UNCOUNTED,
        EventKind.HAND_TURN,
    }
)


@dataclass(frozen=True)
class RotationSettings:
    """The shop's rotation settings."""

    mode: OrderMode = OrderMode.BACK_OF_QUEUE
    uncounted_weight: float = 0.0  # 0 = no turn, 0.5 = half a turn (fewest-ups order)


@dataclass(frozen=True)
class RotationEvent:
    """One entry of the day's rotation log."""

    kind: EventKind
    at: datetime
    salesperson_id: int | None = None
    other_id: int | None = None  # courtesy: the owner the customer belongs to
    reason: str | None = None  # away / skip / uncounted reason
    order: tuple[int, ...] = ()  # reorder: the new queue


@dataclass
class Member:
    """An on-duty salesperson's place and state in the queue."""

    salesperson_id: int
    checked_in_at: datetime
    state: MemberState = MemberState.READY
    away_reason: AwayReason | None = None
    busy_since: datetime | None = None
    makeups_owed: int = 0  # 0 or 1: a make-up is one turn given back, never a balance
    passed: SkipReason | None = None  # passed over for the current customer
    serving: EventKind | None = None  # the kind of up the current customer came as


@dataclass
class DayStats:
    """One salesperson's rotation figures for the day (kept when the day closes)."""

    ups: int = 0  # counted walk-ins (those given by hand included)
    requested: int = 0
    courtesy: int = 0
    uncounted: int = 0
    skips: int = 0  # personal skips (forfeited turns)
    makeups: int = 0  # make-up turns taken
    by_hand: int = 0  # counted turns given by hand (also in ``ups``)


@dataclass
class RotationState:
    """The rotation board of one day."""

    day: date
    settings: RotationSettings = field(default_factory=RotationSettings)
    queue: list[Member] = field(default_factory=list)
    stats: dict[int, DayStats] = field(default_factory=dict)
    overrides: set[int] = field(default_factory=set)
    closed: bool = False

    # -- queries ------------------------------------------------------------
    def member(self, salesperson_id: int) -> Member | None:
        """The member for ``salesperson_id`` if on duty."""
        for m in self.queue:
            if m.salesperson_id == salesperson_id:
                return m
        return None

    @property
    def on_duty(self) -> list[int]:
        """Salesperson ids in queue order."""
        return [m.salesperson_id for m in self.queue]

    def score(self, salesperson_id: int) -> float:
        """Turns taken today as the fewest-ups order counts them."""
        s = self.stats.get(salesperson_id, DayStats())
        return s.ups + s.skips + self.settings.uncounted_weight * s.uncounted

    def is_available(self, m: Member, held: Mapping[int, str] | None = None) -> bool:
        """Ready, not passed over for this customer and not held out."""
        if m.state is not MemberState.READY or m.passed is not None:
            return False
        return not (held and m.salesperson_id in held and m.salesperson_id not in self.overrides)

    def next_up(self, held: Mapping[int, str] | None = None) -> int | None:
        """Who receives the next walk-in, or None if nobody is free.

        ``held`` maps salesperson ids to the reason they are held out (overdue
        callbacks, unsaved form); the manager's override lifts a hold.
        """
        free = [m for m in self.queue if self.is_available(m, held)]
        if not free:
            return None
        owed = [m for m in free if m.makeups_owed > 0]
        if owed:
            return owed[0].salesperson_id
        if self.settings.mode is OrderMode.FEWEST_UPS:
            order = {m.salesperson_id: i for i, m in enumerate(self.queue)}
            best = min(free, key=lambda m: (self.score(m.salesperson_id), order[m.salesperson_id]))
            return best.salesperson_id
        return free[0].salesperson_id

    def copy(self) -> RotationState:
        """A deep copy (by hand: ``deepcopy`` made replay ten times slower)."""
        return RotationState(
            day=self.day,
            settings=self.settings,
            queue=[replace(m) for m in self.queue],
            stats={k: replace(v) for k, v in self.stats.items()},
            overrides=set(self.overrides),
            closed=self.closed,
        )


def _require(member: Member | None, salesperson_id: int | None) -> Member:
    if member is None:
        raise RuleViolation(
            "Salesperson #{id} is not checked in.", field="salesperson", id=salesperson_id
        )
    return member


_Reason = TypeVar("_Reason", bound=StrEnum)


def _reason(cls: type[_Reason], value: str | None, default: _Reason | None = None) -> _Reason:
    raw = value if value is not None else default
    try:
        if raw is None:  # no reason given and none by default: as unknown as a wrong one
            raise ValueError(raw)
        return cls(raw)
    except ValueError:
        raise RuleViolation("Unknown reason: {value}.", field="reason", value=value) from None


def _stats(state: RotationState, salesperson_id: int) -> DayStats:
    return state.stats.setdefault(salesperson_id, DayStats())


def _to_back(state: RotationState, m: Member) -> None:
    state.queue.remove(m)
    state.queue.append(m)


def _clear_passes(state: RotationState) -> None:
    for m in state.queue:
        m.passed = None


def _start_customer(
    m: Member, at: datetime, serving: EventKind, *, allow_away: bool = False
) -> None:
    if m.state is MemberState.WITH_CUSTOMER:
        raise RuleViolation("Already with a customer.", field="salesperson")
    if m.state is MemberState.AWAY and not allow_away:
        raise RuleViolation("Away from the floor; mark them back first.", field="salesperson")
    m.state = MemberState.WITH_CUSTOMER
    m.away_reason = None
    m.busy_since = at
    m.serving = serving


def serving_uncounted_up(m: Member) -> bool:
    """Busy with something that is not one's own turn: the reason a pass-over can cost a turn.

    A requested or courtesy customer, an up that doesn't count, a delivery, an
    appointment or shop business; not one's own counted walk-in (that was the
    turn) and not a break (one's own choice).
    """
    if m.state is MemberState.WITH_CUSTOMER:
        return m.serving is not EventKind.WALK_IN
    if m.state is MemberState.AWAY:
        return m.away_reason is not None and m.away_reason.earns_makeup
    return False


def lost_turn(state: RotationState, m: Member, taker: Member, taker_used_makeup: bool) -> bool:
    """Whether ``m`` loses a turn when ``taker`` receives a counted walk-in.

    Only a turn actually lost is owed back (DESIGN.md §1.7 rule 8):
    - an explicit "skip: busy" for this customer always is;
    - in fewest-ups order, so is being ranked before the taker while serving an
      up that did not count as one's turn, unless the taker used a make-up (the
      turn was theirs before anyone's);
    - in back-of-queue order a member passed over keeps their place ahead of the
      taker (who goes to the back), so the turn comes back by itself: not also owed.
    """
    if m is taker:
        return False
    if m.passed is SkipReason.BUSY:
        return True
    if state.settings.mode is not OrderMode.FEWEST_UPS or taker_used_makeup:
        return False
    if not serving_uncounted_up(m):
        return False
    order = {x.salesperson_id: i for i, x in enumerate(state.queue)}

    def rank(x: Member) -> tuple[float, int]:
        return (state.score(x.salesperson_id), order[x.salesperson_id])

    return rank(m) < rank(taker)


def _settle(state: RotationState, taker: Member) -> None:
    """Make-ups at a counted walk-in: the taker's is spent, the members who lose a turn owe one.

    Called before the taker's up is counted, so ranks are those that chose them.
    A make-up is one turn: owing one already, a further lost turn adds nothing
    (the first is still waiting for the next walk-in the member can take).
    """
    used = taker.makeups_owed > 0
    losers = [m for m in state.queue if lost_turn(state, m, taker, used)]
    if used:
        taker.makeups_owed = 0
        _stats(state, taker.salesperson_id).makeups += 1
    for m in losers:
        m.makeups_owed = 1


def apply(state: RotationState, event: RotationEvent) -> RotationState:
    """The state after ``event``; raises RuleViolation if the rules forbid it.

    ``state`` itself is never changed.
    """
    return _apply_in_place(state.copy(), event)


def _apply_in_place(s: RotationState, event: RotationEvent) -> RotationState:
    if s.closed and event.kind is not EventKind.CLOSE_DAY:
        raise RuleViolation("The day is closed.")
    sid = event.salesperson_id
    m = s.member(sid) if sid is not None else None
    kind = event.kind

    if kind is EventKind.CHECK_IN:
        if sid is None:
            raise RuleViolation("Choose a salesperson.", field="salesperson")
        if m is not None:
            raise RuleViolation("Already checked in.", field="salesperson")
        s.queue.append(Member(sid, event.at))
        _stats(s, sid)
    elif kind is EventKind.CHECK_OUT:
        m = _require(m, sid)
        if m.state is MemberState.WITH_CUSTOMER:
            raise RuleViolation("Finish with the customer before checking out.")
        s.queue.remove(m)
        s.overrides.discard(m.salesperson_id)
    elif kind is EventKind.WALK_IN:
        m = _require(m, sid)
        if m.state is not MemberState.READY:
            raise RuleViolation("Not free to receive a customer.", field="salesperson")
        if m.passed is not None:
            raise RuleViolation("Passed over for this customer.", field="salesperson")
        _settle(s, m)
        _stats(s, m.salesperson_id).ups += 1
        _start_customer(m, event.at, EventKind.WALK_IN)
        if s.settings.mode is OrderMode.BACK_OF_QUEUE:
            _to_back(s, m)
        _clear_passes(s)
    elif kind is EventKind.HAND_TURN:
        # A counted turn given by hand (issue 23): the member is counted as having taken
        # a turn (to the back; in fewest order a turn more), a make-up owed is spent by it
        # (the turn lost is given back), and nobody else moves: next-up keeps the head,
        # nobody loses a turn, a pass-over for the rotation's customer stays.
        m = _require(m, sid)
        _reason(HandReason, event.reason)
        if m.state is not MemberState.READY:
            raise RuleViolation("Not free to receive a customer.", field="salesperson")
        if m.passed is not None:
            raise RuleViolation("Passed over for this customer.", field="salesperson")
        st = _stats(s, m.salesperson_id)
        if m.makeups_owed > 0:
            m.makeups_owed = 0
            st.makeups += 1
        st.ups += 1
        st.by_hand += 1
        _start_customer(m, event.at, EventKind.WALK_IN)
        if s.settings.mode is OrderMode.BACK_OF_QUEUE:
            _to_back(s, m)
    elif kind is EventKind.REQUESTED:
        m = _require(m, sid)
        _start_customer(m, event.at, EventKind.REQUESTED, allow_away=True)
        _stats(s, m.salesperson_id).requested += 1
    elif kind is EventKind.COURTESY:
        m = _require(m, sid)
        if not s.is_available(m):
            raise RuleViolation("Not free to receive a customer.", field="salesperson")
        _start_customer(m, event.at, EventKind.COURTESY)
        _stats(s, m.salesperson_id).courtesy += 1
        _clear_passes(s)
    elif kind is EventKind.UNCOUNTED:
        m = _require(m, sid)
        _reason(UncountedKind, event.reason)
        if m.state is not MemberState.READY:
            raise RuleViolation("Not free to receive a customer.", field="salesperson")
        _start_customer(m, event.at, EventKind.UNCOUNTED)
        _stats(s, m.salesperson_id).uncounted += 1
        _clear_passes(s)
    elif kind is EventKind.DONE:
        m = _require(m, sid)
        if m.state is not MemberState.WITH_CUSTOMER:
            raise RuleViolation("Not with a customer.", field="salesperson")
        m.state = MemberState.READY
        m.busy_since = None
        m.serving = None
    elif kind is EventKind.AWAY:
        m = _require(m, sid)
        away = _reason(AwayReason, event.reason, AwayReason.BREAK)
        if m.state is MemberState.WITH_CUSTOMER:
            raise RuleViolation("Finish with the customer first.", field="salesperson")
        m.state = MemberState.AWAY
        m.away_reason = away
        m.serving = None
        m.passed = None
    elif kind is EventKind.BACK:
        m = _require(m, sid)
        if m.state is not MemberState.AWAY:
            raise RuleViolation("Not away.", field="salesperson")
        m.state = MemberState.READY
        m.away_reason = None
    elif kind is EventKind.SKIP:
        m = _require(m, sid)
        reason = _reason(SkipReason, event.reason, SkipReason.PERSONAL)
        if m.state is not MemberState.READY or m.passed is not None:
            raise RuleViolation("Only a free member can be skipped.", field="salesperson")
        if reason is SkipReason.PERSONAL:
            _stats(s, m.salesperson_id).skips += 1
            m.makeups_owed = 0  # the turn forfeited may have been the make-up itself
            _to_back(s, m)
        else:
            m.passed = reason
    elif kind is EventKind.REORDER:
        if sorted(event.order) != sorted(s.on_duty) or len(set(event.order)) != len(event.order):
            raise RuleViolation("A new order must list every member on duty once.")
        by_id = {m.salesperson_id: m for m in s.queue}
        s.queue = [by_id[i] for i in event.order]
    elif kind is EventKind.OVERRIDE_HOLD:
        m = _require(m, sid)
        s.overrides.add(m.salesperson_id)
    elif kind is EventKind.CLOSE_DAY:
        if s.closed:
            raise RuleViolation("The day is closed.")
        s.queue = []
        s.overrides = set()
        s.closed = True
    else:  # pragma: no cover - EventKind is exhaustive
        raise RuleViolation("Unknown rotation event {kind}.", kind=kind)
    return s


def replay(
    day: date, events: Iterable[RotationEvent], settings: RotationSettings | None = None
) -> RotationState:
    """The day's state from its log (undone events already left out)."""
    state = RotationState(day=day, settings=settings or RotationSettings())
    for event in events:
        # In place: the state is private to this replay, and an error aborts it anyway.
        _apply_in_place(state, event)
    return state


def problems(state: RotationState) -> list[str]:
    """What would make ``state`` corrupt (empty for every state the rules can reach).

    The invariants the property tests hold every replay to, an undo's included: each
    member once, a member with a customer serving one kind of up since a time, away
    with a reason, a make-up at most one turn, a pass-over only for a free member,
    overrides only for members on duty, no figure below zero, nobody on a closed day.
    """
    out: list[str] = []
    ids = state.on_duty
    if len(ids) != len(set(ids)):
        out.append("a member twice in the queue")
    for m in state.queue:
        serving = m.state is MemberState.WITH_CUSTOMER
        if serving != (m.serving is not None) or serving != (m.busy_since is not None):
            out.append(f"#{m.salesperson_id}: serving and state disagree")
        if (m.state is MemberState.AWAY) != (m.away_reason is not None):
            out.append(f"#{m.salesperson_id}: away and reason disagree")
        if m.makeups_owed not in (0, 1):
            out.append(f"#{m.salesperson_id}: make-up owed {m.makeups_owed}")
        if m.passed is not None and m.state is not MemberState.READY:
            out.append(f"#{m.salesperson_id}: passed over while not free")
    if not state.overrides <= set(ids):
        out.append("an override for someone off duty")
    for sid, st in state.stats.items():
        if min(st.ups, st.requested, st.courtesy, st.uncounted, st.skips, st.makeups) < 0:
            out.append(f"#{sid}: a figure below zero")
        if not 0 <= st.by_hand <= st.ups or st.makeups > st.ups:
            out.append(f"#{sid}: turns by hand or make-ups beyond the turns taken")
    if state.closed and state.queue:
        out.append("members on a closed day")
    return out


def undo_dependents(
    day: date,
    events: Sequence[RotationEvent],
    removed: Collection[int],
    settings: RotationSettings | None = None,
) -> tuple[int, ...]:
    """The later events that cannot stand once the events at ``removed`` are taken out.

    ``events`` is the day's valid log (undone events already left out); ``removed``
    holds indexes into it. The log is replayed without them: an event the rules now
    refuse (a check-out of someone never checked in, a done for a visit that no longer
    exists, a reorder listing someone off duty) falls too, and the replay goes on
    without it, so what falls with it falls as well. Returns their indexes in log
    order (empty: the rest replays as it is). ``events`` that do not replay to begin
    with raise RuleViolation.

    Removing the events at ``removed`` and at the returned indexes always leaves a log
    that replays (tests/test_rotation_undo.py holds it to ``problems`` too).
    """
    gone = set(removed)
    if any(not 0 <= i < len(events) for i in gone):
        raise RuleViolation("No such action in the day's log.")
    first = min(gone, default=len(events))
    state = RotationState(day=day, settings=settings or RotationSettings())
    fallen: list[int] = []
    for i, event in enumerate(events):
        if i in gone:
            continue
        if i < first:
            _apply_in_place(state, event)  # before the first removal: the log as it was
            continue
        try:
            state = apply(state, event)  # on a copy: a refused event leaves no trace
        except RuleViolation:
            fallen.append(i)
    return tuple(fallen)


def without(events: Sequence[RotationEvent], removed: Collection[int]) -> list[RotationEvent]:
    """``events`` less the ones at the indexes ``removed`` (the log after an undo)."""
    gone = set(removed)
    return [e for i, e in enumerate(events) if i not in gone]


# -- the stored snapshot (issue 24) ------------------------------------------------------
# A day's state is kept beside its log, updated with each event in the same transaction,
# so an action applies one event to the stored state instead of replaying the whole day
# (a 64-person day's 500th walk-in cost five times its 5th). Replay stays the proof:
# ``deskterm check`` compares the two, and the log wins.


def settings_key(settings: RotationSettings) -> str:
    """The settings a snapshot was computed under: replay uses today's settings, so a
    snapshot made under others is not the day's state."""
    return f"{settings.mode.value}:{settings.uncounted_weight:g}"


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def state_to_dict(state: RotationState) -> dict[str, object]:
    """``state`` as plain JSON values (its day and settings are kept beside it)."""
    return {
        "queue": [
            [
                m.salesperson_id,
                m.checked_in_at.isoformat(),
                m.state.value,
                m.away_reason.value if m.away_reason else None,
                _moment(m.busy_since),
                m.makeups_owed,
                m.passed.value if m.passed else None,
                m.serving.value if m.serving else None,
            ]
            for m in state.queue
        ],
        "stats": {
            str(sid): [st.ups, st.requested, st.courtesy, st.uncounted, st.skips]
            + [st.makeups, st.by_hand]
            for sid, st in state.stats.items()
        },
        "overrides": sorted(state.overrides),
        "closed": state.closed,
    }


def state_from_dict(
    day: date, settings: RotationSettings, data: Mapping[str, object]
) -> RotationState:
    """The state :func:`state_to_dict` wrote; ValueError for anything it could not have
    written (a hand-edited row: the caller replays the log instead)."""
    try:
        return _state_from_dict(day, settings, data)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a rotation snapshot: {exc}") from exc


def _state_from_dict(
    day: date, settings: RotationSettings, data: Mapping[str, object]
) -> RotationState:
    queue = []
    for row in data["queue"]:  # type: ignore[attr-defined]
        sid, checked_in, st, away, busy, owed, passed, serving = row
        queue.append(
            Member(
                salesperson_id=int(sid),
                checked_in_at=datetime.fromisoformat(checked_in),
                state=MemberState(st),
                away_reason=AwayReason(away) if away else None,
                busy_since=_parse(busy),
                makeups_owed=int(owed),
                passed=SkipReason(passed) if passed else None,
                serving=EventKind(serving) if serving else None,
            )
        )
    stats = {
        int(sid): DayStats(*(int(v) for v in values))
        for sid, values in data["stats"].items()  # type: ignore[attr-defined]
    }
    return RotationState(
        day=day,
        settings=settings,
        queue=queue,
        stats=stats,
        overrides={int(i) for i in data["overrides"]},  # type: ignore[attr-defined]
        closed=bool(data["closed"]),
    )
