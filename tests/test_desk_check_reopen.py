"""From the independent check: undoing a day's close reopened what ended at or after the
close's moment, not what the close itself ended. Two desks whose clocks differ by a minute (each
desk stamps with its own PC's clock), or a trainer's frozen clock (DESKTERM_NOW), make a
"done" or a "left unserved" stamped at or after the close; the undo then reopens them:
the board says the salesperson is free while the arrivals show the visit still running,
and a visitor who left is waiting again.

These tests failed on d831b97, before the fix (the close now names what it ended).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from deskterm.clock import FixedClock
from deskterm.services import desk, rotation, waiting
from deskterm.services.context import Context

pytestmark = pytest.mark.both_databases


def _desk(ctx: Context, at: datetime) -> Context:
    """A second desk on the same database whose PC clock reads ``at``."""
    return type(ctx)(ctx.db, FixedClock(at, zone=ctx.clock.zone), ctx.actor_id, ctx.role)


def test_undoing_a_close_leaves_a_visit_ended_by_done_ended(ctx, team, clock):
    clock.set(datetime(2026, 3, 2, 18, 0))
    for sid in (team.wang, team.li):
        rotation.check_in(ctx, sid)
    rotation.walk_in(ctx)  # Wang
    ahead = _desk(ctx, datetime(2026, 3, 2, 18, 2))  # the other PC's clock: 2 min fast
    rotation.done(ahead, team.wang)  # really at 18:00:30
    clock.set(datetime(2026, 3, 2, 18, 1))
    rotation.close_day(ctx)
    rotation.undo_last(ctx)
    seen = desk.desk_view(ctx)
    wang = next(m for m in seen.board.members if m.salesperson_id == team.wang)
    assert wang.state == "ready"
    visit = next(a for a in seen.arrivals if a.salesperson_id == team.wang)
    assert visit.ended, "the board says Wang is free; his visit must stay ended"


def test_undoing_a_close_keeps_a_visitor_who_left_unserved_gone(ctx, team, clock):
    clock.set(datetime(2026, 3, 2, 18, 0))
    rotation.check_in(ctx, team.wang)
    rotation.walk_in(ctx)  # Wang busy
    waiting.add_waiting(ctx, "")  # nobody free: waits
    waiting.leave(ctx)  # left unserved at 18:00 (a trainer's frozen clock: same moment)
    rotation.close_day(ctx)  # closed at 18:00
    rotation.undo_last(ctx)
    assert desk.desk_view(ctx).waiting.visitors == (), "the visitor left before the close"
