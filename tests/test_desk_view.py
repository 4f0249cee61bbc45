"""The Reception screen's reload in one batch (issue 24): ``desk.desk_view`` reads the
board, arrivals, steps and waiting visitors with its own statements (one round trip on a
server). Its independent witness is the composition it replaced — ``rotation.get_board``,
``reception.arrivals``, ``steps.active_steps``, ``steps.steps_of`` and
``waiting.waiting_list``, each through the ORM — on the same data: equal in every field,
on both databases, with strangers' names, holds on, a day not begun, a snapshot missing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from deskterm.i18n import set_language
from deskterm.services import desk, reception, rotation, setup, steps, waiting
from deskterm.services.permissions import PermissionDenied
from deskterm.services.reception import InvalidForm, ReceptionForm
from deskterm.storage import rotation_snapshot

pytestmark = pytest.mark.both_databases

HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())


def composed(ctx) -> desk.DeskView:
    """The witness: what the screen read before, one service at a time."""
    arrivals = reception.arrivals(ctx)
    return desk.DeskView(
        rotation.get_board(ctx),
        arrivals,
        steps.active_steps(ctx),
        steps.steps_of(ctx, [a.id for a in arrivals]),
        waiting.waiting_list(ctx),
    )


def same(ctx) -> desk.DeskView:
    seen = desk.desk_view(ctx)
    assert seen == composed(ctx)
    return seen


def tick(clock, minutes=5):
    clock.set(clock.now().replace(tzinfo=None) + timedelta(minutes=minutes))


def test_a_day_not_begun_reads_as_the_empty_board(ctx, team):
    seen = same(ctx)
    assert seen.board.members == () and seen.board.version == 0 and seen.arrivals == []
    assert {sid for sid, _name in seen.board.off_duty} == {team.wang, team.li, team.zhao}


def test_a_busy_day_with_strangers_names_reads_the_same_as_the_services(ctx, team, clock):
    names = [*HOSTILE["markup"], *HOSTILE["unicode"], *HOSTILE["cjk"], *HOSTILE["sql"]]
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")  # holds: the next test
    odd = setup.add_staff(ctx, HOSTILE["markup"][2], "salesperson").id
    for sid in (team.wang, team.li, team.zhao, odd):
        rotation.check_in(ctx, sid)
    same(ctx)
    waiting_note = HOSTILE["markdown_html"][0]
    saved: list[str] = []
    for n, name in enumerate(names):
        tick(clock)
        if rotation.get_board(ctx).next_up is None:  # everyone busy: the oldest visits end
            for m in rotation.get_board(ctx).members:
                if m.state == "with_customer":
                    rotation.done(ctx, m.salesperson_id)
        a = rotation.walk_in(ctx)
        if n % 3 == 0:  # a form saved, with a stranger's name (or refused, as typed)
            try:
                reception.save_form(
                    ctx,
                    a.reception_id,
                    ReceptionForm(name=name, phone=f"1390000{n:04d}", purchase_horizon="1m"),
                )
            except InvalidForm:
                pass  # a name the form refuses: the visit stays unsaved
            else:
                saved.append(name)
            steps.set_step(ctx, a.reception_id, steps.active_steps(ctx)[0].code, True)
        if n % 3 != 2:
            rotation.done(ctx, a.salesperson_id)  # some stay with their visitor
        same(ctx)
    for m in rotation.get_board(ctx).members:
        if m.state == "with_customer":
            rotation.done(ctx, m.salesperson_id)
    waiting.add_waiting(ctx, waiting_note) if rotation.get_board(ctx).next_up is None else None
    rotation.away(ctx, team.li, "break")
    rotation.receive_uncounted(ctx, "question")
    seen = same(ctx)
    assert len(seen.arrivals) == len(names) + 1
    assert len(saved) >= 3
    assert sum(a.has_contact for a in seen.arrivals) >= len(saved)
    assert any(seen.ticked.values())
    set_language("zh")  # the step names in Chinese, from the same rows
    try:
        assert [s.name for s in same(ctx).step_list] != [s.name for s in seen.step_list]
    finally:
        set_language("en")


def test_holds_for_unsaved_forms_and_overdue_callbacks_read_the_same(ctx, team, clock):
    setup.set_setting(ctx, "rotation.hold_overdue_callbacks", "true")
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    a = rotation.walk_in(ctx)  # Wang's visit ends with its form unsaved: held
    rotation.done(ctx, a.salesperson_id)
    b = rotation.walk_in(ctx)  # Li's form saved: a callback, overdue in three weeks' time
    reception.save_form(
        ctx, b.reception_id, ReceptionForm(name="张三", phone="13800138000", purchase_horizon="1m")
    )
    rotation.done(ctx, b.salesperson_id)
    held = same(ctx).board
    assert {m.salesperson_id: m.held for m in held.members}[team.wang] is not None
    clock.set(clock.now().replace(tzinfo=None) + timedelta(days=40))
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)  # a new day
    board = same(ctx).board
    assert {m.salesperson_id: m.held for m in board.members}[team.li] is not None


def test_without_its_snapshot_the_day_is_the_replay(ctx, team, clock):
    for sid in (team.wang, team.li):
        rotation.check_in(ctx, sid)
    rotation.walk_in(ctx)
    setup.set_setting(ctx, "rotation.mode", "fewest")  # the snapshot was made in the other
    assert same(ctx).board.members[0].salesperson_id == team.wang
    with ctx.db.write() as s:
        rotation_snapshot.drop(s)
    same(ctx)


def test_a_role_without_the_rotation_or_the_reception_may_not_read_it(ctx, team):
    from deskterm.services.permissions import PUBLIC  # noqa: F401 - the roles' names

    for role in (None, "care", "marketing"):
        other = type(ctx)(ctx.db, ctx.clock, ctx.actor_id, role)
        with pytest.raises(PermissionDenied):
            desk.desk_view(other)
