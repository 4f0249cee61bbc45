"""From the independent check: ``u`` (undo the day's last action) right after a hand-over.

The hand-over's last event is the owner's "requested", linked to the visit the receiver
began. ``undo_action`` (the log, ``l``) refuses it ("was handed over: undo its later
actions first"), but ``undo_last`` treats it as a mis-tapped arrival and drops the
reception: the visitor, still in the showroom with the owner, vanishes from the
arrivals, the owner shows "ready", and the receiver's courtesy stays in the log.

Reached through the services (``reception.hand_over`` accepts a visit whose form was never
saved); the desk itself offers the hand-over only after a form is saved, where ``u`` is
refused. It failed on d831b97, before the fix (now ``u`` refuses it too).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from deskterm.errors import RuleViolation
from deskterm.services import desk, reception, rotation, setup
from deskterm.services.reception import ReceptionForm

pytestmark = pytest.mark.both_databases


def tick(clock, minutes=5):
    clock.set(clock.now().replace(tzinfo=None) + timedelta(minutes=minutes))


def test_undo_last_after_a_hand_over_keeps_the_visitor(ctx, team, clock):
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    first = rotation.walk_in(ctx)  # Wang: the customer becomes his
    reception.save_form(
        ctx,
        first.reception_id,
        ReceptionForm(name="张三", phone="13800138000", purchase_horizon="1m"),
    )
    for step in (
        lambda: rotation.done(ctx, team.wang),
        lambda: rotation.walk_in(ctx),  # Li
        lambda: rotation.walk_in(ctx),  # Zhao
        lambda: rotation.walk_in(ctx),  # Wang busy
        lambda: rotation.done(ctx, team.li),
    ):
        tick(clock)
        step()
    tick(clock)
    known = reception.lookup_phone(ctx, "13800138000")
    courtesy = rotation.receive_returning(ctx, known.id)  # Wang busy: Li as a courtesy
    assert courtesy.salesperson_id == team.li and courtesy.courtesy
    tick(clock)
    rotation.done(ctx, team.wang)
    tick(clock)
    reception.hand_over(ctx, courtesy.reception_id)  # Wang free: he takes his customer
    tick(clock)
    with contextlib.suppress(RuleViolation):  # refused, as the log's undo refuses it: fine
        rotation.undo_last(ctx)
    seen = desk.desk_view(ctx)
    visit = [a for a in seen.arrivals if a.id == courtesy.reception_id]
    assert visit and not visit[0].ended, "the visitor is still in the showroom"
    with_them = {m.salesperson_id for m in seen.board.members if m.state == "with_customer"}
    assert visit[0].salesperson_id in with_them, "someone on the board is with the visitor"
