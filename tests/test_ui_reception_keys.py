"""Reception keys act on the person the receptionist chose, and say who (issue 15 item 3)."""

from __future__ import annotations

import pytest

from deskterm.services import rotation, setup
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, table_rows, wait_for

SIZE = (140, 40)


@pytest.fixture
def desk(ctx, team):
    """Wang, Li and Zhao checked in, in that order; no form holds (no forms here)."""
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    return ctx


def names(app) -> list[str]:
    return [r[1].strip(" ▶") for r in table_rows(app.screen, "#board")]


def said(app) -> list[str]:
    return [n.message for n in app._notifications]


def passed(ctx) -> dict[int, str | None]:
    return {m.salesperson_id: m.passed for m in rotation.get_board(ctx).members}


async def test_s_skips_next_up_even_with_the_cursor_on_someone_else(desk, team):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # the cursor on 赵敏, third on the board
        assert app.screen.selected_member().salesperson_id == team.zhao
        await pilot.press("s")
        assert isinstance(app.screen, PickScreen)
        assert "王伟" in app.screen.title_text  # the question names next-up
        await pilot.press("2")  # busy with a customer: a make-up turn
        await wait_for(pilot, lambda: any("Skipped 王伟" in m for m in said(app)))
    assert passed(desk) == {team.wang: "busy", team.li: None, team.zhao: None}


async def test_d_after_another_action_asks_who_instead_of_reusing_the_cursor(desk, team):
    rotation.walk_in(desk)  # Wang
    rotation.walk_in(desk)  # Li
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert names(app) == ["赵敏", "王伟", "Li Na"]
        await pilot.press("down", "down")  # chosen: Li
        await pilot.press("d")
        await wait_for(pilot, lambda: any("Li Na is free again" in m for m in said(app)))
        await settle(pilot)
        # The cursor still rests on Li, but d is a new action: it asks, among the busy only.
        assert app.screen.selected_member().salesperson_id == team.li
        await pilot.press("d")
        assert isinstance(app.screen, PickScreen)
        assert [label.split(" — ")[0] for _v, label in app.screen.options] == ["王伟"]
        await pilot.press("1")
        await wait_for(pilot, lambda: any("王伟 is free again" in m for m in said(app)))
        await settle(pilot)
        assert isinstance(app.screen, ReceptionScreen)
    states = {m.salesperson_id: m.state for m in rotation.get_board(desk).members}
    assert states == {team.wang: "ready", team.li: "ready", team.zhao: "ready"}


async def test_b_and_o_after_another_action_ask_and_every_confirmation_names_the_person(desk, team):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")  # Li chosen…
        await pilot.press("b", "1")  # …on a break
        await wait_for(pilot, lambda: any("Li Na is away: on break" in m for m in said(app)))
        await settle(pilot)
        await pilot.press("o")  # a new action: the cursor on Li is not a choice any more
        assert isinstance(app.screen, PickScreen)
        await pilot.press("3")  # 赵敏
        assert isinstance(app.screen, ConfirmScreen)
        assert "赵敏" in str(app.screen.query_one(".question").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: any("赵敏 checked out" in m for m in said(app)))
        await pilot.press("b")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("2")  # Li, away: back
        await wait_for(pilot, lambda: any("Li Na is back on the floor" in m for m in said(app)))
    assert rotation.get_board(desk).next_up == team.wang
    assert [m.salesperson_id for m in rotation.get_board(desk).members] == [team.wang, team.li]


async def test_undo_and_check_in_name_the_person(desk, team):
    setup.add_staff(desk, "[bold red]x[/]", "salesperson")  # a name that is not markup
    rotation.skip(desk, team.wang, "busy")
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        assert isinstance(app.screen, ConfirmScreen)
        assert "王伟" in str(app.screen.query_one(".question").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Undone" in m and "王伟" in m for m in said(app)))
        await pilot.press("i", "1")
        await wait_for(pilot, lambda: any("[bold red]x[/] checked in" in m for m in said(app)))
    assert passed(desk)[team.wang] is None
