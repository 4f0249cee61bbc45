"""Issue 23 through the services, on SQLite and PostgreSQL: the undo of an earlier action
of the day's log, and a counted turn given by hand (with its permissions per role)."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.services import audit, reception, rotation, setup
from deskterm.services.permissions import SYSTEM, PermissionDenied
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Reception, RotationDayStat, RotationEventRow

pytestmark = pytest.mark.both_databases


def tick(ctx, clock, minutes=10):
    clock.set(clock.now().replace(tzinfo=None) + timedelta(minutes=minutes))


@pytest.fixture
def floor(ctx, team, clock):
    """Wang, Li and Zhao checked in at 09:00; no holds for unsaved forms (no forms here)."""
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    return team


def log_ids(ctx):
    return {(e.kind, e.salesperson): e.id for e in rotation.day_log(ctx) if not e.undone}


def test_the_walk_in_to_the_wrong_person_is_undone_after_three_more_actions(ctx, floor, clock):
    tick(ctx, clock)
    wrong = rotation.walk_in(ctx)  # 09:10, to Wang: it should have been someone else
    assert wrong.salesperson_id == floor.wang
    tick(ctx, clock)
    rotation.walk_in(ctx)  # Li
    rotation.away(ctx, floor.zhao, "delivery")
    rotation.back(ctx, floor.zhao)
    walk = next(e for e in rotation.day_log(ctx) if e.kind == "walk_in" and e.salesperson == "王伟")
    plan = rotation.undo_plan(ctx, walk.id)
    assert plan.action.id == walk.id and plan.action.salesperson == "王伟"
    assert plan.dependents == ()
    rotation.undo_action(ctx, walk.id)
    board = rotation.get_board(ctx)
    # As if Wang had never taken it: free, first, no turn; Li still with theirs.
    assert [m.salesperson_id for m in board.members] == [floor.wang, floor.zhao, floor.li]
    assert board.next_up == floor.wang
    assert {m.salesperson_id: m.ups for m in board.members}[floor.wang] == 0
    with ctx.db.read() as s:
        assert s.get(Reception, wrong.reception_id) is None  # its empty reception went
        row = s.get(RotationEventRow, walk.id)
        assert row.undone_at is not None and row.undone_by == ctx.actor_id  # the row stays
    assert [e.undone for e in rotation.day_log(ctx)].count(True) == 1
    entry = audit.audit_trail(ctx, "rotation.undo_earlier")[0]
    assert entry.entity_id == walk.id


def test_an_undo_that_would_leave_later_actions_impossible_lists_them(ctx, floor, clock):
    tick(ctx, clock)
    rotation.walk_in(ctx)  # Wang
    rotation.done(ctx, floor.wang)
    rotation.walk_in(ctx)  # Li
    ids = log_ids(ctx)
    plan = rotation.undo_plan(ctx, ids[("check_in", "王伟")])
    assert [(d.kind, d.salesperson) for d in plan.dependents] == [
        ("walk_in", "王伟"),
        ("done", "王伟"),
    ]
    with pytest.raises(RuleViolation, match="changed meanwhile"):
        rotation.undo_action(ctx, ids[("check_in", "王伟")])  # the list was not confirmed
    assert len(rotation.get_board(ctx).members) == 3  # nothing undone
    rotation.undo_action(ctx, ids[("check_in", "王伟")], tuple(d.id for d in plan.dependents))
    board = rotation.get_board(ctx)
    assert [m.salesperson_id for m in board.members] == [floor.zhao, floor.li]
    undone = [e.kind for e in rotation.day_log(ctx) if e.undone]
    assert undone == ["check_in", "walk_in", "done"]
    before = audit.audit_trail(ctx, "rotation.undo_earlier")[0].before
    assert [d["kind"] for d in before["dependents"]] == ["walk_in", "done"]


def test_an_earlier_walk_in_whose_form_is_saved_cannot_vanish(ctx, floor, clock):
    tick(ctx, clock)
    a = rotation.walk_in(ctx)
    reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Ann", phone="13800000001", purchase_horizon="1m")
    )
    rotation.walk_in(ctx)
    ids = log_ids(ctx)
    with pytest.raises(RuleViolation, match="saved form"):
        rotation.undo_plan(ctx, ids[("walk_in", "王伟")])
    # Nor as a dependent: Wang's check-in would take it with it.
    with pytest.raises(RuleViolation, match="saved form"):
        rotation.undo_plan(ctx, ids[("check_in", "王伟")])
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id) is not None


def test_a_done_undone_earlier_opens_the_visit_again(ctx, floor, clock):
    tick(ctx, clock)
    a = rotation.walk_in(ctx)
    rotation.done(ctx, floor.wang)
    rotation.walk_in(ctx)  # Li, after
    rotation.undo_action(ctx, log_ids(ctx)[("done", "王伟")])
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id).ended_at is None
    assert {m.salesperson_id: m.state for m in rotation.get_board(ctx).members}[
        floor.wang
    ] == "with_customer"


def test_an_earlier_action_of_a_closed_day_waits_for_its_closing_to_be_undone(ctx, floor):
    rotation.walk_in(ctx)
    rotation.close_day(ctx)
    with pytest.raises(RuleViolation, match="closed"):
        rotation.undo_plan(ctx, log_ids(ctx)[("walk_in", "王伟")])
    with pytest.raises(NotFound):
        rotation.undo_plan(ctx, 999_999)


def test_an_action_undone_already_is_said_so(ctx, floor):
    rotation.walk_in(ctx)
    rotation.walk_in(ctx)
    first = log_ids(ctx)[("walk_in", "王伟")]
    rotation.undo_action(ctx, first)
    with pytest.raises(RuleViolation, match="undone already"):
        rotation.undo_action(ctx, first)


# -- a counted turn given by hand -------------------------------------------------------


def test_a_counted_turn_by_hand_counts_and_next_up_keeps_the_head(ctx, floor):
    arrival = rotation.give_turn(ctx, floor.zhao, "language")
    assert arrival.salesperson_id == floor.zhao
    board = rotation.get_board(ctx)
    assert board.next_up == floor.wang
    assert [m.salesperson_id for m in board.members] == [floor.wang, floor.li, floor.zhao]
    zhao = next(m for m in board.members if m.salesperson_id == floor.zhao)
    assert (zhao.ups, zhao.by_hand, zhao.state) == (1, 1, "with_customer")
    with ctx.db.read() as s:
        rec = s.get(Reception, arrival.reception_id)
        assert rec.counted and rec.salesperson_id == floor.zhao
    entry = audit.audit_trail(ctx, "rotation.hand_turn")[0]
    assert entry.after["reason"] == "language"
    # The closed day keeps it.
    rotation.done(ctx, floor.zhao)
    rotation.close_day(ctx)
    with ctx.db.read() as s:
        stat = s.exec(
            select(RotationDayStat).where(RotationDayStat.salesperson_id == floor.zhao)
        ).one()
        assert (stat.ups, stat.by_hand) == (1, 1)


def test_other_needs_its_words_which_are_kept_as_text(ctx, floor):
    with pytest.raises(InvalidInput):
        rotation.give_turn(ctx, floor.li, "other", "   ")
    with pytest.raises(InvalidInput):
        rotation.give_turn(ctx, floor.li, "other", "x" * 201)
    hostile = "[bold]x[/] <b>'; DROP TABLE staff;--"
    rotation.give_turn(ctx, floor.li, "other", hostile)
    entry = next(e for e in rotation.day_log(ctx) if e.kind == "hand_turn")
    assert entry.note == hostile and entry.reason == "other"


@pytest.mark.parametrize(
    ("setup_floor", "who", "refused"),
    [
        (lambda ctx, t: None, "wang", "next-up"),
        (lambda ctx, t: rotation.walk_in(ctx), "wang", "Not free"),
        (lambda ctx, t: rotation.check_out(ctx, t.zhao), "zhao", "not checked in"),
        (lambda ctx, t: rotation.away(ctx, t.li, "break"), "li", "Not free"),
    ],
    ids=["next-up", "with a customer", "checked out", "on break"],
)
def test_a_counted_turn_by_hand_is_refused_with_the_reason(ctx, floor, setup_floor, who, refused):
    setup_floor(ctx, floor)
    n = len(rotation.day_log(ctx))
    with pytest.raises(RuleViolation, match=refused):
        rotation.give_turn(ctx, getattr(floor, who), "training")
    assert len(rotation.day_log(ctx)) == n  # nothing logged


def test_a_held_member_gets_no_turn_by_hand_until_the_hold_is_lifted(ctx, floor):
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "true")
    rotation.give_turn(ctx, floor.li, "fleet")
    rotation.done(ctx, floor.li)  # Li's form is not saved: held out
    with pytest.raises(RuleViolation, match="held out"):
        rotation.give_turn(ctx, floor.li, "fleet")
    rotation.override_hold(ctx, floor.li)
    assert rotation.give_turn(ctx, floor.li, "fleet").salesperson_id == floor.li


def test_an_earlier_turn_by_hand_is_undone_with_its_done(ctx, floor):
    a = rotation.give_turn(ctx, floor.zhao, "training")
    rotation.done(ctx, floor.zhao)
    rotation.walk_in(ctx)
    ids = log_ids(ctx)
    plan = rotation.undo_plan(ctx, ids[("hand_turn", "赵敏")])
    assert [d.kind for d in plan.dependents] == ["done"]
    rotation.undo_action(ctx, plan.action.id, tuple(d.id for d in plan.dependents))
    zhao = next(m for m in rotation.get_board(ctx).members if m.salesperson_id == floor.zhao)
    assert (zhao.ups, zhao.by_hand) == (0, 0)
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id) is None


def as_role(ctx, role, actor=None):
    return replace(ctx, role=role, actor_id=actor)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("manager", True),
        ("open", True),
        (SYSTEM, True),
        ("receptionist", False),  # not unless the shop allows it
        ("salesperson", False),
        ("marketing", False),
        ("care", False),
        ("display", False),
        (None, False),
    ],
)
def test_who_may_give_a_counted_turn_by_hand(ctx, floor, role, allowed):
    c = as_role(ctx, role)
    if role not in ("marketing", "care", "display", None):  # they may not see the rotation
        assert rotation.may_give_turns(c) is allowed
    if allowed:
        assert rotation.give_turn(c, floor.li, "fleet").salesperson_id == floor.li
    else:
        with pytest.raises(PermissionDenied):
            rotation.give_turn(c, floor.li, "fleet")


def test_the_receptionist_gives_counted_turns_when_the_shop_allows_it(ctx, floor):
    desk = as_role(ctx, "receptionist")
    setup.set_setting(ctx, "rotation.receptionist_turns", "true")
    assert rotation.may_give_turns(desk)
    assert rotation.give_turn(desk, floor.li, "language").salesperson_id == floor.li
    for role in ("salesperson", "marketing", "care", None):
        with pytest.raises(PermissionDenied):
            rotation.give_turn(as_role(ctx, role), floor.zhao, "language")
    with pytest.raises(InvalidInput):
        setup.set_setting(ctx, "rotation.receptionist_turns", "maybe")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("manager", True),
        ("open", True),
        (SYSTEM, True),
        ("receptionist", True),
        ("salesperson", False),
        ("marketing", False),
        ("care", False),
        ("display", False),
        (None, False),
    ],
)
def test_who_may_undo_an_earlier_action(ctx, floor, role, allowed):
    rotation.walk_in(ctx)
    rotation.walk_in(ctx)
    first = log_ids(ctx)[("walk_in", "王伟")]
    c = as_role(ctx, role)
    if allowed:
        rotation.undo_plan(c, first)
        rotation.undo_action(c, first)
    else:
        for call in (rotation.undo_plan, rotation.undo_action):
            with pytest.raises(PermissionDenied):
                call(c, first)
    assert any(e.undone for e in rotation.day_log(ctx)) is allowed


def test_day_log_times_are_the_shops(ctx, floor, clock):
    # The log lists every action with its time (the dialog shows them in the shop's zone).
    entries = rotation.day_log(ctx)
    assert all(isinstance(e.at, datetime) for e in entries)
    assert [e.salesperson for e in entries] == ["王伟", "Li Na", "赵敏"]


def test_the_turns_by_hand_a_closed_day_keeps_are_its_log_counted_in_sql(ctx, floor, clock):
    """Witness: the kept figure is the raw log's count of turns by hand not undone."""
    from sqlalchemy import text

    rotation.give_turn(ctx, floor.li, "fleet")
    rotation.done(ctx, floor.li)
    rotation.give_turn(ctx, floor.zhao, "training")
    rotation.done(ctx, floor.zhao)
    rotation.give_turn(ctx, floor.li, "language")  # undone below: not counted
    rotation.undo_last(ctx)
    rotation.close_day(ctx)
    with ctx.db.read() as s:
        raw = dict(
            s.connection()
            .execute(
                text(
                    "SELECT salesperson_id, COUNT(*) FROM rotation_event WHERE kind = "
                    "'hand_turn' AND undone_at IS NULL AND day = :day GROUP BY salesperson_id"
                ),
                {"day": ctx.today()},
            )
            .all()
        )
        kept = {
            st.salesperson_id: st.by_hand
            for st in s.exec(select(RotationDayStat)).all()
            if st.by_hand
        }
    assert kept == raw == {floor.li: 1, floor.zhao: 1}
