"""Every role screen at the sizes a shop has (80x24 to a 240-column monitor), in both
languages: no column narrower than what it shows, the Reception's key columns on
screen without scrolling, the meeting's figures (F5, F6 Team) on screen without
scrolling sideways, and the Footer showing each screen's most used keys whole."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from deskterm.i18n import _
from deskterm.ui.app import create_app
from deskterm.ui.widgets.footer import DeskFooter
from tests.test_snapshots import (
    _callbacks,
    _care,
    _customers,
    _manager,
    _marketing,
    _meeting,
    _reception,
)
from tests.ui_helpers import demo_ctx, settle, wait_for

SIZES = [(80, 24), (100, 30), (160, 45), (240, 67)]
# Each screen's tables and, for the Reception, the columns that must be on screen.
SCREENS = {
    "reception": (_reception, ("#board", "#arrivals")),
    "callbacks": (_callbacks, ("#calls",)),
    "customers": (_customers, ("#results", "#timeline", "#level-history")),
    "meeting": (_meeting, ("#people",)),
    "manager": (_manager, ("#team",)),
    "marketing": (_marketing, ("#pool",)),
    "care": (_care, ("#care-calls",)),
}
# Visible without scrolling sideways, at every size: what the receptionist reads.
RECEPTION_KEY_COLUMNS = {"#board": 5, "#arrivals": 6}  # the first n columns


def _text_width(value: object) -> int:
    return max((cell_len(line) for line in str(value).splitlines()), default=0)


def column_problems(table: DataTable) -> list[str]:
    """Columns narrower than their header or one of their cells."""
    problems = []
    for index, column in enumerate(table.ordered_columns):
        room = column.get_render_width(table) - 2 * table.cell_padding
        widest = max(
            [_text_width(column.label)]
            + [_text_width(table.get_row_at(r)[index]) for r in range(table.row_count)]
        )
        if widest > room:
            problems.append(f"{table.id}: {column.label} needs {widest}, has {room}")
    return problems


def footer_keys(screen) -> list[FooterKey]:
    return [
        k
        for k in screen.query_one(DeskFooter).query(FooterKey)
        if not k.has_class("-command-palette")
    ]


def footer_problems(screen, width: int) -> list[str]:
    """The Footer shows a prefix of the screen's keys in its order, each whole."""
    footer = screen.query_one(DeskFooter)
    shown = [k.key for k in footer_keys(screen)]
    ordered = [b.key for b, _enabled, _tip in footer._ordered()]
    problems = []
    if shown != ordered[: len(shown)]:
        problems.append(f"footer shows {shown}, not the first of {ordered}")
    for key in footer.query(FooterKey):
        if key.region.right > width or key.region.width < cell_len(key.description):
            problems.append(f"footer key {key.key} {key.description!r} is cut")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_screen_shows_whole_columns_and_its_top_keys(lang, size, tmp_path):
    ctx = demo_ctx(tmp_path)
    problems: list[str] = []
    try:
        app = create_app(ctx, lang=lang, blink=False)
        async with app.run_test(size=size) as pilot:
            for name, (open_screen, tables) in SCREENS.items():
                await open_screen(pilot)
                await settle(pilot)
                await pilot.pause(0.1)  # the DataTables' lazy column sizing
                screen = app.screen
                for selector in tables:
                    table = screen.query_one(selector, DataTable)
                    problems += [f"{name}: {p}" for p in column_problems(table)]
                problems += [f"{name}: {p}" for p in footer_problems(screen, size[0])]
                if name == "reception":
                    problems += reception_problems(screen)
                if name in PEOPLE_TABLES:
                    table = screen.query_one(PEOPLE_TABLES[name], DataTable)
                    problems += [f"{name}: {p}" for p in people_problems(table, size[0])]
    finally:
        ctx.db.close()
    assert not problems


def reception_problems(screen) -> list[str]:
    """The Reception's key columns on screen, and its most used keys in the Footer."""
    problems = []
    for selector, n in RECEPTION_KEY_COLUMNS.items():
        table = screen.query_one(selector, DataTable)
        need = sum(c.get_render_width(table) for c in table.ordered_columns[:n])
        if need > table.scrollable_content_region.width:
            problems.append(f"{selector}: first {n} columns need {need}, table is {table.size}")
    shown = [k.key for k in footer_keys(screen)]
    if shown[:6] != ["n", "r", "d", "s", "b", "u"]:
        problems.append(f"reception footer: {shown}")
    return problems


# The meeting's table per salesperson: F5 and the Manager's Team tab.
PEOPLE_TABLES = {"meeting": "#people", "manager": "#team"}


def on_screen_columns(table: DataTable, width: int) -> list[str]:
    """The labels of the columns shown whole without scrolling sideways."""
    room = min(table.scrollable_content_region.width, width - table.region.x)
    shown, x = [], 0
    for column in table.ordered_columns:
        x += column.get_render_width(table)
        if x <= room:
            shown.append(str(column.label))
    return shown


def people_problems(table: DataTable, width: int) -> list[str]:
    """Every figure on screen without scrolling sideways, at every size: from 100
    columns the narrow layout, under 100 the tiny one (widgets.people)."""
    shown = on_screen_columns(table, width)
    labels = [str(c.label) for c in table.ordered_columns]
    missing = [label for label in labels if label not in shown]
    if missing:
        return [f"{table.id} at {width} columns: {missing} off screen (shown: {shown})"]
    return []


# Around the width where the arrivals move beside the board.
BETWEEN = [(120, 40), (139, 40), (140, 40)]


@pytest.mark.parametrize("size", BETWEEN, ids=[f"{w}x{h}" for w, h in BETWEEN])
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_reception_keeps_its_columns_where_the_layout_switches(lang, size, tmp_path):
    ctx = demo_ctx(tmp_path)
    try:
        app = create_app(ctx, lang=lang, blink=False)
        async with app.run_test(size=size) as pilot:
            await _reception(pilot)
            await pilot.pause(0.1)
            assert ("-narrow" in app.screen.classes) is (size[0] < 140)
            assert not reception_problems(app.screen)
    finally:
        ctx.db.close()


async def test_the_footer_shows_more_keys_as_the_desk_widens(tmp_path):
    ctx = demo_ctx(tmp_path)
    try:
        app = create_app(ctx, lang="en", blink=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await _reception(pilot)
            narrow = [k.key for k in footer_keys(app.screen)]
            # the keys a receptionist reported missing at 100 columns
            assert {"s", "u", "i", "f"} <= set(narrow)
            await pilot.resize_terminal(240, 67)
            await settle(pilot)
            await pilot.pause(0.1)
            wide = [k.key for k in footer_keys(app.screen)]
            assert wide[: len(narrow)] == narrow and len(wide) > len(narrow)
            assert "f2" in wide  # the screens' keys once there is room
            assert "-narrow" not in app.screen.classes
    finally:
        ctx.db.close()


async def test_the_meeting_folds_its_callbacks_on_a_small_screen_and_unfolds_when_wider(
    tmp_path,
):
    """The narrow table shows the report's figures (the callbacks as due/done/overdue),
    and a resize across 120 columns lays the table out again, F6's Team tab too."""
    from deskterm.services.report import as_json, daily_report
    from tests.ui_helpers import table_rows

    ctx = demo_ctx(tmp_path)
    data = as_json(daily_report(ctx))
    n = len(data["levels"])
    try:
        app = create_app(ctx, lang="en", blink=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await _meeting(pilot)
            rows = {r[0]: r for r in table_rows(app.screen, "#people")}
            for p in data["salespeople"]:
                row = rows[p["name"]]
                assert row[1] == str(p["receptions"])
                assert row[2 + n] == (
                    f"{p['callbacks_due']}/{p['callbacks_done']}/{p['callbacks_overdue']}"
                )
            await pilot.resize_terminal(160, 45)
            await settle(pilot)
            head = [str(c.label) for c in app.screen.query_one("#people").ordered_columns]
            assert head[2 + n : 5 + n] == ["Due", "Done", "Overdue"]
            await _manager(pilot)
            head = [str(c.label) for c in app.screen.query_one("#team").ordered_columns]
            assert head[2 + n : 5 + n] == ["Due", "Done", "Overdue"]
            await pilot.resize_terminal(100, 30)
            await settle(pilot)
            team = app.screen.query_one("#team", DataTable)
            assert str(team.ordered_columns[2 + n].label) == "Due/done/\noverdue"
            assert team.row_count == len(data["salespeople"]) + 1
    finally:
        ctx.db.close()


async def test_the_highlighted_rows_long_text_shows_whole_under_the_table(tmp_path):
    """A note (F3), why a customer is in the pool (F7): the last column a small screen
    cuts, shown whole under the table for the highlighted row, and following the cursor."""
    ctx = demo_ctx(tmp_path)
    try:
        app = create_app(ctx, lang="en", blink=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await _callbacks(pilot)
            screen = app.screen
            table = screen.query_one("#calls", DataTable)
            for row in range(table.row_count):
                table.move_cursor(row=row)
                await pilot.pause()
                item = next(
                    c
                    for c in screen.items
                    if str(c.id) == table.coordinate_to_cell_key((row, 0)).row_key.value
                )
                shown = str(screen.query_one("#calls-note").render())
                assert shown == (f"{item.customer}: {item.last_note}" if item.last_note else "")
            await _marketing(pilot)
            pool = app.screen.query_one("#pool", DataTable)
            pool.move_cursor(row=0)
            await pilot.pause()
            first = pool.get_row_at(0)
            assert str(app.screen.query_one("#pool-why").render()) == f"{first[0]}: {first[-1]}"
            assert str(pool.ordered_columns[-1].label) == "Why in the pool"
    finally:
        ctx.db.close()


async def test_a_cell_drawn_before_its_column_was_measured_is_drawn_again_whole():
    """Textual caches a drawn cell without its width: a row drawn before the table
    measured it stayed cut at the header's width ("Jaso" for "Jason Ma") until
    widgets.tables made the table draw it again."""
    from textual.app import App, ComposeResult

    import deskterm.ui.widgets.tables  # noqa: F401 (installs the redraw)

    class OneTable(App[None]):
        CSS = "DataTable { width: 1fr; height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield DataTable()

    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(DataTable)
        table.add_column("A")
        await pilot.pause()
        table.add_row("Jason Ma")
        early = "".join(s.text for s in table.render_line(1))  # before the table's idle
        assert "Jason Ma" not in early  # what the cache kept, without the redraw
        await pilot.pause()
        await pilot.pause()
        assert "Jason Ma" in "".join(s.text for s in table.render_line(1))


def _shown(screen, selector: str, name: str) -> bool:
    """The line under a table is about ``name`` (it follows the cursor)."""
    return str(screen.query_one(selector).render()).startswith(
        name + _("{name}: {figures}", name="", figures="")[:1]
    )


TINY = [(80, 24), (86, 24), (90, 30), (99, 30)]


@pytest.mark.parametrize("size", TINY, ids=[f"{w}x{h}" for w, h in TINY])
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_meeting_tables_fit_an_80_column_terminal_with_the_reports_figures(
    lang, size, tmp_path
):
    """F5 and F6 Team under 100 columns: every column's right edge on screen, the folded
    cells (levels, callbacks, won/upgrades, form/contact) the report's own figures, a
    name cut only with "…", and the line under the table the highlighted row's full
    name and figures (the with-contact conversion the tiny table leaves out)."""
    from deskterm.i18n import set_language
    from deskterm.services.report import as_json, daily_report
    from deskterm.ui.widgets.tables import pct
    from tests.ui_helpers import table_rows

    ctx = demo_ctx(tmp_path)
    try:
        app = create_app(ctx, lang=lang, blink=False)
        async with app.run_test(size=size) as pilot:
            set_language(lang)  # the report's words (Team) in the screen's language
            data = as_json(daily_report(ctx))
            levels = data["levels"]
            names = {lv: app.screen.level_name(lv) for lv in levels}
            everyone = {p["id"]: p for p in data["salespeople"]}
            everyone[0] = {**data["team"], "name": _("Team"), "id": 0}

            def check_row(row: list[str], p: dict) -> None:
                name = p["name"]
                assert row[0] == name or (
                    row[0].endswith("…") and name.startswith(row[0][:-1]) and len(name) > 1
                ), (row[0], name)
                assert row[1] == str(p["receptions"])
                assert row[2] == "/".join(str(p[lv]) for lv in levels)
                assert row[3] == f"{p['callbacks_due']}/{p['callbacks_done']}/" + str(
                    p["callbacks_overdue"]
                )
                assert row[4] == pct(p["conversion_rate"])

            def check_detail(detail: str, p: dict) -> None:
                assert detail.startswith(p["name"])
                for lv in levels:
                    assert f"{names[lv]} {p[lv]}" in detail
                assert pct(p.get("conversion_rate_with_contact")) in detail

            await _meeting(pilot)
            await pilot.pause(0.1)
            screen = app.screen
            table = screen.query_one("#people", DataTable)
            assert not people_problems(table, size[0])
            assert not column_problems(table)
            keys = [
                table.coordinate_to_cell_key((r, 0)).row_key.value for r in range(table.row_count)
            ]
            for key, row in zip(keys, table_rows(screen, "#people"), strict=True):
                p = everyone[int(key)]
                check_row(row, p)
                assert row[5] == f"{p['won']}/{p['upgrades']}"
                assert row[6:] == [pct(p["form_completeness"]), pct(p["contact_capture_rate"])]
            assert len(table.ordered_columns) == 8
            for r in range(table.row_count):
                table.move_cursor(row=r)
                p = everyone[int(table.coordinate_to_cell_key((r, 0)).row_key.value)]
                await wait_for(pilot, lambda p=p: _shown(screen, "#people-detail", p["name"]))
                detail = str(screen.query_one("#people-detail").render())
                check_detail(detail, p)
                assert f"{p['won']}" in detail and f"{p['upgrades']}" in detail

            await _manager(pilot)
            await pilot.pause(0.1)
            screen = app.screen
            team = screen.query_one("#team", DataTable)
            assert not people_problems(team, size[0])
            assert not column_problems(team)
            assert len(team.ordered_columns) == 8
            for r, row in enumerate(table_rows(screen, "#team")):
                p = everyone[int(team.coordinate_to_cell_key((r, 0)).row_key.value)]
                check_row(row, p)
                assert row[7] == (f"{pct(p['form_completeness'])}/{pct(p['contact_capture_rate'])}")
                team.move_cursor(row=r)
                await wait_for(pilot, lambda p=p: _shown(screen, "#team-detail", p["name"]))
                check_detail(str(screen.query_one("#team-detail").render()), p)
    finally:
        ctx.db.close()


async def test_the_tiny_layout_gives_way_to_the_narrow_one_when_the_screen_widens(tmp_path):
    """Across 100 columns F5 and F6 Team are laid out again: every figure stays on
    screen, and the line under the table only shows under the tiny one."""
    ctx = demo_ctx(tmp_path)
    try:
        app = create_app(ctx, lang="en", blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _meeting(pilot)
            assert app.screen.query_one("#people-detail").display
            await pilot.resize_terminal(100, 30)
            await settle(pilot)
            await pilot.pause(0.1)
            table = app.screen.query_one("#people", DataTable)
            assert not app.screen.query_one("#people-detail").display
            assert len(table.ordered_columns) > 8
            assert not people_problems(table, 100)
            await _manager(pilot)
            assert not app.screen.query_one("#team-detail").display
            await pilot.resize_terminal(80, 24)
            await settle(pilot)
            await pilot.pause(0.1)
            team = app.screen.query_one("#team", DataTable)
            assert app.screen.query_one("#team-detail").display
            assert len(team.ordered_columns) == 8
            assert not people_problems(team, 80)
    finally:
        ctx.db.close()


def test_the_tiny_levels_header_and_names_fit_any_shops_levels_and_names():
    """Four levels, long names: the header abbreviates only when neither one nor two
    lines fit; a name is cut with "…" (as plain text), the figures never."""
    from deskterm.ui.widgets.people import fit_names, levels_head

    assert levels_head(["hot", "warm", "cold"], 13) == "hot/warm/cold"
    assert levels_head(["hot", "warm", "cold"], 11) == "hot/warm/\ncold"
    assert levels_head(["准购买", "意向", "潜在"], 11) == "准购买/\n意向/潜在"
    assert levels_head(["H级", "A级", "B级", "C级"], 7) == "H/A/B/C"
    assert levels_head(["hot", "hotter", "warm", "cold"], 5) == "hot/hott/warm/cold"  # distinct
    head = ["Salesperson", "Recep-\ntions", "26/42/57"]
    rows = [["[bold red]x[/] 欧阳娜娜 a|b Manager", "10", "198/289/403"], ["Li", "1", "1/2/3"]]
    fitted = fit_names(head, rows, 40)
    name = fitted[0][0]
    assert str(name).endswith("…") and rows[0][0].startswith(str(name)[:-1])
    room = 40 - (6 + 2) - (11 + 2) - 2  # what the figures leave
    assert room - 2 <= cell_len(str(name)) <= room
    assert not getattr(name, "spans", [])  # no markup was parsed
    assert fitted[0][1:] == rows[0][1:] and fitted[1] == rows[1]
    # Never narrower than the header, whatever the room.
    assert cell_len(str(fit_names(head, rows, 10)[0][0])) <= cell_len("Salesperson")


def cut_columns(table: DataTable, width: int) -> list[int]:
    """The indexes of the columns whose right edge is off screen (by index: F6 Reasons
    has two columns headed "Most often")."""
    room = min(table.scrollable_content_region.width, width - table.region.x)
    cut, x = [], 0
    for index, column in enumerate(table.ordered_columns):
        x += column.get_render_width(table)
        if x > room:
            cut.append(index)
    return cut


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_manager_tab_at_80_columns_fits_or_shows_the_cut_text_under_it(lang, tmp_path):
    """Issue 16: every F6 tab at 80x24 either has every column's right edge on screen,
    or the line under its table (RowDetail) shows the highlighted row's cut cells whole,
    following the cursor (the Reasons tab's "most often" in English, a lost request's
    note, an audit change)."""
    from deskterm.ui.widgets.detail import RowDetail
    from tests.test_snapshots import MANAGER_TABS, _manager_tab

    ctx = demo_ctx(tmp_path)
    problems: list[str] = []
    with_detail: set[str] = set()
    try:
        app = create_app(ctx, lang=lang, blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            for tab, first_table in {"team": "team", **MANAGER_TABS}.items():
                await _manager_tab(tab, first_table)(pilot)
                await pilot.pause(0.1)  # the DataTables' lazy column sizing
                screen = app.screen
                first_widget = first_table or f"{tab}-tab"  # a tab of charts has no table
                await wait_for(
                    pilot, lambda s=screen, t=first_widget: s.query_one(f"#{t}").size.width > 0
                )
                for table in screen.query(f"#tab-{tab} DataTable").results(DataTable):
                    problems += [f"{tab}: {p}" for p in column_problems(table)]
                    cut = cut_columns(table, 80)
                    if not cut:
                        continue
                    details = screen.query(f"#{table.id}-detail").results(RowDetail)
                    detail = next(iter(details), None)
                    if detail is not None and detail.display:
                        # A tab taller than 24 lines scrolls (the Reasons tab with the
                        # demo's countermeasures): the line is read where its table is.
                        detail.scroll_visible(animate=False)
                        await pilot.pause(0.05)
                    if detail is None or not detail.display or detail.region.bottom > 23:
                        problems.append(f"{tab}: #{table.id} cuts {cut} with no line under it")
                        continue
                    with_detail.add(str(table.id))
                    for row in range(min(table.row_count, 10)):
                        table.move_cursor(row=row)
                        cells = [str(table.get_row_at(row)[i]) for i in cut]
                        wanted = [c for c in cells if c.strip()]

                        def shown(detail=detail, wanted=wanted) -> bool:
                            text = str(detail.render())
                            return all(c in text for c in wanted)

                        try:
                            await wait_for(pilot, shown, timeout=2)
                        except AssertionError:
                            problems.append(
                                f"{tab}: row {row} of #{table.id} cuts {wanted}, "
                                f"the line under it shows {str(detail.render())!r}"
                            )
    finally:
        ctx.db.close()
    assert not problems
    # What the demo's data cuts at 80 columns (so the check above really ran).
    assert "audit" in with_detail
    if lang == "en":  # English reasons are longer
        assert {"lost", "reasons-people"} <= with_detail
