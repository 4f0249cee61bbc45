"""Action plans and the coaching log (issue 18): recorded, closed, listed by urgency,
refused when wrong, and the figures they are about measured as the report measures them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from deskterm.clock import zone_named
from deskterm.domain.coaching import (
    ActionState,
    CoachedFigure,
    CoachingKind,
    action_state,
    checklist_score,
    due_for_follow_up,
    why_due,
)
from deskterm.domain.targets import Measure, Status
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.services import actions, audit, coaching, rotation, targets
from deskterm.services.permissions import PermissionDenied
from deskterm.services.reception import ReceptionForm, save_form

HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())
ZONE = zone_named("Asia/Shanghai")


def at(clock, y, m, d, h=10):
    clock.set(datetime(y, m, d, h, 0, tzinfo=ZONE))


# -- the rules ----------------------------------------------------------------------------


def test_an_action_is_due_on_its_day_and_overdue_after():
    today = date(2026, 12, 10)
    assert action_state(date(2026, 12, 11), False, today) is ActionState.OPEN
    assert action_state(today, False, today) is ActionState.DUE
    assert action_state(date(2026, 12, 9), False, today) is ActionState.OVERDUE
    assert action_state(date(2026, 12, 9), True, today) is ActionState.CLOSED


def test_who_is_due_a_follow_up():
    red = CoachedFigure(Measure.FORM_COMPLETENESS, Decimal("0.5"), Decimal("0.8"), Status.RED)
    behind = CoachedFigure(Measure.CONTACT_CAPTURE, Decimal("0.6"), Decimal("0.7"), Status.NONE)
    close = CoachedFigure(Measure.CONTACT_CAPTURE, Decimal("0.65"), Decimal("0.7"), Status.NONE)
    amber = CoachedFigure(Measure.CALLBACKS_ON_TIME, Decimal("0.7"), Decimal("0.9"), Status.AMBER)
    assert why_due([red, behind, close, amber]) == (
        Measure.FORM_COMPLETENESS,
        Measure.CONTACT_CAPTURE,
    )
    today = date(2026, 12, 20)
    assert due_for_follow_up((Measure.FORM_COMPLETENESS,), None, today)
    assert due_for_follow_up((Measure.FORM_COMPLETENESS,), today - timedelta(days=14), today)
    assert not due_for_follow_up((Measure.FORM_COMPLETENESS,), today - timedelta(days=13), today)
    assert not due_for_follow_up((), None, today)


def test_the_checklist_scores_known_items_only():
    assert checklist_score(["invited", "greeting", " "]) == (("greeting", "invited"), 2, 5)
    with pytest.raises(InvalidInput, match="next_step"):
        checklist_score(["smiled"])


# -- action plans -------------------------------------------------------------------------


def walk_in_saved(ctx, team, name, phone=""):
    """A walk-in of the next-up with its form saved (no phone: no contact, refused), done."""
    a = rotation.walk_in(ctx)
    form = (
        ReceptionForm(name=name, phone=phone, purchase_horizon="1m")
        if phone
        else ReceptionForm(name=name, contact_left=False, no_contact_reason="refused")
    )
    save_form(ctx, a.reception_id, form)
    rotation.done(ctx, a.salesperson_id)


@pytest.mark.both_databases
def test_an_action_keeps_its_figure_before_and_after(ctx, team, clock):
    """Li Na leaves contact with 1 of 2 visitors in November; the manager records an
    action on Dec 1 (baseline 50 %), she takes contact from both December visitors, and
    the action closed on Dec 3 says 100 % since."""
    at(clock, 2026, 11, 20)
    rotation.check_in(ctx, team.li)
    walk_in_saved(ctx, team, "甲", "13900000001")
    walk_in_saved(ctx, team, "乙")
    at(clock, 2026, 12, 1)
    a = actions.record_action(
        ctx,
        "Li Na offers the gift card before asking for the number",
        team.boss,
        date(2026, 12, 3),
        "contact_capture",
        team.li,
    )
    assert (a.state, a.baseline, a.salesperson, a.owner) == (
        ActionState.OPEN,
        Decimal("0.5"),
        "Li Na",
        "Chen Manager",
    )
    rotation.check_in(ctx, team.li)
    walk_in_saved(ctx, team, "丙", "13900000003")
    walk_in_saved(ctx, team, "丁", "13900000004")
    at(clock, 2026, 12, 4)
    assert actions.list_actions(ctx)[0].state is ActionState.OVERDUE
    closed = actions.close_action(ctx, a.id, "Both December visitors left their number")
    assert (closed.state, closed.after) == (ActionState.CLOSED, Decimal(1))
    with pytest.raises(RuleViolation):
        actions.close_action(ctx, a.id, "again")
    assert actions.list_actions(ctx) == []
    assert [v.id for v in actions.list_actions(ctx, include_closed=True)] == [a.id]
    trail = [e.action for e in audit.audit_trail(ctx)]
    assert "action.record" in trail and "action.close" in trail


def test_open_actions_are_listed_most_urgent_first(ctx, team, clock):
    at(clock, 2026, 12, 10)
    later = actions.record_action(ctx, "later", team.boss, date(2026, 12, 20))
    today = actions.record_action(ctx, "today", team.boss, date(2026, 12, 10))
    at(clock, 2026, 12, 15)
    soon = actions.record_action(ctx, "soon", team.li, date(2026, 12, 16), source="stale:at_risk")
    listed = actions.list_actions(ctx)
    assert [(v.id, v.state) for v in listed] == [
        (today.id, ActionState.OVERDUE),
        (soon.id, ActionState.OPEN),
        (later.id, ActionState.OPEN),
    ]


@pytest.mark.parametrize("what", HOSTILE["markup"][:3] + HOSTILE["cjk"][:2])
def test_what_people_type_is_kept_as_typed(ctx, team, what):
    a = actions.record_action(ctx, what, team.boss, ctx.today())
    assert actions.get_action(ctx, a.id).what == what.strip()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"what": "  "}, InvalidInput),
        ({"due": date(2026, 3, 1)}, InvalidInput),  # the clock is on March 2
        ({"owner_id": 999}, NotFound),
        ({"measure": "visits"}, InvalidInput),
        ({"salesperson_id": "boss"}, NotFound),
        ({"source": "gut feeling"}, InvalidInput),
        ({"what": "x" * 201}, InvalidInput),
    ],
)
def test_a_wrong_action_is_refused_and_nothing_stored(ctx, team, kwargs, error):
    args = {"what": "call back", "owner_id": team.boss, "due": date(2026, 3, 5)}
    if kwargs.get("salesperson_id") == "boss":
        kwargs = {"salesperson_id": team.boss}
    args.update(kwargs)
    with pytest.raises(error):
        actions.record_action(ctx, **args)
    assert actions.list_actions(ctx, include_closed=True) == []


# -- coaching -----------------------------------------------------------------------------


@pytest.mark.both_databases
def test_a_call_check_is_logged_with_its_recording_and_score(ctx, team):
    e = coaching.record_coaching(
        ctx,
        team.li,
        "call_check",
        "asked the budget too early",
        recording="2026-03-01_1403_13800138000.wav",
        checklist=("greeting", "needs", "invited"),
    )
    assert (e.kind, e.score, e.score_of, e.checklist) == (
        CoachingKind.CALL_CHECK,
        3,
        5,
        ("greeting", "needs", "invited"),
    )
    coaching.record_coaching(ctx, team.li, "on_site")
    assert [x.kind for x in coaching.coaching_log(ctx, team.li)] == [
        CoachingKind.ON_SITE,
        CoachingKind.CALL_CHECK,
    ]


def test_a_wrong_coaching_is_refused(ctx, team):
    with pytest.raises(InvalidInput):
        coaching.record_coaching(ctx, team.li, "call_check")  # no recording
    with pytest.raises(InvalidInput):
        coaching.record_coaching(ctx, team.li, "on_site", checklist=("greeting",))
    with pytest.raises(InvalidInput):
        coaching.record_coaching(ctx, team.li, "yelling")
    with pytest.raises(InvalidInput):
        coaching.record_coaching(ctx, team.li, "training", day=date(2026, 3, 3))
    with pytest.raises(NotFound):
        coaching.record_coaching(ctx, team.care, "training")
    assert coaching.coaching_log(ctx) == []


def test_the_board_says_who_is_due_and_whether_the_figures_moved(ctx, team, clock):
    """Wang's visitors leave no contact in December (red against an 80 % target): he is
    due. Li Na was coached on Dec 5: her contact capture 0 % in the 30 days before, 100 %
    since."""
    at(clock, 2026, 12, 2)
    for sid in (team.li, team.wang):
        rotation.check_in(ctx, sid)
    walk_in_saved(ctx, team, "甲")  # next-up: one each
    walk_in_saved(ctx, team, "乙")
    targets.set_target(ctx, date(2026, 12, 1), "contact_capture", "80", team.wang)
    at(clock, 2026, 12, 5)
    coaching.record_coaching(ctx, team.li, "on_site", "with her at two receptions")
    rotation.check_in(ctx, team.li)
    walk_in_saved(ctx, team, "丙", "13900000003")
    at(clock, 2026, 12, 8)
    rows = {r.name: r for r in coaching.coaching_board(ctx)}
    wang, li = rows["王伟"], rows["Li Na"]
    assert wang.due and Measure.CONTACT_CAPTURE in wang.why and wang.last_coached is None
    assert li.last_coached == date(2026, 12, 5) and li.entries == 1
    moved = {m.measure: m for m in li.moved}
    assert (moved[Measure.CONTACT_CAPTURE].before, moved[Measure.CONTACT_CAPTURE].since) == (
        Decimal(0),
        Decimal(1),
    )
    assert list(rows)[0] == "王伟"  # who is due comes first


def test_only_the_manager_keeps_the_log(ctx, team):
    for role in ("salesperson", "receptionist", "care", "marketing", None):
        ctx.role = role
        with pytest.raises(PermissionDenied):
            coaching.record_coaching(ctx, team.li, "training")
        with pytest.raises(PermissionDenied):
            actions.record_action(ctx, "x", team.boss, date(2026, 3, 5))
        with pytest.raises(PermissionDenied):
            coaching.coaching_board(ctx)
