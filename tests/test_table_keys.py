"""Home, End, PgUp and PgDn in every table of every role screen (issue 16), on the demo
showroom: the cursor goes to the first row, the last, a page down and back up."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from deskterm.ui.app import create_app
from tests.test_snapshots import SCREENS, _manager_tab
from tests.ui_helpers import demo_ctx, settle

MANAGER_TABLES = {"stale": "stale", "lost": "lost", "leads": "leads", "audit": "audit"}


def _setups():
    for name in ("reception", "callbacks", "customers", "meeting", "marketing", "care"):
        yield name, SCREENS[name]
    for tab, table in MANAGER_TABLES.items():
        yield f"manager-{tab}", _manager_tab(tab, table)


@pytest.mark.parametrize(("name", "setup"), list(_setups()), ids=[n for n, _s in _setups()])
async def test_home_end_page_keys_move_the_cursor_in_every_table(tmp_path, name, setup):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    tried = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await setup(pilot)
        await settle(pilot)
        for table in app.screen.query(DataTable):
            if table.row_count < 3 or table.cursor_type == "none" or not table.display:
                continue
            tried += 1
            table.focus()
            await settle(pilot)
            last = table.row_count - 1

            async def moves(key: str, where, table=table) -> None:
                # A screen that rebuilds its table when the desk's data changes (the start
                # of day writes once, a second after start) puts the cursor back on the
                # first row: a key lost to that is pressed once more; a key that does not
                # move the cursor at all still fails.
                await pilot.press(key)
                if not where(table.cursor_row):
                    await settle(pilot)
                    await pilot.press(key)
                assert where(table.cursor_row), (table.id, key, table.cursor_row)

            await moves("end", lambda row, last=last: row == last)
            await moves("home", lambda row: row == 0)
            await moves("pagedown", lambda row: row > 0)
            await moves("pageup", lambda row: row == 0)
    ctx.db.close()
    assert tried, f"no table with rows on {name}"
