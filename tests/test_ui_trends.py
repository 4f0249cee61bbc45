"""The Trends tab (issue 18): its charts from a hand-built view, ``r`` for 6 or 12 months,
the layout at each width, both languages, and a storage error while loading."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from deskterm.domain.analysis import ReasonsTable
from deskterm.errors import StorageError
from deskterm.services import trends as trends_service
from deskterm.services.trends import MonthFigures, TargetTrack, Trends
from deskterm.ui.app import create_app
from deskterm.ui.screens.manager.funnel import FunnelTab
from deskterm.ui.screens.manager.reasons import ReasonsTab
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.trends import TrendsTab
from deskterm.ui.screens.manager.views import TrendsView
from deskterm.ui.widgets.charts import Chart
from tests.ui_helpers import demo_ctx, settle, wait_for

HOSTILE = "[/b] Li [b]Na"
CHARTS = (
    "trends-receptions",
    "trends-rates",
    "trends-no-contact",
    "trends-lost",
    "trends-target-receptions",
    "trends-target-sales",
)


class OneTab(App[None]):
    def __init__(self, tab: ManagerTab[object]) -> None:
        super().__init__()
        self.tab = tab

    def compose(self) -> ComposeResult:
        yield self.tab


def _view(with_targets: bool = True) -> TrendsView:
    months = ("2026-10", "2026-11")
    table = ReasonsTable(
        list(months),
        Counter({"weird": 3}),
        {7: Counter({"weird": 3})},
        {"weird": {"2026-10": 1, "2026-11": 2}},
    )
    days = (date(2026, 11, 1), date(2026, 11, 2))
    return TrendsView(
        Trends(
            date(2026, 11, 2),
            months,
            (
                MonthFigures("2026-10", 30, 25, 20, 3, 20 / 30, 3 / 25),
                MonthFigures("2026-11", 4, 3, 2, 1, 0.5, 1 / 3),
            ),
            table,
            ReasonsTable(list(months)),
            TargetTrack(
                date(2026, 11, 1),
                days,
                (2, 4),
                (0, 1),
                (3, 6) if with_targets else None,
                (0, 1) if with_targets else None,
            ),
        ),
        {"no_contact": {"weird": HOSTILE}},
    )


def _text(app: App[None], chart_id: str) -> str:
    return "\n".join(app.screen.query_one(f"#{chart_id}", Chart).plain_lines())


@pytest.mark.parametrize("width", [160, 100])
async def test_the_tab_draws_six_charts_from_a_hand_built_view(width):
    tab = TrendsTab()
    app = OneTab(tab)
    async with app.run_test(size=(width, 45)) as pilot:
        tab.post_message(ManagerTab.Loaded(_view(), 1))
        await wait_for(pilot, lambda: tab.view is not None)
        await pilot.pause()
        texts = {c: _text(app, c) for c in CHARTS}
        sizes = {c: app.screen.query_one(f"#{c}", Chart).content_size for c in CHARTS}
    assert "Receptions and first visits by month" in texts["trends-receptions"]
    assert HOSTILE in texts["trends-no-contact"]  # a shop's reason name, as typed
    assert "No customer was lost." in texts["trends-lost"]
    assert "target to date" in texts["trends-target-receptions"]
    for c in CHARTS:  # every line of every chart exactly its width in cells
        assert {cell_len(line) for line in texts[c].split("\n")} == {sizes[c].width}


async def test_no_target_is_said_in_the_chart_not_left_blank():
    tab = TrendsTab()
    app = OneTab(tab)
    async with app.run_test(size=(160, 45)) as pilot:
        tab.post_message(ManagerTab.Loaded(_view(with_targets=False), 1))
        await wait_for(pilot, lambda: tab.view is not None)
        await pilot.pause()
        text = _text(app, "trends-target-sales")
    assert "No target set this month" in text
    assert "⠀" not in text.split("\n")[0]  # the title line is text


async def _open_trends(pilot, app) -> TrendsTab:
    await pilot.press("f6")
    await wait_for(pilot, lambda: app.screen.query_one("#stale").row_count > 0)
    app.screen.query_one("#tabs").active = "tab-trends"
    tab = app.screen.query_one(TrendsTab)
    await wait_for(pilot, lambda: tab.view is not None)
    await settle(pilot)
    return tab


async def test_r_switches_six_and_twelve_months_and_the_layout_follows_the_width(tmp_path):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        tab = await _open_trends(pilot, app)
        assert len(tab.view.trends.months) == 6
        first = app.screen.query_one("#trends-receptions", Chart)
        second = app.screen.query_one("#trends-rates", Chart)
        assert first.region.y == second.region.y  # two a row
        await pilot.press("r")
        await wait_for(pilot, lambda: len(tab.view.trends.months) == 12)
        assert "Dec" in _text(app, "trends-receptions")  # 2025-12 on the axis
        await pilot.press("r")
        await wait_for(pilot, lambda: len(tab.view.trends.months) == 6)
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        await wait_for(pilot, lambda: second.region.y > first.region.y)  # stacked
        assert first.content_size.width > 80
        y = tab.scroll_y
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: tab.scroll_y > y)  # the stack scrolls from the keys
        await pilot.resize_terminal(160, 45)
        await wait_for(pilot, lambda: first.region.y == second.region.y)
    ctx.db.close()


async def test_the_tab_in_chinese(tmp_path):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, lang="zh", blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _open_trends(pilot, app)
        assert "每月接待量与首次到店" in _text(app, "trends-receptions")
        assert "11月" in _text(app, "trends-receptions")
        assert "截至当日目标" in _text(app, "trends-target-receptions")
    ctx.db.close()


async def test_a_storage_error_while_loading_is_one_message_not_a_traceback(tmp_path, monkeypatch):
    ctx = demo_ctx(tmp_path)

    def broken(*args: object, **kwargs: object) -> Trends:
        raise StorageError("The database is busy: try again.")

    monkeypatch.setattr(trends_service, "trends", broken)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("f6")
        await settle(pilot)
        # The trends are read when their tab opens (not on every reload of the screen).
        app.screen.query_one("#tabs").active = "tab-trends"
        await wait_for(
            pilot, lambda: any("busy" in str(n.message) for n in app._notifications), timeout=20
        )
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert app.screen.query_one(TrendsTab).view is None
    ctx.db.close()


async def test_the_funnel_and_reasons_tabs_draw_their_charts(tmp_path):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.screen.query_one(FunnelTab).view is not None)
        await settle(pilot)
        app.screen.query_one("#tabs").active = "tab-funnel"
        await settle(pilot)
        team = _text(app, "funnel-team-chart")
        assert "received" in team and "⣿" in team and "#" not in team
        assert "%" in _text(app, "funnel-people-chart")
        app.screen.query_one("#tabs").active = "tab-reasons"
        await settle(pilot)
        assert app.screen.query_one(ReasonsTab).query_one("#reasons-charts").display
        assert "Lost reasons by month" in _text(app, "reasons-lost-chart")
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert not app.screen.query_one("#reasons-charts").display  # no room: the counts
        assert not app.screen.query_one("#funnel-people-chart").display
    ctx.db.close()
