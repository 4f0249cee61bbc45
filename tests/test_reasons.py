"""Reasons as data (issue 18): the manager adds, renames, retires and brings back reasons;
the form offers the most used first, "other" last; past uses keep their code."""

from __future__ import annotations

import pytest

from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.services import reasons, rotation
from deskterm.services.permissions import PermissionDenied
from deskterm.services.reception import InvalidForm, ReceptionForm, save_form


def no_contact(ctx, team, reason, n=1):
    if team.li not in [m.salesperson_id for m in rotation.get_board(ctx).members]:
        rotation.check_in(ctx, team.li)
    for _ in range(n):
        a = rotation.walk_in(ctx)
        save_form(
            ctx,
            a.reception_id,
            ReceptionForm(name="x", contact_left=False, no_contact_reason=reason),
        )
        rotation.done(ctx, team.li)


def test_the_articles_suspects_are_on_the_list(ctx, team):
    codes = [r.code for r in reasons.pick_list(ctx, "no_contact")]
    assert {"not_explained", "not_tailored", "needs_unknown"} <= set(codes)
    assert codes[-1] == "other"


@pytest.mark.both_databases
def test_the_most_used_come_first_and_other_stays_last(ctx, team):
    no_contact(ctx, team, "just_browsing", 3)
    no_contact(ctx, team, "not_asked", 1)
    codes = [r.code for r in reasons.pick_list(ctx, "no_contact")]
    assert codes[:2] == ["just_browsing", "not_asked"] and codes[-1] == "other"
    assert reasons.pick_list(ctx, "no_contact")[0].uses == 3


def test_add_rename_retire_and_bring_back(ctx, team):
    r = reasons.add_reason(ctx, "no_contact", "[b]Parking full[/b]", "停车位满了")
    assert (r.code, r.name_en, r.active) == ("b_parking_full_b", "[b]Parking full[/b]", True)
    with pytest.raises(RuleViolation):
        reasons.add_reason(ctx, "no_contact", "[B]PARKING FULL[/B]", "")
    no_contact(ctx, team, r.code)
    renamed = reasons.rename_reason(ctx, "no_contact", r.code, "No parking", "没地方停车")
    assert renamed.code == r.code and renamed.uses == 1  # the past use keeps its code
    reasons.set_reason_active(ctx, "no_contact", r.code, False)
    assert r.code not in [x.code for x in reasons.pick_list(ctx, "no_contact")]
    assert r.code in [x.code for x in reasons.all_reasons(ctx, "no_contact")]
    # A retired reason is refused on a form.
    a = rotation.walk_in(ctx)
    with pytest.raises(InvalidForm):
        save_form(
            ctx,
            a.reception_id,
            ReceptionForm(name="y", contact_left=False, no_contact_reason=r.code),
        )
    reasons.set_reason_active(ctx, "no_contact", r.code, True)
    assert r.code in [x.code for x in reasons.pick_list(ctx, "no_contact")]


def test_what_must_stay_stays(ctx, team):
    with pytest.raises(RuleViolation):
        reasons.set_reason_active(ctx, "no_contact", "other", False)
    with pytest.raises(NotFound):
        reasons.rename_reason(ctx, "lost", "nope", "x")
    with pytest.raises(InvalidInput):
        reasons.add_reason(ctx, "no_contact", "  ", "")
    with pytest.raises(InvalidInput):
        reasons.add_reason(ctx, "moods", "grumpy")


def test_only_the_manager_edits_the_list(ctx, team):
    for role in ("salesperson", "receptionist", "care", "marketing", None):
        ctx.role = role
        with pytest.raises(PermissionDenied):
            reasons.add_reason(ctx, "no_contact", "x")
    ctx.role = "receptionist"
    assert reasons.pick_list(ctx, "no_contact")  # the form's list


async def test_the_walk_in_form_offers_the_shops_own_reasons(ctx, team):
    """A reason the manager added is on the form's "why not?" row, in the shop's words."""
    from deskterm.ui.app import create_app
    from deskterm.ui.screens.form import ReceptionFormScreen
    from tests.ui_helpers import settle, wait_for

    reasons.add_reason(ctx, "no_contact", "[b]Parking full[/b]", "停车位满了")
    rotation.check_in(ctx, team.li)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: bool(app.reason_lists))  # read off the event loop
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await settle(pilot)
        choice = app.screen.query_one("#no_contact_reason")
        assert ("b_parking_full_b", "[b]Parking full[/b]") in choice.options
