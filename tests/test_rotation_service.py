"""Skips and make-up turns through the services, as the desk and the CLI apply them (issue 15)."""

import pytest

from deskterm.errors import RuleViolation
from deskterm.services import rotation, setup

pytestmark = pytest.mark.both_databases


def owed(ctx):
    return {m.salesperson_id: m.makeups_owed for m in rotation.get_board(ctx).members}


def test_skip_passes_over_next_up_and_a_busy_skip_is_owed_once(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    board = rotation.skip(ctx, reason="busy")  # nobody named: whoever is next-up
    assert board.next_up == team.li
    assert [m.passed for m in board.members] == ["busy", None, None]
    assert rotation.walk_in(ctx).salesperson_id == team.li
    assert owed(ctx) == {team.wang: 1, team.li: 0, team.zhao: 0}
    rotation.skip(ctx, team.wang, "busy")  # busy again at the next walk-in: still one
    assert rotation.walk_in(ctx).salesperson_id == team.zhao
    assert owed(ctx)[team.wang] == 1
    assert rotation.walk_in(ctx).salesperson_id == team.wang
    assert owed(ctx) == {team.wang: 0, team.li: 0, team.zhao: 0}


def test_skip_of_someone_who_is_not_next_up_is_refused_and_not_logged(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    with pytest.raises(RuleViolation):
        rotation.skip(ctx, team.li, "personal")
    assert len(rotation.day_log(ctx)) == 3  # the three check-ins, nothing else
    assert rotation.get_board(ctx).next_up == team.wang


def test_members_busy_with_their_own_walk_ins_are_owed_nothing(ctx, team):
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")  # no forms in this test
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    for _ in range(3):
        rotation.walk_in(ctx)
    for _ in range(3):  # Zhao, last in line, serves three more while the others are busy
        rotation.done(ctx, team.zhao)
        assert rotation.walk_in(ctx).salesperson_id == team.zhao
    assert owed(ctx) == {team.wang: 0, team.li: 0, team.zhao: 0}
