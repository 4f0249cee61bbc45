"""Issue 23 at the desk: `l` lists the day's log and undoes the action chosen after a
confirmation that names it (and what falls with it); `g` gives a counted turn by hand."""

from __future__ import annotations

import pytest

from deskterm.services import rotation, setup
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen, TextPromptScreen
from deskterm.ui.screens.reception import DayLogScreen, ReceptionScreen
from tests.test_key_bursts import burst
from tests.ui_helpers import settle, table_rows, wait_for

SIZE = (140, 40)
#: A salesperson named with markup: shown as text everywhere (hostile-strings.json).
MARKUP_NAME = "[bold]x[/]"


@pytest.fixture
def desk(ctx, team):
    """Wang, Li, Zhao and a salesperson named with markup checked in; no form holds."""
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    team.markup = setup.add_staff(ctx, MARKUP_NAME, "salesperson").id
    for sid in (team.wang, team.li, team.zhao, team.markup):
        rotation.check_in(ctx, sid)
    return ctx


def said(app) -> list[str]:
    return [n.message for n in app._notifications]


def footer_keys(app) -> set[str]:
    from textual.widgets._footer import FooterKey

    return {k.key for k in app.screen.query(FooterKey)}


def options(screen) -> list[str]:
    from textual.widgets import OptionList

    listing = screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_l_lists_the_log_and_undoes_the_action_chosen_naming_it(desk, team):
    rotation.walk_in(desk)  # Wang: the wrong person
    rotation.walk_in(desk)  # Li
    rotation.away(desk, team.zhao, "break")
    rotation.back(desk, team.zhao)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DayLogScreen))
        lines = options(app.screen)
        assert len(lines) == 8 and "took a walk-in — 王伟" in lines[4]
        assert MARKUP_NAME in lines[3]  # the name as typed, never markup
        # The newest is under the cursor; up three times reaches Wang's walk-in.
        await pilot.press("up", "up", "up", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "took a walk-in — 王伟" in app.screen.question
        assert "later actions" not in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Undone: " in m and "王伟" in m for m in said(app)))
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
    board = rotation.get_board(desk)
    assert board.next_up == team.wang
    assert [e.undone for e in rotation.day_log(desk)].count(True) == 1


async def test_l_lists_what_falls_with_the_action_and_the_undone_ones_cannot_be_chosen(desk, team):
    rotation.walk_in(desk)  # Wang
    rotation.done(desk, team.wang)
    rotation.walk_in(desk)  # Li
    rotation.undo_last(desk)  # Li's walk-in: listed as undone
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DayLogScreen))
        assert "(undone)" in options(app.screen)[-1]
        # The cursor sits on the newest action not undone: Wang's done.
        await pilot.press("up", "enter")  # Wang's walk-in
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question
        assert "took a walk-in — 王伟" in question
        assert "done with customer — 王伟" in question.split("\n", 1)[1]  # falls too
        await pilot.press("n")  # nothing undone
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
    assert [e.undone for e in rotation.day_log(desk)].count(True) == 1


async def test_an_undo_refused_says_why_and_the_desk_stays(desk, team):
    rotation.walk_in(desk)
    rotation.close_day(desk)
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DayLogScreen))
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: any("closed" in m for m in said(app)))
        assert isinstance(app.screen, ReceptionScreen)


async def test_g_gives_a_counted_turn_by_hand_and_the_board_says_so(desk, team):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        labels = [label for _v, label in app.screen.options]
        assert not any("王伟" in x for x in labels)  # next-up is not offered
        assert any(MARKUP_NAME in x for x in labels)
        await pilot.press(str(1 + [i for i, x in enumerate(labels) if "赵敏" in x][0]))
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, PickScreen) and "赵敏" in app.screen.title_text,
        )
        await pilot.press("4")  # other: its words are asked
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press(*"speaks Cantonese", "enter")
        await wait_for(
            pilot, lambda: any("counted turn by hand (speaks Cantonese)" in m for m in said(app))
        )
        await pilot.press("escape")  # the form opened: left for later
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
        rows = table_rows(app.screen, "#board")
        zhao = next(r for r in rows if "赵敏" in r[1])
        assert zhao[4] == "1" and "by hand ×1" in zhao[5]
        assert "王伟" in rows[0][1]  # next-up keeps the head
    board = rotation.get_board(desk)
    assert board.next_up == team.wang


async def test_g_for_a_receptionist_of_a_shop_that_does_not_allow_it_says_so(desk, team):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.ctx.role = "receptionist"  # as if she had signed in with her PIN
        await pilot.press("g")
        await wait_for(pilot, lambda: any("Only the manager" in m for m in said(app)))
        assert isinstance(app.screen, ReceptionScreen)


async def test_a_wide_footer_shows_both_keys(desk):
    """After the keys a receptionist presses every hour: they show where the width
    allows (and always in the palette, below)."""
    app = create_app(desk, blink=False)
    async with app.run_test(size=(240, 40)) as pilot:
        await settle(pilot)
        assert {"l", "g"} <= footer_keys(app)


async def test_the_palette_lists_both_actions(desk):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {str(c.title) for c in app.get_system_commands(app.screen)}
        assert {"Day's log", "Turn by hand"} <= titles


async def test_a_digit_typed_after_g_never_ticks_a_step_when_no_pick_comes(desk, team):
    from deskterm.services import reception, steps

    for _ in range(3):
        rotation.walk_in(desk)  # Wang, Li, Zhao busy: only next-up is free
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "g", "1")  # typed in one breath: the terminal hands both on at once
        await wait_for(pilot, lambda: any("Nobody but next-up" in m for m in said(app)))
        await settle(pilot)
    ids = [a.id for a in reception.arrivals(desk)]
    assert not any(steps.steps_of(desk, ids).values())


async def test_g_and_its_two_digits_typed_in_one_breath_give_the_turn(desk, team):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "g", "2", "3")  # the second offered (Zhao), a training turn
        await wait_for(pilot, lambda: any("counted turn by hand (training" in m for m in said(app)))
    zhao = next(m for m in rotation.get_board(desk).members if m.salesperson_id == team.zhao)
    assert zhao.by_hand == 1
