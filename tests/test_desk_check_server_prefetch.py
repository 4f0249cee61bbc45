"""Session 32's independent check of the server writes' reads asked for with the lock
(storage/prefetch.py): what a save reads ahead must be what its own query would read."""

from __future__ import annotations

import pytest
from sqlmodel import select

from deskterm.services import reception, rotation
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Callback, Customer

pytestmark = pytest.mark.both_databases


def _visit(ctx, form: ReceptionForm):
    a = rotation.walk_in(ctx)
    saved = reception.save_form(ctx, a.reception_id, form)
    rotation.done(ctx, a.salesperson_id)
    return saved


def _sharing_a_wechat_id(ctx, team):
    """Three on the floor; two customers on file with one WeChat ID (the second typed a
    new phone and the same ID): their saved forms."""
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    a = _visit(
        ctx,
        ReceptionForm(
            name="A", phone="13800138001", contact_other="wx_shared1", purchase_horizon="6m"
        ),
    )
    b = _visit(
        ctx,
        ReceptionForm(
            name="B", phone="13800138002", contact_other="wx_shared1", purchase_horizon="1m"
        ),
    )
    return a, b


def test_a_revisit_by_wechat_id_keeps_its_own_customers_callback_not_anothers(ctx, team):
    a, b = _sharing_a_wechat_id(ctx, team)
    assert a.customer_id != b.customer_id and a.next_callback != b.next_callback
    # A visitor leaves only the WeChat ID: the customer it finds is kept as on file.
    again = _visit(ctx, ReceptionForm(name="A", contact_other="wx_shared1"))
    with ctx.db.read() as s:
        due = {
            cid: ctx.local_day(at)
            for cid, at in s.exec(
                select(Callback.customer_id, Callback.due_at).where(
                    Callback.status == "open", Callback.kind == "sales"
                )
            ).all()
        }
        assert s.get(Customer, again.customer_id) is not None
    # The save answers with the found customer's own open callback, not the other's.
    assert again.next_callback == due[again.customer_id]


def test_a_revisit_by_wechat_id_of_a_customer_without_a_callback_gets_one(ctx, team):
    from deskterm.services import callbacks

    a, _ = _sharing_a_wechat_id(ctx, team)
    with ctx.db.read() as s:
        (cb,) = s.exec(select(Callback.id).where(Callback.customer_id == a.customer_id)).all()
    callbacks.complete_callback(ctx, cb, "lost", lost_reason="other", lost_note="x")
    with ctx.db.read() as s:
        before = s.exec(
            select(Callback).where(Callback.customer_id == a.customer_id, Callback.status == "open")
        ).all()
    again = _visit(ctx, ReceptionForm(name="A", contact_other="wx_shared1"))
    with ctx.db.read() as s:
        after = s.exec(
            select(Callback.due_at).where(
                Callback.customer_id == again.customer_id, Callback.status == "open"
            )
        ).all()
    assert [ctx.local_day(d) for d in after] == [again.next_callback], (before, after, again)


def test_an_undo_that_waited_for_the_lock_past_midnight_undoes_nothing_of_yesterday(
    ctx, team, clock, monkeypatch
):
    # The undo asks for the day's log with its lock; another desk held the lock (a
    # close of the day) until after midnight: the undo runs on the new day.
    from datetime import datetime

    from deskterm.errors import RuleViolation
    from deskterm.services.maintenance import check

    clock.set(datetime(2026, 3, 2, 23, 59, 59))
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    asked = rotation._undo_wanted

    def lock_waited_past_midnight(c):
        wanted = asked(c)
        clock.set(datetime(2026, 3, 3, 0, 0, 1))
        return wanted

    monkeypatch.setattr(rotation, "_undo_wanted", lock_waited_past_midnight)
    with pytest.raises(RuleViolation):  # the new day has nothing to undo (as on a file)
        rotation.undo_last(ctx)
    assert [str(p) for p in check(ctx)] == []
    assert rotation.get_board(ctx).members == ()  # nobody checked in on the new day


def test_a_revisit_by_a_shared_wechat_id_of_a_customer_without_a_callback_is_given_one(ctx, team):
    a, _ = _sharing_a_wechat_id(ctx, team)
    # A's callback was cancelled by hand (the customer's own row untouched).
    with ctx.db.write() as s:
        for cb in s.exec(select(Callback).where(Callback.customer_id == a.customer_id)).all():
            cb.status = "cancelled"
    again = _visit(ctx, ReceptionForm(name="A", contact_other="wx_shared1"))
    assert again.customer_id == a.customer_id
    with ctx.db.read() as s:
        mine = s.exec(
            select(Callback.due_at).where(
                Callback.customer_id == a.customer_id, Callback.status == "open"
            )
        ).all()
    # A revisit of a customer with no open callback schedules one (as on a file).
    assert [ctx.local_day(d) for d in mine] == [again.next_callback]
