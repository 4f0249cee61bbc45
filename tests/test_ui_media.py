"""Where visitors come from, on screen (issue 18), driven as people do: the receptionist
names the medium on the form with one digit (the common walk-in loses no key: the field
is after the prefilled ones); the manager enters the month's spend on the Media tab (a
wrong amount said under the field, nothing lost), fills in last month's, steps to another
month; the meeting shows the table — names as typed, both languages, both sizes.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Static

from deskterm.clock import zone_named
from deskterm.i18n import set_language
from deskterm.services import media, reasons, rotation
from deskterm.storage.models import Customer, Reception
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import TextPromptScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.meeting import MeetingScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.test_media import visit
from tests.test_ui_manager_method import open_tab
from tests.ui_helpers import settle, table_rows, wait_for

ZONE = zone_named("Asia/Shanghai")
NOV = date(2026, 11, 1)
HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())
ODD = HOSTILE["markup"][2]  # "[bold red]Red[/]": a medium's name shown as typed


def at(clock, month: int, day: int, hour: int = 10) -> None:
    clock.set(datetime(2026, month, day, hour, 0, tzinfo=ZONE))


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_form_names_the_medium_with_one_digit(ctx, team, clock, lang):
    at(clock, 11, 3)
    rotation.check_in(ctx, team.wang)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await pilot.press(*"Zhang Wei", "enter", *"13912345678")
        form.query_one("#media").focus()
        await pilot.pause()
        await pilot.press("2")  # the second medium of the list: car websites
        assert form.query_one("#media").value == "auto_sites"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    with ctx.db.read() as s:
        assert s.exec(select(Reception.media)).one() == "auto_sites"
        assert s.exec(select(Customer.media)).one() == "auto_sites"


async def test_a_medium_the_manager_added_is_offered_on_the_form_as_typed(ctx, team, clock):
    at(clock, 11, 3)
    odd = reasons.add_reason(ctx, "media", "[red]Douyin[/] live", "抖音直播")
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        choice = app.screen.query_one("#media")
        assert (odd.code, "[red]Douyin[/] live") in choice.options
        assert "[red]Douyin[/] live" in str(choice.render())  # text, not markup


@pytest.fixture
def shop(ctx, team, clock):
    """November: two car-website visitors (one leaves a number), a hostile-named medium
    with one visitor; 30,000 spent on car websites in November, 6,000 on the billboard
    in October."""
    at(clock, 11, 3)
    team.odd = reasons.add_reason(ctx, "media", ODD, "").code
    rotation.check_in(ctx, team.li)
    visit(ctx, "auto_sites", "13900000001")
    visit(ctx, "auto_sites")
    visit(ctx, team.odd, "13900000002")
    media.set_spend(ctx, NOV, "auto_sites", 30000)
    media.set_spend(ctx, date(2026, 10, 1), "outdoor", 6000)
    at(clock, 11, 10, 18)
    return team


def rows_by_name(screen, selector: str) -> dict[str, list[str]]:
    return {r[0]: r for r in table_rows(screen, selector)}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [(100, 30), (160, 45)])
async def test_the_media_tab_shows_each_mediums_cost(ctx, shop, lang, size):
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=size) as pilot:
        await open_tab(pilot, app, "tab-media")
        table = app.screen.query_one("#media", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        rows = rows_by_name(app.screen, "#media")
        cars = rows["car websites" if lang == "en" else "汽车网站"]
        # 30,000 × 10/30 to date; 2 visitors, 1 contact, no sale: 5,000 a visitor.
        if size[0] >= 120:
            assert cars[1:] == ["30,000", "10,000", "2", "1", "0", "5,000", "-"]
        else:
            assert cars[1:] == ["10,000", "2", "1", "0", "5,000", "-"]
        all_media = rows["All media" if lang == "en" else "全部来源"]
        assert all_media[-5:] == ["3", "2", "0", "3,333", "-"]  # 10,000 ÷ 3
        assert rows[ODD][-5:] == ["1", "1", "0", "-", "-"]  # no spend entered: unknown
        width = sum(c.get_render_width(table) for c in table.columns.values())
        assert width <= size[0], "a column is cut"
        # Under the table: the cost per visitor and the first visits, medium by medium.
        from deskterm.ui.widgets.charts import Chart

        cost = "\n".join(app.screen.query_one("#media-cost-chart", Chart).plain_lines())
        came = "\n".join(app.screen.query_one("#media-visitors-chart", Chart).plain_lines())
        cars = "car websites" if lang == "en" else "汽车网站"
        assert cars in cost and "5,000" in cost  # only it has a spend entered
        assert ODD not in cost  # no spend entered: no cost drawn
        assert cars in came and ODD[:8] in came


async def test_the_manager_enters_the_spend_and_a_wrong_amount_stays_to_be_corrected(ctx, shop):
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-media")
        table = app.screen.query_one("#media", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        names = [r[0] for r in table_rows(app.screen, "#media")]
        table.move_cursor(row=names.index("online ads"))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press(*"12.5k", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPromptScreen)  # refused where it was typed
        assert app.screen.query_one(Input).value == "12.5k"
        assert "12.5k" in str(app.screen.query_one(".field-error", Static).render())
        app.screen.query_one(Input).value = ""
        await pilot.press(*"1.2万", "enter")
        await wait_for(pilot, lambda: media.spend_set(ctx, NOV).get("online_ads") == 12000)
        await wait_for(
            pilot, lambda: rows_by_name(app.screen, "#media")["online ads"][1] == "12,000"
        )


async def test_last_months_spend_is_carried_over_and_another_month_shown(ctx, shop, clock):
    at(clock, 12, 2)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-media")
        table = app.screen.query_one("#media", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        await pilot.press("f")  # December gets November's 30,000 on car websites
        await wait_for(
            pilot, lambda: media.spend_set(ctx, date(2026, 12, 1)) == {"auto_sites": 30000}
        )
        await wait_for(
            pilot, lambda: rows_by_name(app.screen, "#media")["car websites"][1] == "30,000"
        )
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to October
        legend = app.screen.query_one("#media-legend", Static)
        await wait_for(pilot, lambda: "2026-10" in str(legend.render()))
        await settle(pilot)
        rows = rows_by_name(app.screen, "#media")
        assert rows["billboard, radio"][1:3] == ["6,000", "6,000"]  # a whole past month


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_meeting_shows_where_the_months_visitors_came_from(ctx, shop, lang):
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, MeetingScreen)
                and app.screen.query_one("#media", DataTable).row_count > 0
            ),
        )
        rows = rows_by_name(app.screen, "#media")
        assert rows["car websites" if lang == "en" else "汽车网站"][1:] == [
            "10,000",
            "2",
            "1",
            "0",
            "5,000",
            "-",
        ]
        legend = str(app.screen.query_one("#media-legend", Static).render())
        assert "2026-11" in legend and "2026-11-10" in legend
        table = app.screen.query_one("#media", DataTable)
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 100 - 1


async def test_the_tenth_medium_and_after_take_two_quick_digits(ctx, team, clock):
    """Found by a tester: with ten media or more, "1" "0" picked the first."""
    at(clock, 11, 3)
    extra = reasons.add_reason(ctx, "media", "Douyin live", "抖音直播")
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        choice = app.screen.query_one("#media")
        choice.focus()
        await pilot.pause()
        assert len(choice.options) == 10 and choice.options[9][0] == extra.code
        await pilot.press("1", "0")
        assert choice.value == extra.code
        await pilot.press("3")  # one digit alone still answers at once
        assert choice.value == choice.options[2][0]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_long_medium_name_hides_no_option_and_pushes_no_figure_off(ctx, team, clock, lang):
    """Found by a tester: a 60-character name took more lines than the row was given
    (the next option was not drawn) and widened the Media tab's first column off the
    screen."""
    at(clock, 11, 3)
    long_name = "王" * 60
    for name in (long_name, "李 [VIP]"):
        reasons.add_reason(ctx, "media", name, name)
    set_language(lang)
    rotation.check_in(ctx, team.wang)
    visit(ctx, reasons.pick_list(ctx, "media")[-2].code, "13900000005")  # the long one
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        choice = app.screen.query_one("#media")
        await pilot.pause()
        lines = choice.render().wrap(app.console, choice.content_size.width)
        assert choice.content_size.height >= len(lines)
        assert "李 [VIP]" in str(choice.render()) and "王王" in str(choice.render())
        await pilot.press("escape")
        await settle(pilot)
        if isinstance(app.screen, ReceptionFormScreen):
            await pilot.press("y")
        await open_tab(pilot, app, "tab-media")
        table = app.screen.query_one("#media", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 100
        names = [r[0] for r in table_rows(app.screen, "#media")]
        assert any(n.startswith("王王") and n.endswith("…") for n in names)


async def test_months_step_as_often_as_the_key_is_pressed_and_a_spend_can_be_removed(ctx, shop):
    from deskterm.ui.screens.dialogs import ConfirmScreen

    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_tab(pilot, app, "tab-media")
        table = app.screen.query_one("#media", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        legend = app.screen.query_one("#media-legend", Static)
        await wait_for(pilot, lambda: "2026-08" in str(legend.render()))
        await pilot.press(*["right_square_bracket"] * 3)
        await wait_for(pilot, lambda: "2026-11" in str(legend.render()))
        await settle(pilot)
        names = [r[0] for r in table_rows(app.screen, "#media")]
        table.move_cursor(row=names.index("car websites"))
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one(".question", Static).render())
        assert "car websites" in question and "30,000" in question
        await pilot.press("y")
        await wait_for(pilot, lambda: media.spend_set(ctx, NOV) == {})
        await wait_for(pilot, lambda: rows_by_name(app.screen, "#media")["car websites"][1] == "-")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_manager_keeps_the_pick_lists_on_screen(ctx, team, clock, lang):
    """k on the Manager screen: which list, then add (English, then Chinese), rename
    (Enter), retire (Delete, asked) and bring back — no command line needed. A name
    with markup is shown as typed."""
    from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen
    from deskterm.ui.screens.manager.lists import ListScreen

    at(clock, 11, 3)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, app, "tab-media")
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("3")  # media
        await wait_for(pilot, lambda: isinstance(app.screen, ListScreen))
        lists = app.screen
        table = lists.query_one("#list", DataTable)
        await wait_for(pilot, lambda: table.row_count == 9)

        async def answer(text: str) -> None:
            await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
            app.screen.query_one(Input).value = text
            await pilot.press("enter")

        await pilot.press("a")
        await answer(ODD)
        await answer("抖音直播")
        await wait_for(pilot, lambda: table.row_count == 10)
        added = next(r for r in reasons.all_reasons(ctx, "media") if r.name_en == ODD)
        assert added.name_zh == "抖音直播"
        assert ODD in [r[0] for r in table_rows(lists, "#list")]  # as typed
        table.move_cursor(row=[r[0] for r in table_rows(lists, "#list")].index(ODD))
        await pilot.press("enter")  # rename
        await answer("Douyin live")
        await answer("抖音直播间")
        await wait_for(
            pilot,
            lambda: any(r.name_en == "Douyin live" for r in reasons.all_reasons(ctx, "media")),
        )
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                not next(
                    r for r in reasons.all_reasons(ctx, "media") if r.code == added.code
                ).active
            ),
        )
        assert added.code not in [r.code for r in reasons.pick_list(ctx, "media")]
        await wait_for(pilot, lambda: isinstance(app.screen, ListScreen))
        await pilot.press("delete")  # a retired one comes back without a question
        await wait_for(
            pilot, lambda: added.code in [r.code for r in reasons.pick_list(ctx, "media")]
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ListScreen))
