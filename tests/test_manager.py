"""The manager's side, each rule checked against a hand count on a small scenario."""

from datetime import date, datetime

import pytest

from deskterm.domain import analysis as A
from deskterm.errors import InvalidInput, RuleViolation
from deskterm.services import (
    analysis,
    callbacks,
    care,
    customers,
    manager,
    marketing,
    reception,
    rotation,
)
from deskterm.services.reception import InvalidForm, ReceptionForm
from tests.scenario import new_customer

pytestmark = pytest.mark.both_databases


@pytest.fixture
def floor(ctx, team):
    rotation.check_in(ctx, team.wang)
    return ctx


def test_handover_moves_every_customer_and_callback_then_deactivates(floor, team):
    c1, c2 = new_customer(floor, "13900000001"), new_customer(floor, "13900000002", "6m")
    moved = manager.hand_over(floor, team.wang, team.li, "left for another dealer")
    assert (moved.customers, moved.callbacks) == (2, 2)
    assert {customers.get_customer(floor, c).owner_id for c in (c1, c2)} == {team.li}
    assert callbacks.due_callbacks(floor, team.wang, date(2026, 12, 31)) == []
    assert len(callbacks.due_callbacks(floor, team.li, date(2026, 12, 31))) == 2
    assert rotation.get_board(floor).members == ()  # checked out of today's queue
    assert customers.timeline(floor, c1)[-1].text.endswith("left for another dealer")


def test_lost_request_approved_or_sent_back(floor, team, clock):
    c1, c2 = new_customer(floor, "13900000001"), new_customer(floor, "13900000002")
    clock.set(datetime(2026, 3, 9, 10))
    cbs = {c.customer_id: c.id for c in callbacks.due_callbacks(floor, team.wang)}
    with pytest.raises(InvalidForm) as e:
        callbacks.complete_callback(floor, cbs[c1], "lost", lost_reason="other")
    assert "lost_reason_note" in e.value.errors  # "other" needs a note
    callbacks.complete_callback(floor, cbs[c1], "lost", lost_reason="competitor")
    callbacks.complete_callback(floor, cbs[c2], "lost", lost_reason="price")
    assert [r.customer_id for r in manager.pending_lost_requests(floor)] == [c1, c2]
    manager.approve_lost(floor, c1)
    due = manager.send_back_lost(floor, c2, "offer the year-end discount first")
    assert customers.get_customer(floor, c1).status == "lost"
    assert customers.get_customer(floor, c2).status == "active"
    [cb] = callbacks.due_callbacks(floor, team.wang, due)
    assert cb.customer_id == c2 and due == date(2026, 3, 10)
    with pytest.raises(RuleViolation):
        manager.approve_lost(floor, c2)
    with pytest.raises(InvalidInput):
        manager.send_back_lost(floor, c1, "")


def test_leads_registered_nurtured_and_handed_out(floor, team):
    lead = marketing.register_lead(floor, "网上客户", "13700000000", "online", "web form")
    cold = new_customer(floor, "13900000003", "unknown")
    assert customers.get_customer(floor, cold).status == "marketing"
    marketing.mark_nurtured(floor, cold, "came to the open day, wants a test drive")
    assert [v.customer_id for v in manager.leads_to_hand_out(floor)] == [lead, cold]
    due = manager.hand_out_lead(floor, lead, team.li)
    view = customers.get_customer(floor, lead)
    assert (view.owner_id, view.status, view.level, due) == (
        team.li,
        "active",
        "warm",
        date(2026, 3, 3),
    )
    assert manager.leads_to_hand_out(floor)[0].customer_id == cold
    with pytest.raises(RuleViolation):
        manager.hand_out_lead(floor, lead, team.li)
    with pytest.raises(InvalidInput):
        marketing.register_lead(floor, "dup", "137 0000 0000")


def test_care_schedule_after_a_win(floor, team, clock):
    c = new_customer(floor, "13900000001")
    clock.set(datetime(2026, 3, 9, 10))
    [cb] = callbacks.due_callbacks(floor, team.wang)
    callbacks.complete_callback(floor, cb.id, "won")
    assert callbacks.due_callbacks(floor, team.wang, date(2026, 12, 31)) == []
    clock.set(datetime(2026, 3, 12, 10))  # won 9 March + 3 days
    [call] = care.care_due(floor, team.care)
    assert (call.customer_id, call.due, call.step) == (c, date(2026, 3, 12), 1)
    assert care.complete_care(floor, call.id, "happy with the car") == date(2026, 4, 9)
    clock.set(datetime(2026, 4, 9, 10))
    [call] = care.care_due(floor, team.care)
    assert care.complete_care(floor, call.id, reached=False) == date(2026, 4, 10)
    clock.set(datetime(2026, 4, 10, 10))
    [call] = care.care_due(floor, team.care)
    assert care.complete_care(floor, call.id) == date(2026, 6, 9)  # won + 3 months


def test_reasons_by_month_salesperson_and_countermeasure(floor, team, clock):
    def visitor(day, reason):
        clock.set(datetime(*day, 10))
        rotation.close_past_days(floor)
        if not rotation.get_board(floor).members:
            rotation.check_in(floor, team.wang)
        a = rotation.walk_in(floor)
        reception.save_form(
            floor, a.reception_id, ReceptionForm(contact_left=False, no_contact_reason=reason)
        )
        rotation.done(floor, team.wang)

    for day, reason in [
        ((2026, 3, 2), "refused"),
        ((2026, 3, 20), "refused"),
        ((2026, 3, 21), "not_asked"),
        ((2026, 4, 10), "refused"),
        ((2026, 5, 15), "not_asked"),
    ]:
        visitor(day, reason)
    manager.mark_countermeasure(
        floor, "no_contact", "refused", date(2026, 4, 1), "small gift for leaving a number"
    )
    clock.set(datetime(2026, 6, 30, 10))
    rep = analysis.reasons(floor, "no_contact", date(2026, 3, 1), date(2026, 5, 31))
    assert rep.table.by_reason == {"refused": 3, "not_asked": 2}
    assert rep.table.trend["refused"] == {"2026-03": 2, "2026-04": 1, "2026-05": 0}
    assert rep.table.by_salesperson[team.wang]["refused"] == 3
    [(mark, ba)] = rep.countermeasures
    # by hand: 2 in the 90 days before 1 April, 1 in the 91 days since (to 30 June)
    assert mark.reason == "refused" and (ba.before, ba.after) == (0.67, 0.33)
    assert ba.change == pytest.approx(-0.5, abs=0.01)
    # issue 15 (12), per 100 counted receptions: before 2 refused of 3 (Mar 2, 20, 21),
    # after 1 of 2 (Apr 10, May 15); sales: 0 won of 3 first visits, 0 of 2
    assert (ba.before_per_100, ba.after_per_100) == (66.67, 50.0)
    assert (ba.sales_before_per_100, ba.sales_after_per_100) == (0.0, 0.0)
    assert ba.days == 90 and not ba.too_early  # 1 April to 30 June
    manager.mark_countermeasure(floor, "no_contact", "not_asked", date(2026, 6, 25), "script")
    late = analysis.reasons(floor, "no_contact", date(2026, 3, 1), date(2026, 5, 31))
    ba2 = late.countermeasures[1][1]
    assert ba2.days == 5 and ba2.too_early and ba2.after_per_100 is None  # nobody came since
    # a report on 20 June does not know a countermeasure dated 25 June yet
    assert (
        len(
            analysis.reasons(
                floor, "no_contact", date(2026, 6, 1), date(2026, 6, 20), date(2026, 6, 20)
            ).countermeasures
        )
        == 1
    )
    with pytest.raises(InvalidForm):
        manager.mark_countermeasure(floor, "no_contact", "nonsense", date(2026, 4, 1), "x")


def test_funnel_level_history_and_coaching(floor, team, clock):
    c1 = new_customer(
        floor,
        "13900000001",
        test_drive=True,
        model_interest="Model Y",
        budget="200-300k",
        companions=[("spouse", "")],
    )
    new_customer(floor, "13900000002", "6m")
    a = rotation.walk_in(floor)
    reception.save_form(
        floor, a.reception_id, ReceptionForm(contact_left=False, no_contact_reason="refused")
    )
    rotation.done(floor, team.wang)
    clock.set(datetime(2026, 3, 9, 10))
    cbs = {c.customer_id: c.id for c in callbacks.due_callbacks(floor, team.wang)}
    callbacks.complete_callback(floor, cbs[c1], "won")
    f = analysis.funnel(floor, date(2026, 3, 1), date(2026, 3, 31))
    assert f[team.wang] == {"received": 3, "registered": 2, "test_drive": 1, "hot": 1, "won": 1}
    # issue 15 (13): shares of the visitors received, never a negative "drop-off"
    assert A.share_of_received(f[None]) == {
        "registered": pytest.approx(2 / 3, abs=1e-3),
        "test_drive": pytest.approx(1 / 3, abs=1e-3),
        "hot": pytest.approx(1 / 3, abs=1e-3),
        "won": pytest.approx(1 / 3, abs=1e-3),
    }
    c2 = customers.search(floor, "13900000002")[0].id
    customers.edit_customer(floor, c2, ReceptionForm(name="C02", phone="13900000002", level="hot"))
    spans = analysis.level_history(floor, c2)
    assert [(s.level, s.source) for s, _by in spans] == [("warm", "reception"), ("hot", "manual")]
    assert spans[0][0].days(date(2026, 3, 9)) == 7 and spans[1][0].end is None
    assert spans[0][1] == "王伟"  # the salesperson at the reception set the first level
    floor.actor_id = team.boss
    customers.edit_customer(floor, c2, ReceptionForm(name="C02", phone="13900000002", level="warm"))
    floor.actor_id = None
    assert [by for _s, by in analysis.level_history(floor, c2)][-1] == "Chen Manager"
    months, missing = analysis.coaching(floor, team.wang, date(2026, 3, 1), date(2026, 3, 31))
    assert months["2026-03"].receptions == 3 and months["2026-03"].with_contact == 2
    assert missing["companions"] == 2 and missing["model_interest"] == 2


def test_marketing_pool_lists_logs_contacts_and_hands_back(floor, team, clock):
    hot = new_customer(floor, "13900000001")
    cold1 = new_customer(floor, "13900000002", "unknown", name="Cold One")
    cold2 = new_customer(floor, "13900000003", "unknown", name="Cold Two")
    pool = marketing.marketing_pool(floor)
    assert [e.customer_id for e in pool] == [cold1, cold2]  # the active customer is not
    assert all(e.marketing_contacts == 0 and not e.nurtured for e in pool)

    clock.set(datetime(2026, 3, 5, 11))
    marketing.log_contact(floor, cold1, team.market, "no_answer")
    clock.set(datetime(2026, 3, 6, 11))
    marketing.log_contact(floor, cold1, team.market, "reached", "invited to the open day")
    # Never-contacted first, then the longest untouched.
    [first, second] = marketing.marketing_pool(floor)
    assert (first.customer_id, second.customer_id) == (cold2, cold1)
    assert second.marketing_contacts == 2
    assert floor.local_day(second.last_marketing_contact) == date(2026, 3, 6)
    assert [e.customer_id for e in marketing.marketing_pool(floor, "Two")] == [cold2]
    assert [e.customer_id for e in marketing.marketing_pool(floor, "139 0000 0002")] == [cold1]
    timeline = customers.timeline(floor, cold1)
    assert [e.kind for e in timeline].count("marketing") == 2

    marketing.mark_nurtured(floor, cold1, "wants a test drive", by_id=team.market)
    assert [e.nurtured for e in marketing.marketing_pool(floor, "One")] == [True]
    assert marketing.pool_counts(floor) == (2, 1)
    assert [v.customer_id for v in manager.leads_to_hand_out(floor)] == [cold1]
    with pytest.raises(RuleViolation):
        marketing.mark_nurtured(floor, cold1)
    with pytest.raises(RuleViolation):
        marketing.log_contact(floor, hot, team.market)  # not in the pool
    with pytest.raises(InvalidInput):
        marketing.log_contact(floor, cold2, team.market, "maybe")
    with pytest.raises(InvalidInput):
        marketing.log_contact(floor, cold2, 9999)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("week", (date(2026, 12, 28), date(2027, 1, 3))),  # an ISO week across the year end
        ("month", (date(2026, 12, 1), date(2026, 12, 31))),
        ("day", (date(2026, 12, 31), date(2026, 12, 31))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),  # leap February
        ("2026-02-28", (date(2026, 2, 28), date(2026, 2, 28))),
        ("2026-01-30 2026-03-02", (date(2026, 1, 30), date(2026, 3, 2))),
        ("2026-01-30..2026-03-02", (date(2026, 1, 30), date(2026, 3, 2))),
        (" 2026-01-30 to 2026-03-02 ", (date(2026, 1, 30), date(2026, 3, 2))),
    ],
)
def test_parse_range(text, expected):
    from deskterm.services.report import parse_range

    assert parse_range(text, date(2026, 12, 31)) == expected


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-02-30", "2026-13", "2026-03-02 2026-03-01", "1 2 3"]
)
def test_parse_range_refuses_what_is_not_a_period(text):
    from deskterm.services.report import parse_range

    with pytest.raises(InvalidInput):
        parse_range(text, date(2026, 12, 31))


def test_audit_trail_reads_who_what_before_and_after(floor, team):
    from deskterm.services.audit import audit_trail

    c = new_customer(floor, "13900000001", name="Audited")
    floor.actor_id = team.boss
    customers.reassign(floor, c, team.li, "meeting")
    floor.actor_id = None
    [entry] = audit_trail(floor, "reassign")
    assert (entry.actor, entry.entity, entry.entity_id) == ("Chen Manager", "customer", c)
    assert entry.change() == f"owner_id: {team.wang} → {team.li}; reason: meeting"
    assert audit_trail(floor, entity="customer", entity_id=c)[0].id == entry.id
    assert [e.action for e in audit_trail(floor, "Audited")][-1] == "customer.create"


def test_report_counts_a_callback_due_before_and_done_after_the_day_as_overdue(floor, team, clock):
    from deskterm.services.report import daily_report

    new_customer(floor, "13900000001")  # hot: first callback on 9 March
    clock.set(datetime(2026, 3, 11, 10))
    [cb] = callbacks.due_callbacks(floor, team.wang)
    callbacks.complete_callback(floor, cb.id, "reached")
    assert daily_report(floor, date(2026, 3, 9)).team.callbacks_due == 1
    on_10th = daily_report(floor, date(2026, 3, 10)).team
    assert (on_10th.callbacks_due, on_10th.callbacks_overdue) == (0, 1)
    on_11th = daily_report(floor, date(2026, 3, 11)).team
    assert (on_11th.callbacks_done, on_11th.callbacks_overdue) == (1, 0)
