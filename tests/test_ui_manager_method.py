"""The manager's half on the F6 screen (issue 18), driven with keys as a manager would:
a target set in its cell (a wrong number said under the field, nothing lost), an action
recorded and closed, a coaching logged from the Follow-up tab — names and notes with
markup shown as typed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from textual.widgets import DataTable, Input, Static

from deskterm.clock import zone_named
from deskterm.domain.coaching import CoachingKind
from deskterm.domain.targets import Measure
from deskterm.i18n import set_language
from deskterm.services import actions, coaching, rotation, targets
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.screens.manager import ManagerScreen
from tests.ui_helpers import settle, wait_for

ZONE = zone_named("Asia/Shanghai")


async def open_tab(pilot, app, tab: str) -> None:
    await settle(pilot)
    await pilot.press("f6")
    await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
    await settle(pilot)
    app.screen.query_one("#tabs").active = tab
    await settle(pilot)


async def prompt(pilot, app, text: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
    field = app.screen.query_one(Input)
    field.value = ""
    await pilot.press(*text) if text else None
    await pilot.press("enter")
    await settle(pilot)


@pytest.fixture
def december(ctx, team, clock):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=ZONE))
    rotation.check_in(ctx, team.li)
    return team


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_target_is_set_in_its_cell(ctx, december, lang):
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-targets")
        table = app.screen.query_one("#targets-set", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.cursor_coordinate = (names.index("Li Na"), 1)  # Li Na, receptions
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press(*"abc", "enter")
        await settle(pilot)
        # Refused where it was typed, the text kept.
        assert isinstance(app.screen, TextPromptScreen)
        assert app.screen.query_one(Input).value == "abc"
        assert "abc" in str(app.screen.query_one(".field-error", Static).render())
        await prompt(pilot, app, "31")
        await wait_for(pilot, lambda: bool(targets.list_targets(ctx, date(2026, 12, 1))))
        [t] = targets.list_targets(ctx, date(2026, 12, 1))
        assert (t.salesperson, t.measure, t.value) == ("Li Na", Measure.RECEPTIONS, 31)
        await wait_for(pilot, lambda: "[31]" in str(table.get_row_at(names.index("Li Na"))[1]))


async def test_an_action_is_recorded_and_closed_with_keys(ctx, december):
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-actions")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press(*("x" * 201), "enter")  # too long: said here, not at the end
        await settle(pilot)
        assert isinstance(app.screen, TextPromptScreen)
        assert len(app.screen.query_one(Input).value) == 201
        await prompt(pilot, app, "[b]gift card[/b] first")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))  # who does it
        people = [str(o.prompt) for o in app.screen.query_one("OptionList").options]
        await pilot.press(str(next(i for i, n in enumerate(people) if "Li Na" in n) + 1))
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        app.screen.query_one(Input).value = "2026-12-01"  # yesterday
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPromptScreen)  # refused at the date, kept
        assert "past" in str(app.screen.query_one(".field-error", Static).render())
        await prompt(pilot, app, "2026-12-09")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))  # which figure
        await pilot.press("3")  # contact capture (1 is "no figure")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))  # whose
        await pilot.press("1")  # the team's
        await wait_for(pilot, lambda: len(actions.list_actions(ctx)) == 1)
        [a] = actions.list_actions(ctx)
        assert (a.what, a.owner, a.due, a.measure, a.salesperson) == (
            "[b]gift card[/b] first",
            "Li Na",
            date(2026, 12, 9),
            Measure.CONTACT_CAPTURE,
            None,
        )
        table = app.screen.query_one("#actions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[2]) == "[b]gift card[/b] first"
        table.focus()
        await pilot.press("o")
        await prompt(pilot, app, "done")
        await wait_for(pilot, lambda: actions.list_actions(ctx) == [])


async def test_a_call_check_is_logged_from_the_follow_up_tab(ctx, december):
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-followup")
        table = app.screen.query_one("#followup", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.focus()
        table.move_cursor(row=names.index("Li Na"))
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("2")  # call spot check
        await prompt(pilot, app, "20261201-1403.wav")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press(*"greeting smiled", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPromptScreen)  # "smiled" is no checklist item
        await prompt(pilot, app, "greeting needs")
        await prompt(pilot, app, "no next step agreed")
        await wait_for(pilot, lambda: len(coaching.coaching_log(ctx)) == 1)
    [e] = coaching.coaching_log(ctx)
    assert (e.salesperson, e.kind, e.recording, e.score, e.note) == (
        "Li Na",
        CoachingKind.CALL_CHECK,
        "20261201-1403.wav",
        2,
        "no next step agreed",
    )


async def test_a_countermeasure_is_reviewed_and_replaced_from_the_reasons_tab(ctx, team, clock):
    from deskterm.services import countermeasures, manager

    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=ZONE))
    manager.mark_countermeasure(ctx, "no_contact", "refused", date(2026, 11, 2), "[i]gift[/i]")
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=ZONE))  # its review day has come
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-reasons")
        await wait_for(
            pilot, lambda: "review due" in str(app.screen.query_one("#countermeasures").render())
        )
        assert "[i]gift[/i]" in str(app.screen.query_one("#countermeasures").render())
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("2")  # replace
        await prompt(pilot, app, "no change in the count")
        await prompt(pilot, app, "ask after the test drive")
        await wait_for(pilot, lambda: len(countermeasures.loop(ctx)) == 2)
    old, new = sorted(countermeasures.loop(ctx), key=lambda i: i.countermeasure.id)
    assert old.countermeasure.closed_on == date(2026, 12, 3)
    assert new.countermeasure.follows_id == old.countermeasure.id
    assert new.countermeasure.note == "ask after the test drive"


async def test_at_80_columns_a_folded_cell_asks_which_of_its_two_targets(ctx, december):
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, "tab-targets")
        table = app.screen.query_one("#targets-set", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        assert len(table.columns) == 5  # the process over the result
        table.focus()
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.cursor_coordinate = (names.index("Li Na"), 4)  # on time over sales
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("2")  # sales
        await prompt(pilot, app, "4")
        await wait_for(pilot, lambda: bool(targets.list_targets(ctx, date(2026, 12, 1))))
    [t] = targets.list_targets(ctx, date(2026, 12, 1))
    assert (t.salesperson, t.measure, t.value) == ("Li Na", Measure.SALES, 4)


async def test_a_target_is_removed_only_after_a_question_that_names_it(ctx, december):
    from deskterm.ui.screens.dialogs import ConfirmScreen

    dec = date(2026, 12, 1)
    targets.set_target(ctx, dec, Measure.RECEPTIONS, "31", december.li)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-targets")
        table = app.screen.query_one("#targets-set", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.cursor_coordinate = (names.index("Li Na"), 1)  # Li Na, receptions
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one(".question", Static).render())
        assert "Li Na" in question and "2026-12" in question
        await pilot.press("n")
        await settle(pilot)
        assert [t.value for t in targets.list_targets(ctx, dec)] == [31]  # kept
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: targets.list_targets(ctx, dec) == [])
