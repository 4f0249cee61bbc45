"""The countermeasure loop (issue 18, the second article): a countermeasure is looked at
again a month on, with the reason per 100 counted receptions and sales per 100 first
visits before and since; kept, replaced (the chain reads back) or closed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from deskterm.clock import zone_named
from deskterm.domain.analysis import REVIEW_DAYS, Decision, judged_until
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.services import countermeasures, manager, rotation
from deskterm.services.permissions import PermissionDenied
from deskterm.services.reception import ReceptionForm, save_form

ZONE = zone_named("Asia/Shanghai")


def at(clock, d: date, h: int = 10) -> None:
    clock.set(datetime(d.year, d.month, d.day, h, 0, tzinfo=ZONE))


def refused(ctx, team, clock, d: date, n: int = 1, contact: int = 0) -> None:
    """On day ``d``: ``n`` visitors refuse their number, ``contact`` leave it."""
    at(clock, d)
    rotation.check_in(ctx, team.li)
    for i in range(n + contact):
        a = rotation.walk_in(ctx)
        if i < n:
            form = ReceptionForm(name="x", contact_left=False, no_contact_reason="refused")
        else:
            form = ReceptionForm(name="y", phone=f"139{d:%m%d}00{i:02d}", purchase_horizon="1m")
        save_form(ctx, a.reception_id, form)
        rotation.done(ctx, team.li)


def test_the_after_ends_the_day_before_a_close():
    today = date(2026, 6, 30)
    assert judged_until(today, None) == today
    assert judged_until(today, date(2026, 6, 10)) == date(2026, 6, 9)
    assert judged_until(today, date(2026, 7, 5)) == today  # closed after the day asked


def test_keep_replace_close_and_the_chain(ctx, team, clock):
    # May: 4 of 4 visitors refuse. From June 1, a small gift: 1 of 4 refuses.
    refused(ctx, team, clock, date(2026, 5, 10), n=4)
    at(clock, date(2026, 6, 1))
    first = manager.mark_countermeasure(ctx, "no_contact", "refused", date(2026, 6, 1), "gift")
    refused(ctx, team, clock, date(2026, 6, 10), n=1, contact=3)

    at(clock, date(2026, 6, 20))
    [item] = countermeasures.loop(ctx)
    assert not item.due and item.countermeasure.review_on == date(2026, 7, 1)

    at(clock, date(2026, 7, 1))
    [item] = countermeasures.loop(ctx)
    assert item.due
    assert (item.figures.before_per_100, item.figures.after_per_100) == (100.0, 25.0)
    assert countermeasures.review(ctx, first, "keep", "it works") == first
    [item] = countermeasures.loop(ctx)
    assert not item.due and item.countermeasure.review_on == date(2026, 7, 1) + timedelta(
        days=REVIEW_DAYS
    )
    assert [(r.decision, r.after_per_100) for r in item.reviews] == [(Decision.KEEP, 25.0)]

    at(clock, date(2026, 8, 1))
    second = countermeasures.review(
        ctx, first, "replace", "the gift ran out", replacement="ask before the test drive"
    )
    assert second != first
    with pytest.raises(RuleViolation):
        countermeasures.review(ctx, first, "keep")
    chain = countermeasures.chain(ctx, second)
    assert [c.countermeasure.note for c in chain] == ["gift", "ask before the test drive"]
    assert [r.decision for r in chain[0].reviews] == [Decision.KEEP, Decision.REPLACE]
    old = chain[0]
    assert old.countermeasure.closed_on == date(2026, 8, 1)
    # Its "after" stopped the day before it was replaced.
    assert old.figures.days == (date(2026, 7, 31) - date(2026, 6, 1)).days
    assert chain[1].countermeasure.follows_id == first
    assert chain[1].countermeasure.review_on == date(2026, 8, 31)
    assert countermeasures.chain(ctx, first) == chain

    at(clock, date(2026, 9, 1))
    assert countermeasures.review(ctx, second, "close", "refusals under control") == second
    assert all(i.countermeasure.closed_on is not None for i in countermeasures.loop(ctx))


def test_a_wrong_review_is_refused(ctx, team, clock):
    at(clock, date(2026, 6, 1))
    cm = manager.mark_countermeasure(ctx, "no_contact", "refused", date(2026, 6, 1), "gift")
    with pytest.raises(InvalidInput):
        countermeasures.review(ctx, cm, "maybe")
    with pytest.raises(InvalidInput):
        countermeasures.review(ctx, cm, "replace", "no")  # nothing replaces it
    with pytest.raises(NotFound):
        countermeasures.review(ctx, 999, "keep")
    assert countermeasures.loop(ctx)[0].reviews == ()


def test_only_the_manager_reviews(ctx, team, clock):
    at(clock, date(2026, 6, 1))
    cm = manager.mark_countermeasure(ctx, "no_contact", "refused", date(2026, 6, 1), "gift")
    for role in ("salesperson", "receptionist", "care", "marketing", None):
        ctx.role = role
        with pytest.raises(PermissionDenied):
            countermeasures.review(ctx, cm, "keep")
        with pytest.raises(PermissionDenied):
            countermeasures.loop(ctx)
