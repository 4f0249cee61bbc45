"""Issue 19, the visit as it moves: the steps of the sale, visitors waiting for a free
salesperson, and the form's WeChat / e-mail, decider, party size and new-or-used."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from deskterm.errors import RuleViolation
from deskterm.services import reasons, reception, rotation, setup, steps, waiting
from deskterm.services.permissions import PermissionDenied
from deskterm.services.reception import InvalidForm, ReceptionForm
from deskterm.storage.models import Audit, Customer, Reception, ReceptionStep, WaitingVisitor

# The rules are the service's: proved on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def _visit(ctx, team):
    rotation.check_in(ctx, team.wang)
    return rotation.walk_in(ctx)


def _steps(ctx, rid):
    with ctx.db.read() as s:
        return {
            r.step for r in s.exec(select(ReceptionStep).where(ReceptionStep.reception_id == rid))
        }


# -- steps -------------------------------------------------------------------------
def test_the_default_steps_in_the_shops_order(ctx):
    codes = [st.code for st in steps.active_steps(ctx)]
    assert codes == ["greeted", "needs", "walkaround", "test_drive", "quote", "manager"]
    assert [st.key for st in steps.active_steps(ctx)] == [1, 2, 3, 4, 5, 6]


def test_ticking_a_step_twice_takes_it_back_and_the_take_back_is_audited(ctx, team):
    a = _visit(ctx, team)
    t = steps.tick_nth(ctx, a.reception_id, 2)
    assert (t.step, t.ticked, t.done, t.total) == ("needs", True, 1, 6)
    assert _steps(ctx, a.reception_id) == {"needs"}
    t = steps.tick_nth(ctx, a.reception_id, 2)
    assert not t.ticked and _steps(ctx, a.reception_id) == set()
    with ctx.db.read() as s:
        undone = [
            (x.action, x.before_json or "")
            for x in s.exec(select(Audit)).all()
            if x.action.startswith("reception.step")
        ]
    # The tick is its own record (its row: who, when); the take-back keeps the tick it removed.
    assert [a for a, _b in undone] == ["reception.step_undo"]
    assert '"needs"' in undone[0][1] and '"at"' in undone[0][1]


def test_progress_is_the_count_and_the_furthest_step(ctx, team):
    a = _visit(ctx, team)
    for n in (1, 2, 5):
        steps.tick_nth(ctx, a.reception_id, n)
    listed = steps.active_steps(ctx)
    count, furthest = steps.progress(steps.steps_of(ctx, [a.reception_id])[a.reception_id], listed)
    assert count == 3 and furthest is not None and furthest.code == "quote"


def test_the_test_drive_step_and_the_forms_flag_are_one_fact(ctx, team):
    a = _visit(ctx, team)
    steps.set_step(ctx, a.reception_id, "test_drive", True)
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id).test_drive
    steps.set_step(ctx, a.reception_id, "test_drive", False)
    with ctx.db.read() as s:
        assert not s.get(Reception, a.reception_id).test_drive
    # A saved form with a test drive ticks the step; a correction without clears both.
    form = ReceptionForm(name="Tom", phone="13800138000", test_drive=True)
    reception.save_form(ctx, a.reception_id, form)
    assert "test_drive" in _steps(ctx, a.reception_id)
    reception.save_form(ctx, a.reception_id, replace(form, test_drive=False))
    assert "test_drive" not in _steps(ctx, a.reception_id)
    with ctx.db.read() as s:
        assert not s.get(Reception, a.reception_id).test_drive


def test_a_first_save_saying_no_keeps_a_test_drive_ticked_meanwhile(ctx, team):
    a = _visit(ctx, team)
    steps.set_step(ctx, a.reception_id, "test_drive", True)
    reception.save_form(ctx, a.reception_id, ReceptionForm(name="Tom", phone="13800138000"))
    assert "test_drive" in _steps(ctx, a.reception_id)
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id).test_drive


@pytest.mark.parametrize(
    ("role", "own", "allowed"),
    [
        ("receptionist", False, True),
        ("manager", False, True),
        ("open", False, True),
        ("salesperson", True, True),
        ("salesperson", False, False),
        ("marketing", False, False),
        ("care", False, False),
        (None, False, False),
    ],
)
def test_who_may_tick_a_step(ctx, team, role, own, allowed):
    a = _visit(ctx, team)
    actor = team.wang if own else (team.li if role == "salesperson" else team.boss)
    as_role = replace(ctx, role=role, actor_id=actor if role else None)
    if allowed:
        assert steps.tick_nth(as_role, a.reception_id, 1).ticked
    else:
        with pytest.raises(PermissionDenied):
            steps.tick_nth(as_role, a.reception_id, 1)
        assert _steps(ctx, a.reception_id) == set()


def test_steps_are_for_showroom_visits_only(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    remote = rotation.log_remote_arrival(ctx, "phone", team.wang)
    with pytest.raises(RuleViolation):
        steps.tick_nth(ctx, remote.reception_id, 1)
    question = rotation.receive_uncounted(ctx, "question", team.li)
    with pytest.raises(RuleViolation):
        steps.tick_nth(ctx, question.reception_id, 1)
    with pytest.raises(RuleViolation):
        steps.tick_nth(ctx, question.reception_id, 9)


def test_undoing_a_walk_in_takes_its_steps_with_it(ctx, team):
    a = _visit(ctx, team)
    steps.tick_nth(ctx, a.reception_id, 1)
    rotation.undo_last(ctx)
    with ctx.db.read() as s:
        assert s.exec(select(ReceptionStep)).all() == []


# -- the step list -----------------------------------------------------------------
def test_the_step_list_keeps_the_shops_order_whatever_the_use(ctx, team):
    a = _visit(ctx, team)
    steps.tick_nth(ctx, a.reception_id, 6)  # the last step is the only one used
    codes = [r.code for r in reasons.pick_list(ctx, "step")]
    assert codes[0] == "greeted" and codes[-1] == "manager"
    added = reasons.add_reason(ctx, "step", "Trade-in appraisal", "二手车评估")
    assert [r.code for r in reasons.pick_list(ctx, "step")][-1] == added.code
    reasons.move_reason(ctx, "step", added.code, -10)
    assert [r.code for r in reasons.pick_list(ctx, "step")][0] == added.code
    assert steps.active_steps(ctx)[0].code == added.code


def test_at_most_nine_steps_in_use(ctx):
    for n in range(3):
        reasons.add_reason(ctx, "step", f"Step {n}")
    with pytest.raises(RuleViolation, match="At most 9"):
        reasons.add_reason(ctx, "step", "A tenth")
    reasons.set_reason_active(ctx, "step", "greeted", False)
    reasons.add_reason(ctx, "step", "A tenth")  # one retired: room again
    with pytest.raises(RuleViolation, match="At most 9"):
        reasons.set_reason_active(ctx, "step", "greeted", True)


def test_a_retired_step_ticked_before_can_still_be_taken_back(ctx, team):
    a = _visit(ctx, team)
    steps.set_step(ctx, a.reception_id, "quote", True)
    reasons.set_reason_active(ctx, "step", "quote", False)
    with pytest.raises(RuleViolation):
        steps.set_step(ctx, a.reception_id, "quote", True)
    steps.set_step(ctx, a.reception_id, "quote", False)
    assert _steps(ctx, a.reception_id) == set()


# -- waiting visitors ----------------------------------------------------------------
def test_nobody_free_records_a_waiting_visitor_and_the_next_walk_in_takes_them(ctx, team, clock):
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    rotation.check_in(ctx, team.wang)
    rotation.walk_in(ctx)  # Wang is busy
    came = ctx.now()
    out = waiting.walk_in_or_wait(ctx)
    assert out.arrival is None and out.waiting is not None
    assert out.waiting.arrived_at == came
    assert [w.id for w in waiting.waiting_list(ctx).visitors] == [out.waiting.id]
    clock.set(clock.now() + timedelta(minutes=7))
    rotation.done(ctx, team.wang)
    taken = waiting.walk_in_or_wait(ctx)
    assert taken.arrival is not None and taken.arrival.waited_since == came
    with ctx.db.read() as s:
        rec = s.get(Reception, taken.arrival.reception_id)
        assert rec.arrived_at == came
        assert rec.assigned_at == came + timedelta(minutes=7)
        assert s.get(WaitingVisitor, out.waiting.id).reception_id == rec.id
    assert waiting.waiting_list(ctx).visitors == ()


def test_every_new_reception_is_assigned_when_made(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    rotation.walk_in(ctx)
    rotation.receive_uncounted(ctx, "question")
    rotation.log_remote_arrival(ctx, "phone", team.zhao)
    with ctx.db.read() as s:
        assert all(r.assigned_at == r.arrived_at for r in s.exec(select(Reception)).all())


def test_undoing_the_walk_in_puts_the_visitor_back_to_waiting(ctx, team):
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    rotation.check_in(ctx, team.wang)
    rotation.walk_in(ctx)
    w = waiting.add_waiting(ctx)
    rotation.done(ctx, team.wang)
    rotation.walk_in(ctx)
    rotation.undo_last(ctx)
    assert [x.id for x in waiting.waiting_list(ctx).visitors] == [w.id]


def test_a_waiting_visitor_who_leaves_unserved(ctx, team, clock):
    first = waiting.add_waiting(ctx)
    clock.set(clock.now() + timedelta(minutes=1))
    second = waiting.add_waiting(ctx)
    assert waiting.leave(ctx).id == first.id  # the oldest by default
    with pytest.raises(RuleViolation):
        waiting.leave(ctx, first.id)
    waiting.leave(ctx, second.id)
    with pytest.raises(RuleViolation, match="Nobody is waiting"):
        waiting.leave(ctx)
    with ctx.db.read() as s:
        rows = s.exec(select(WaitingVisitor)).all()
        assert all(r.left_at is not None and r.reception_id is None for r in rows)
        actions = [x.action for x in s.exec(select(Audit)).all()]
    assert actions.count("waiting.add") == 2 and actions.count("waiting.leave") == 2


@pytest.mark.parametrize(
    "role", ["receptionist", "salesperson", "manager", "marketing", "care", None]
)
def test_who_may_record_waiting_visitors(ctx, team, role):
    as_role = replace(ctx, role=role)
    if role in ("receptionist", "salesperson", "manager"):
        waiting.add_waiting(as_role)
        assert waiting.leave(as_role) is not None
    else:
        with pytest.raises(PermissionDenied):
            waiting.add_waiting(as_role)
        with pytest.raises(PermissionDenied):
            waiting.waiting_list(as_role)


# -- the form's new fields -------------------------------------------------------------
@pytest.mark.parametrize("contact", ["wang_wei88", "Tom-2024x", "ann@example.com", "李@例子.中国"])
def test_a_wechat_id_or_e_mail_is_contact_left(ctx, team, contact):
    a = _visit(ctx, team)
    saved = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Ann", contact_other=contact)
    )
    assert saved.customer_id is not None
    with ctx.db.read() as s:
        c = s.get(Customer, saved.customer_id)
        assert (c.phone, c.contact_other) == (None, contact)
        assert "phone" not in (s.get(Reception, a.reception_id).form_missing or "")


@pytest.mark.parametrize("contact", ["abc", "1wang_wei", "has space", "a@b", "x" * 21, "<b>x</b>"])
def test_other_contact_text_is_refused_at_its_field(ctx, team, contact):
    a = _visit(ctx, team)
    with pytest.raises(InvalidForm) as err:
        reception.save_form(ctx, a.reception_id, ReceptionForm(name="Ann", contact_other=contact))
    assert set(err.value.errors) == {"contact_other"}


def test_a_returning_wechat_customer_is_found_by_the_wechat_id(ctx, team):
    a = _visit(ctx, team)
    first = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Ann", contact_other="ann_wechat")
    )
    rotation.done(ctx, team.wang)
    b = rotation.walk_in(ctx)
    again = reception.save_form(
        ctx, b.reception_id, ReceptionForm(name="Ann", contact_other="ann_wechat")
    )
    assert again.customer_id == first.customer_id and again.revisit


def test_contact_on_file_in_another_shape_is_kept_as_it_is(ctx, team):
    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(ctx, a.reception_id, ReceptionForm(name="Ann", phone="13800138000"))
    with ctx.db.write() as s:
        s.get(Customer, saved.customer_id).contact_other = "QQ 12345"  # from a sheet
    form, _own = reception.form_prefill(ctx, a.reception_id)
    assert form is not None and form.contact_other == "QQ 12345"
    reception.save_form(ctx, a.reception_id, form)  # a correction: accepted as on file


def test_decider_party_size_and_interest_are_saved_and_prefilled(ctx, team):
    a = _visit(ctx, team)
    form = ReceptionForm(
        name="Ann", phone="13800138000", decider="spouse", party_size="3", interest="used"
    )
    reception.save_form(ctx, a.reception_id, form)
    with ctx.db.read() as s:
        rec = s.get(Reception, a.reception_id)
        assert (rec.decider, rec.party_size, rec.interest) == ("spouse", 3, "used")
    back, _own = reception.form_prefill(ctx, a.reception_id)
    assert back is not None
    assert (back.decider, back.party_size, back.interest) == ("spouse", "3", "used")


@pytest.mark.parametrize(
    ("companions", "typed", "size"),
    [
        ([], "", None),
        ([("alone", "")], "", 1),
        ([("spouse", ""), ("child", "")], "", 3),
        ([], "5", 5),
    ],
)
def test_a_blank_party_size_comes_from_the_companions(ctx, team, companions, typed, size):
    a = _visit(ctx, team)
    form = ReceptionForm(name="Ann", phone="13800138000", companions=companions, party_size=typed)
    reception.save_form(ctx, a.reception_id, form)
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id).party_size == size


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("party_size", "0"),
        ("party_size", "21"),
        ("party_size", "two"),
        ("decider", "boss"),
        ("interest", "x"),
    ],
)
def test_wrong_new_fields_are_refused_at_their_field(ctx, team, field, value):
    a = _visit(ctx, team)
    form = replace(ReceptionForm(name="Ann", phone="13800138000"), **{field: value})
    with pytest.raises(InvalidForm) as err:
        reception.save_form(ctx, a.reception_id, form)
    assert set(err.value.errors) == {field}


def test_closing_the_day_marks_visitors_still_waiting_as_gone(ctx, team):
    w = waiting.add_waiting(ctx)
    rotation.close_day(ctx)
    with ctx.db.read() as s:
        assert s.get(WaitingVisitor, w.id).left_at == ctx.now()
