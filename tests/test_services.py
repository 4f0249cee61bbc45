"""Use-cases on a temporary database: one transaction each, rules applied, history kept."""

import subprocess
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from deskterm.errors import InvalidInput, RuleViolation, StorageError
from deskterm.services import (
    callbacks,
    customers,
    escalation,
    manager,
    reception,
    rotation,
    setup,
)
from deskterm.services.backups import backup_now as backup
from deskterm.services.maintenance import check, open_context
from deskterm.services.reception import InvalidForm, ReceptionForm
from deskterm.storage.models import Audit, Callback, Customer, LevelChange, Reception

pytestmark = pytest.mark.both_databases


def board_ids(ctx):
    return [m.salesperson_id for m in rotation.get_board(ctx).members]


def hot_form(name="张三", phone="138 0013 8000", **kw):
    return ReceptionForm(
        name=name,
        phone=phone,
        purchase_horizon="1m",
        model_interest="Model Y",
        budget="200-300k",
        companions=[("spouse", "wife likes white")],
        **kw,
    )


def test_walk_in_goes_to_next_up_and_form_creates_hot_customer_with_weekly_callback(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    arrival = rotation.walk_in(ctx)
    assert arrival.salesperson_id == team.wang
    assert board_ids(ctx) == [team.li, team.zhao, team.wang]
    saved = reception.save_form(ctx, arrival.reception_id, hot_form())
    assert saved.level == "hot" and not saved.revisit
    assert saved.next_callback == date(2026, 3, 9)
    assert saved.owner_id == team.wang
    cbs = callbacks.due_callbacks(ctx, team.wang, date(2026, 3, 9))
    assert [c.customer for c in cbs] == ["张三"] and cbs[0].phone == "+8613800138000"
    with ctx.db.read() as s:
        rec = s.get(Reception, arrival.reception_id)
        assert rec.form_fields_filled == rec.form_fields_total == 7
        assert s.exec(select(LevelChange)).one().to_level == "hot"


def test_known_phone_is_a_revisit_never_a_duplicate(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    a1 = rotation.walk_in(ctx)
    reception.save_form(ctx, a1.reception_id, hot_form())
    rotation.done(ctx, team.wang)
    known = reception.lookup_phone(ctx, "+86-138-0013-8000")
    assert known is not None and known.owner_id == team.wang
    a2 = rotation.walk_in(ctx)  # Li gets the walk-in, but it's Wang's customer
    saved = reception.save_form(
        ctx, a2.reception_id, hot_form(name="张三 (again)", phone="13800138000")
    )
    assert saved.revisit and saved.owner_id == team.wang
    with ctx.db.read() as s:
        assert len(s.exec(select(Customer)).all()) == 1
        assert s.get(Reception, a2.reception_id).first_visit is False


def test_returning_customer_goes_to_owner_without_a_turn_or_courtesy(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(ctx, a.reception_id, hot_form())
    rotation.done(ctx, team.wang)
    back = rotation.receive_returning(ctx, saved.customer_id)
    assert back.salesperson_id == team.wang and not back.courtesy
    assert board_ids(ctx) == [team.li, team.zhao, team.wang]  # no turn used
    rotation.done(ctx, team.wang)
    rotation.check_out(ctx, team.wang)  # owner absent: courtesy by next-up
    c = rotation.receive_returning(ctx, saved.customer_id)
    assert c.courtesy and c.salesperson_id == team.li and c.credited_to_id == team.wang
    assert board_ids(ctx) == [team.li, team.zhao]


def test_unregistered_visitor_needs_a_reason_and_note_for_other(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    with pytest.raises(InvalidForm) as e:
        reception.save_form(ctx, a.reception_id, ReceptionForm(contact_left=False))
    assert set(e.value.errors) == {"no_contact_reason"}
    with pytest.raises(InvalidForm) as e:
        reception.save_form(
            ctx, a.reception_id, ReceptionForm(contact_left=False, no_contact_reason="other")
        )
    assert "no_contact_reason_note" in e.value.errors
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(contact_left=False, no_contact_reason="refused", name="tall man in red"),
    )
    assert saved.customer_id is None
    views = reception.arrivals(ctx)
    assert views[0].customer == "tall man in red" and views[0].no_contact_reason == "refused"


def test_every_bad_field_is_reported_at_once_and_nothing_is_stored(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    bad = ReceptionForm(
        name="",
        phone="12345",
        budget="lots",
        purchase_horizon="soon",
        level="lukewarm",
        companions=[("dog", "")],
        next_callback=date(2026, 3, 1),
    )
    with pytest.raises(InvalidForm) as e:
        reception.save_form(ctx, a.reception_id, bad)
    assert set(e.value.errors) >= {
        "name",
        "phone",
        "budget",
        "purchase_horizon",
        "companions",
        "next_callback",
    }
    with ctx.db.read() as s:
        assert s.exec(select(Customer)).first() is None
        assert s.get(Reception, a.reception_id).form_saved_at is None


def test_undo_removes_a_mis_tapped_walk_in_but_never_a_saved_form(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    rotation.walk_in(ctx)
    assert rotation.undo_last(ctx) == "walk_in"
    assert board_ids(ctx) == [team.wang, team.li]
    assert reception.arrivals(ctx) == []
    a = rotation.walk_in(ctx)
    reception.save_form(ctx, a.reception_id, hot_form())
    with pytest.raises(RuleViolation):
        rotation.undo_last(ctx)
    assert [e.undone for e in rotation.day_log(ctx)].count(True) == 1


def test_unsaved_form_holds_out_until_saved_and_manager_can_override(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    rotation.done(ctx, team.wang)
    b2 = rotation.walk_in(ctx)
    assert b2.salesperson_id == team.li  # Wang is held out already
    reception.save_form(ctx, b2.reception_id, hot_form(phone="13900009999"))
    rotation.done(ctx, team.li)
    b = rotation.get_board(ctx)
    assert b.next_up == team.li  # Wang is held: form not saved
    assert next(m for m in b.members if m.salesperson_id == team.wang).held
    rotation.override_hold(ctx, team.wang)
    assert rotation.get_board(ctx).next_up == team.wang
    rotation.undo_last(ctx)
    reception.save_form(ctx, a.reception_id, hot_form())
    assert rotation.get_board(ctx).next_up == team.wang


def test_walk_in_refused_if_board_changed_in_another_window(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    with pytest.raises(RuleViolation):
        rotation.walk_in(ctx, salesperson_id=team.li)


def test_state_survives_restart(database, clock, team, ctx):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    rotation.walk_in(ctx)
    ctx.db.close()
    again = open_context(database, clock)
    assert board_ids(again) == [team.li, team.wang]
    again.db.close()


def test_close_day_and_new_day_starts_fresh(ctx, team, clock):
    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    clock.set(datetime(2026, 3, 3, 9, 0))
    assert rotation.close_past_days(ctx) == 1 and rotation.close_past_days(ctx) == 0
    assert rotation.get_board(ctx).members == ()
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id).ended_at is not None
    assert rotation.get_board(ctx, date(2026, 3, 2)).closed


def test_tick_callback_reschedules_by_level_and_records_upgrade(ctx, team, clock):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Tom", phone="13900001111", purchase_horizon="6m")
    )
    assert saved.level == "warm" and saved.next_callback == date(2026, 4, 2)
    clock.set(datetime(2026, 4, 2, 10, 0))
    [cb] = callbacks.due_callbacks(ctx, team.li)
    r = callbacks.complete_callback(ctx, cb.id, "no_answer")
    assert r.next_due == date(2026, 4, 3)  # retry tomorrow
    clock.set(datetime(2026, 4, 3, 10, 0))
    [cb] = callbacks.due_callbacks(ctx, team.li)
    r = callbacks.complete_callback(ctx, cb.id, "reached", new_level="hot", note="wants test drive")
    assert r.level_before == "warm" and r.level_after == "hot" and r.next_due == date(2026, 4, 10)
    with ctx.db.read() as s:
        c = s.get(Customer, saved.customer_id)
        assert ctx.local_day(c.last_contact_at) == date(2026, 4, 3)
        assert len(s.exec(select(Callback).where(Callback.status == "open")).all()) == 1


def test_no_answer_does_not_reset_last_contact(ctx, team, clock):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(ctx, a.reception_id, hot_form())
    clock.set(datetime(2026, 3, 9, 10))
    [cb] = callbacks.due_callbacks(ctx, team.li)
    callbacks.complete_callback(ctx, cb.id, "no_answer")
    with ctx.db.read() as s:
        assert ctx.local_day(s.get(Customer, saved.customer_id).last_contact_at) == date(2026, 3, 2)


def test_cold_goes_to_marketing_won_to_care_lost_needs_reason(ctx, team, clock):
    rotation.check_in(ctx, team.li)
    ids = []
    for phone in ("13900000001", "13900000002", "13900000003"):
        a = rotation.walk_in(ctx)
        ids.append(
            reception.save_form(
                ctx, a.reception_id, ReceptionForm(name="X", phone=phone, purchase_horizon="1m")
            ).customer_id
        )
        rotation.done(ctx, team.li)
    clock.set(datetime(2026, 3, 9, 10))
    cbs = {c.customer_id: c.id for c in callbacks.due_callbacks(ctx, team.li)}
    assert (
        callbacks.complete_callback(ctx, cbs[ids[0]], "reached", new_level="cold").next_step
        == "marketing"
    )
    assert callbacks.complete_callback(ctx, cbs[ids[1]], "won").next_step == "care"
    with pytest.raises(InvalidForm):
        callbacks.complete_callback(ctx, cbs[ids[2]], "lost")
    callbacks.complete_callback(ctx, cbs[ids[2]], "lost", lost_reason="price")
    # a salesperson only requests "lost": the manager decides
    assert [r.customer_id for r in manager.pending_lost_requests(ctx)] == [ids[2]]
    assert customers.get_customer(ctx, ids[2]).status == "active"
    manager.approve_lost(ctx, ids[2])
    assert manager.pending_lost_requests(ctx) == []
    statuses = {c.id: c.status for c in customers.search(ctx, "X")}
    assert statuses == {ids[0]: "marketing", ids[1]: "won", ids[2]: "lost"}
    assert callbacks.due_callbacks(ctx, team.li, date(2026, 12, 31)) == []
    with ctx.db.read() as s:
        assert s.get(Customer, ids[1]).care_owner_id == team.care


def test_reassign_moves_open_callbacks_and_keeps_history(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    cid = reception.save_form(ctx, a.reception_id, hot_form()).customer_id
    customers.reassign(ctx, cid, team.wang, "at risk: senior takes over")
    assert callbacks.due_callbacks(ctx, team.wang, date(2026, 3, 9))[0].customer_id == cid
    kinds = [e.kind for e in customers.timeline(ctx, cid)]
    assert kinds.count("owner") == 2 and "reception" in kinds and "level" in kinds
    with pytest.raises(InvalidInput):
        customers.reassign(ctx, cid, team.li, "")
    with pytest.raises(RuleViolation):
        setup.set_staff_active(ctx, team.wang, False)


def test_escalation_is_idempotent_and_lost_goes_to_pool(ctx, team, clock):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    cid = reception.save_form(ctx, a.reception_id, hot_form()).customer_id
    clock.set(datetime(2026, 6, 2, 9))  # 3 months later: at risk
    assert escalation.run_escalations(ctx).to_at_risk == 1
    assert escalation.run_escalations(ctx) == escalation.EscalationRun(0, 0)
    lists = escalation.escalation_lists(ctx)
    assert [i.customer_id for i in lists["at_risk"]] == [cid]
    clock.set(datetime(2026, 9, 2, 9))  # 3 more months: lost
    assert escalation.run_escalations(ctx).to_lost == 1
    c = customers.get_customer(ctx, cid)
    assert c.status == "lost"
    assert callbacks.due_callbacks(ctx, team.li, date(2027, 1, 1)) == []


def test_search_by_name_fragment_and_phone_digits(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(ctx, a.reception_id, hot_form(name="欧阳娜娜"))
    assert [c.name for c in customers.search(ctx, "欧阳")] == ["欧阳娜娜"]
    assert [c.name for c in customers.search(ctx, "0013 8")] == ["欧阳娜娜"]
    assert customers.search(ctx, "%") == []


def test_search_ignores_ascii_case_and_takes_wildcards_literally(ctx, team):
    rotation.check_in(ctx, team.li)
    for name, phone in (
        ("Mary_Ann", "13800138001"),
        ("Maryxann", "13800138002"),
        ("50% Off", "13800138003"),
    ):
        a = rotation.walk_in(ctx)
        reception.save_form(ctx, a.reception_id, hot_form(name=name, phone=phone))
        rotation.done(ctx, a.salesperson_id)
    assert [c.name for c in customers.search(ctx, "mary_")] == ["Mary_Ann"]
    assert {c.name for c in customers.search(ctx, "MARY")} == {"Mary_Ann", "Maryxann"}
    assert [c.name for c in customers.search(ctx, "0% o")] == ["50% Off"]
    found = customers.search(ctx, "138 0013 8003")
    assert [(c.name, c.owner, c.phone) for c in found] == [("50% Off", "Li Na", "+8613800138003")]
    assert found[0].last_contact_at is not None and found[0].last_contact_at.tzinfo


def test_audit_rows_are_written_and_append_only(ctx, team):
    with ctx.db.read() as s:
        assert len(s.exec(select(Audit)).all()) >= 5
    with pytest.raises(StorageError, match="append-only"), ctx.db.write() as s:
        s.connection().exec_driver_sql("DELETE FROM audit")


def test_check_is_clean_and_backup_opens(ctx, team, tmp_path):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(ctx, a.reception_id, hot_form())
    assert check(ctx) == []
    dest = backup(ctx, tmp_path / "b.db")
    if ctx.db.path is None:  # a server's backup is pg_dump's: its data must be in it
        text = subprocess.run(
            ["pg_restore", "--data-only", "--file=-", str(dest)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "COPY" in text and "张三" in text
        return
    other = open_context(dest, ctx.clock, start_of_day=False)
    assert [c.name for c in customers.search(other, "张")] == ["张三"]
    other.db.close()


def test_level_preset_maps_customers(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(ctx, a.reception_id, hot_form())
    setup.apply_level_preset(ctx, "habc")
    assert setup.get_levels(ctx).codes == ("H", "A", "B", "C")
    assert customers.search(ctx, "张")[0].level == "H"
    assert check(ctx) == []


def test_overdue_callbacks_hold_out_when_the_shop_says_so(ctx, team, clock):
    setup.set_setting(ctx, "rotation.hold_overdue_callbacks", "true")
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(ctx, a.reception_id, hot_form())
    rotation.done(ctx, team.wang)
    clock.set(datetime(2026, 3, 10, 9))  # Wang's callback (due 9 March) is now overdue
    rotation.close_past_days(ctx)
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    b = rotation.get_board(ctx)
    assert b.members[0].held == rotation.HOLD_OVERDUE and b.next_up == team.li


def test_due_today_is_local_midnight_to_midnight_even_on_dst_days(tmp_path):

    from deskterm.clock import FixedClock, zone_named
    from deskterm.services.context import Context

    berlin = FixedClock(datetime(2026, 3, 29, 12), zone=zone_named("Europe/Berlin"))
    c = Context(db=None, clock=berlin)  # type: ignore[arg-type]
    start, end = c.day_range_utc(date(2026, 3, 29))
    assert end - start == timedelta(hours=23)
    start, end = c.day_range_utc(date(2026, 10, 25))
    assert end - start == timedelta(hours=25)


def test_edit_customer_validates_like_the_form_and_keeps_one_phone_one_customer(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    first = reception.save_form(ctx, a.reception_id, hot_form()).customer_id
    rotation.done(ctx, team.li)
    b = rotation.walk_in(ctx)
    second = reception.save_form(
        ctx, b.reception_id, hot_form(name="李四", phone="13900001234")
    ).customer_id
    with pytest.raises(InvalidForm) as e:
        customers.edit_customer(ctx, second, ReceptionForm(name="", phone="138 0013 8000"))
    assert set(e.value.errors) == {"name", "phone"}
    view = customers.edit_customer(
        ctx,
        second,
        ReceptionForm(name="李四", phone="139 0000 1234", level="warm", purchase_horizon="6m"),
    )
    assert view.level == "warm"
    assert callbacks.due_callbacks(ctx, team.li, date(2026, 4, 2))[-1].customer_id == second
    assert customers.get_details(ctx, first).phone == "+8613800138000"
