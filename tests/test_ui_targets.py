"""The meeting's targets and actions on screen (issue 18), driven as the manager does:
F5, the month so far against the targets in colour and mark, tomorrow's share, the open
actions — with names people really have shown as typed, in English and Chinese."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from textual.widgets import DataTable, Static

from deskterm.clock import zone_named
from deskterm.i18n import set_language
from deskterm.services import actions, rotation, setup, targets
from deskterm.ui.app import create_app
from deskterm.ui.screens.meeting import MeetingScreen
from tests.test_actions_coaching import walk_in_saved
from tests.ui_helpers import settle, wait_for

ZONE = zone_named("Asia/Shanghai")
DEC = date(2026, 12, 1)


@pytest.fixture
def month(ctx, team, clock):
    """Two December days: Li Na 2 receptions (1 left contact), a hostile-named newcomer 0."""
    team.odd = setup.add_staff(ctx, "[/b]Wang [red]Wu", "salesperson").id
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=ZONE))
    rotation.check_in(ctx, team.li)
    for name, phone in (("甲", "13900000001"), ("乙", "")):
        walk_in_saved(ctx, team, name, phone)
    for sid in (team.li, team.odd):
        targets.set_target(ctx, DEC, "receptions", "31", sid)
        targets.set_target(ctx, DEC, "contact_capture", "80", sid)
    actions.record_action(
        ctx,
        "[b]gift card[/b] before the number",
        team.boss,
        date(2026, 12, 2),
        "contact_capture",
        team.li,
    )
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=ZONE))
    return team


async def open_meeting(pilot, app) -> None:
    """F5, and wait for the targets table to be filled."""
    await settle(pilot)
    await pilot.press("f5")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, MeetingScreen)
            and app.screen.query_one("#targets", DataTable).row_count > 0
        ),
    )
    await settle(pilot)


def cells(screen, table_id):
    table = screen.query_one(table_id, DataTable)
    return {
        str(r[0]): [str(c) for c in r]
        for r in (table.get_row_at(i) for i in range(table.row_count))
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_meeting_shows_targets_tomorrow_and_actions(ctx, month, lang):
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_meeting(pilot, app)
        rows = cells(app.screen, "#targets")
        # Li Na: 2 receptions of 2 to date (green, no mark); contact 50 % of 80 % (red, !).
        assert rows["Li Na"][1:3] == ["2/2", "50%/80%!"]
        # The newcomer's name exactly as typed, never styled; 0 of 2: red.
        assert rows["[/b]Wang [red]Wu"][1] == "0/2!"
        table = app.screen.query_one("#targets", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[1:3] == (["Recept.", "Contact"] if lang == "en" else ["接待", "留档率"])
        li = next(i for i in range(table.row_count) if str(table.get_row_at(i)[0]) == "Li Na")
        assert "red" in str(table.get_row_at(li)[2].style)
        tomorrow = str(app.screen.query_one("#tomorrow", Static).render())
        assert "Li Na" in tomorrow and ("1 reception" in tomorrow or "接待 1 批" in tomorrow)
        acts = str(app.screen.query_one("#actions", Static).render())
        assert "[b]gift card[/b] before the number" in acts
        assert ("due today" in acts) or ("今天到期" in acts)


async def test_a_month_without_targets_says_how_to_set_them(ctx, team, clock):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=ZONE))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, MeetingScreen))
        await settle(pilot)
        legend = str(app.screen.query_one("#targets-legend", Static).render())
        assert "No targets for 2026-12 yet" in legend
        acts = str(app.screen.query_one("#actions", Static).render())
        assert "No open actions." in acts


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_at_80_columns_the_measures_fold_onto_two_lines_and_nothing_is_cut(ctx, month, lang):
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_meeting(pilot, app)
        table = app.screen.query_one("#targets", DataTable)
        assert len(table.columns) == 5  # the name, and four columns of two measures each
        width = sum(c.get_render_width(table) for c in table.columns.values())
        assert width <= 80 - 1  # the page's scrollbar takes one column
        rows = cells(app.screen, "#targets")
        assert rows["Li Na"][1].splitlines() == ["2/2", "0"]  # receptions over upgrades


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_tomorrows_line_breaks_between_people_never_inside_ones_entry(tmp_path, lang):
    """On the demo shop at 100 columns, every line of tomorrow's tasks starts with a
    salesperson's name (a line broken inside "李娜 8 · target 1 reception" would not)."""
    from rich.cells import cell_len

    from tests.ui_helpers import demo_ctx

    set_language(lang)
    ctx = demo_ctx(tmp_path)
    setup.set_setting(ctx, "auth.mode", "open")
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_meeting(pilot, app)
        names = [p.name for p in setup.list_staff(ctx, "salesperson")]
        box = app.screen.query_one("#tomorrow", Static)
        lines = str(box.render()).splitlines()
        assert len(lines) > 1
        for line in lines:
            assert any(line.startswith(n) for n in names), line
            assert cell_len(line) <= box.content_size.width
    ctx.db.close()
