"""F5 Meeting: the day's figures, the same numbers as ``deskterm report``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from deskterm.i18n import N_, _
from deskterm.services import actions, maintenance, media, report_export, targets, traffic
from deskterm.services.actions import ActionView
from deskterm.services.labels import media_legend
from deskterm.services.media import MediaReport
from deskterm.services.report import Report, as_json, daily_report, parse_range, period_bounds
from deskterm.services.targets import TargetBoard
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.dialogs import TextPromptScreen
from deskterm.ui.text import cells
from deskterm.ui.widgets import media as media_widgets
from deskterm.ui.widgets import targets as target_widgets
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.people import (
    TINY_BELOW,
    meeting_detail,
    meeting_narrow,
    meeting_tiny,
    set_columns,
)


class MeetingScreen(DeskScreen):
    """The sales meeting, laid out for the team: a day, week, month or any range.

    -narrow (under 120 columns): the people's table refolded to fit (widgets.people);
    the table is as tall as its rows, the page scrolls, so the Team row is never hidden.
    Under ``TINY_BELOW`` columns (80x24) it folds more and cuts long names to fit; the
    line under it gives the highlighted row in full.
    """

    CSS_PATH = "meeting.tcss"

    BINDINGS = [
        Binding("left_square_bracket", "step(-1)", N_("Previous"), id="meeting.prev"),
        Binding("right_square_bracket", "step(1)", N_("Next"), id="meeting.next"),
        Binding("t", "today", N_("Today"), id="meeting.today"),
        Binding("p", "period", N_("Day/week/month"), id="meeting.period"),
        Binding("r", "range", N_("Range"), id="meeting.range"),
        Binding("x", "export", N_("Export report"), id="meeting.export"),
    ]

    def __init__(self) -> None:
        super().__init__(id="meeting")
        self.period = "day"  # day | week | month | range
        self.first: date | None = None  # None: today's period
        self.last: date | None = None
        self.data: dict | None = None  # the report shown, to lay out again on a resize
        self._layout: tuple[str, int] | None = None  # the table's layout, see _layout_for
        self.board: TargetBoard | None = None  # the targets shown, to fold on a resize
        self.spent: MediaReport | None = None  # the media shown, to refold on a resize
        # Tomorrow's callbacks and targets, to break its line again on a resize.
        self.tomorrow: list[tuple[int, str, int, int]] = []
        self.tomorrow_board: TargetBoard | None = None
        self._targets_folded: bool | None = None

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        with VerticalScroll():
            yield Static("", id="summary", markup=False)
            yield DataTable(id="people", cursor_type="row", zebra_stripes=True)
            detail = RowDetail(id="people-detail")
            detail.display = False  # only under the tiny table
            yield detail
            # The traffic log (issue 19): show rate, turn-over, be-backs, visit length.
            yield Static("", id="traffic-legend", classes="pane-title", markup=False)
            yield DataTable(id="traffic", cursor_type="row", zebra_stripes=True)
            yield Static("", id="targets-legend", classes="pane-title", markup=False)
            yield DataTable(id="targets", cursor_type="row", zebra_stripes=True)
            yield Label(
                _("Tomorrow's callbacks (+n: overdue, still open)"),
                classes="pane-title",
                markup=False,
            )
            yield Static("", id="tomorrow", markup=False)
            yield Label(_("Actions (open, most urgent first)"), classes="pane-title", markup=False)
            yield Static("", id="actions", markup=False)
            yield Static("", id="media-legend", classes="pane-title", markup=False)
            yield DataTable(id="media", cursor_type="row", zebra_stripes=True)
            yield Label(_("Stale customers"), classes="pane-title", markup=False)
            yield Static("", id="stale", markup=False)
        yield DeskFooter()

    def _layout_for(self, width: int) -> tuple[str, int]:
        """The table's layout at ``width``: wide, narrow, or tiny (its names cut to the
        width, so a tiny table is laid out again whenever the width changes)."""
        if width < TINY_BELOW:
            return "tiny", width
        return ("narrow" if width < self.NARROW_BELOW else "wide"), 0

    def _show_tomorrow(self) -> None:
        """Tomorrow's line, broken between people to the page's width."""
        box = self.query_one("#tomorrow", Static)
        width = box.content_size.width or self.size.width - 2
        box.update(target_widgets.tomorrow_line(self.tomorrow, self.tomorrow_board, width))

    def _fit_layout(self) -> None:
        super()._fit_layout()
        if self.is_mounted and self.tomorrow:
            self._show_tomorrow()
        if self.data is not None and self._layout_for(self.size.width) != self._layout:
            self._show_people()
        if self.spent is not None:
            media_widgets.fill(self.query_one("#media", DataTable), self.spent, self.size.width)
        folded = self.size.width < target_widgets.FOLD_BELOW
        if self.board is not None and folded != self._targets_folded:
            target_widgets.fill(self.query_one("#targets", DataTable), self.board, self.size.width)
        self._targets_folded = folded

    def _show_people(self) -> None:
        """The people's figures, as the screen's width allows."""
        data = self.data
        if data is None:
            return
        table = self.query_one("#people", DataTable)
        cursor = table.cursor_row  # a refresh keeps the row the manager is on
        # One table for the screen and every export (services.report_export).
        names = {lv: self.level_name(lv) for lv in data["levels"]}  # 准购买, not "hot"
        head, rows = report_export.people_rows({**data, "level_names": names})
        shown: list[list[object]] = [list(r) for r in rows]
        self._layout = layout = self._layout_for(self.size.width)
        if layout[0] == "tiny":
            # The page's scrollbar takes a column of the screen.
            head, shown = meeting_tiny(head, rows, len(data["levels"]), layout[1] - 1)
        elif layout[0] == "narrow":
            head, shown = meeting_narrow(head, rows, len(data["levels"]))
        set_columns(table, head)
        keys = [str(p["id"]) for p in data["salespeople"]] + ["0"]
        for key, row in zip(keys, shown, strict=True):
            table.add_row(*cells(*row), key=key)
        if 0 < cursor < table.row_count:
            table.move_cursor(row=cursor, animate=False)
        self.query_one("#people-detail", RowDetail).display = layout[0] == "tiny"
        self.show_detail()

    def _show_traffic(self) -> None:
        """The traffic log's table (one row a salesperson, then the team); hidden when
        the report was shown without it."""
        data = self.data
        table = self.query_one("#traffic", DataTable)
        legend = self.query_one("#traffic-legend", Static)
        rows = None if data is None else report_export.traffic_rows(data)
        table.display = legend.display = rows is not None
        if data is None or rows is None:
            return
        head, body = rows
        legend.update(report_export.traffic_title(data))
        cursor = table.cursor_row
        set_columns(table, head)
        keys = [str(p["id"]) for p in data["appointments"]["salespeople"]] + ["0"]
        for key, row in zip(keys, body, strict=True):
            table.add_row(*cells(*row), key=key)
        if 0 < cursor < table.row_count:
            table.move_cursor(row=cursor, animate=False)

    @on(DataTable.RowHighlighted, "#people")
    def show_detail(self) -> None:
        """Under the tiny table: the highlighted row's full name and every figure."""
        data, table = self.data, self.query_one("#people", DataTable)
        detail = self.query_one("#people-detail", RowDetail)
        if data is None or not detail.display or not 0 <= table.cursor_row < table.row_count:
            detail.update("")
            return
        people = [*data["salespeople"], {**data["team"], "name": _("Team")}]
        names = {lv: self.level_name(lv) for lv in data["levels"]}
        detail.update(meeting_detail(people[table.cursor_row], names, data["levels"]))

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def bounds(self) -> tuple[date, date]:
        """The period shown: chosen, or the day / week / month containing today."""
        if self.first is not None and self.last is not None:
            return self.first, self.last
        return period_bounds(self.period if self.period != "range" else "day", self.ctx.today())

    def refresh_data(self) -> None:
        first, last = self.bounds()
        self.load(first, last)

    def action_step(self, step: int) -> None:
        first, last = self.bounds()
        if self.period == "month":
            first = first + relativedelta(months=step)
            first, last = period_bounds("month", first)
        else:
            length = (last - first).days + 1
            first, last = (
                first + timedelta(days=step * length),
                last + timedelta(days=step * length),
            )
        self.first, self.last = first, last
        self.refresh_data()

    def action_today(self) -> None:
        self.first = self.last = None
        if self.period == "range":
            self.period = "day"
        self.refresh_data()

    def action_period(self) -> None:
        order = ("day", "week", "month")
        self.period = order[(order.index(self.period) + 1) % 3] if self.period in order else "day"
        anchor = self.last or self.ctx.today()
        self.first, self.last = period_bounds(self.period, anchor)
        self.refresh_data()

    def action_range(self) -> None:
        today = self.ctx.today()

        def typed(text: str | None) -> None:
            if text is not None:
                self.first, self.last = parse_range(text, today)
                self.period = "range"
                self.refresh_data()

        self.app.push_screen(
            TextPromptScreen(
                _("Period: week, month, 2026-10, or 2026-10-01 2026-10-31"),
                "",
                check=lambda text: parse_range(text, today),
            ),
            typed,
        )

    def action_export(self) -> None:
        first, last = self.bounds()
        folder = maintenance.output_folder(self.ctx, "reports")
        self.run_service(
            report_export.export_meeting,
            self.ctx,
            folder,
            last,
            first,
            then=lambda path: self.notify(
                _("Report written to {path}", path=str(path)), markup=False
            ),
        )

    @work(thread=True, exclusive=True, group="meeting", exit_on_error=False)
    def load(self, first: date, last: date) -> None:
        report = daily_report(self.ctx, last, first)
        # The month of the report's last day so far, against its targets; the actions
        # as they stood at its end.
        board = targets.progress(self.ctx, report.day)
        open_actions = actions.list_actions(self.ctx, day=report.day)
        # Where the month's visitors came from, to the report's last day.
        spent = media.media_report(self.ctx, report.day, report.day)
        # The traffic log of the same period, in the people's order.
        people = [(line.id, line.name) for line in report.salespeople]
        log = traffic.sections(self.ctx, report.first, report.day, people)
        self.app.call_from_thread(self.show, report, board, open_actions, spent, log)

    def show(
        self,
        report: Report,
        board: TargetBoard | None = None,
        open_actions: list[ActionView] | None = None,
        spent: MediaReport | None = None,
        log: dict[str, Any] | None = None,
    ) -> None:
        data = as_json(report, log)
        r, c = data["receptions"], data["callbacks"]
        first, last = self.bounds()
        if first == last:
            title = _("Daily meeting report — {day}", day=data["date"])
        elif data["date"] < last.isoformat():
            # The report stops at today (it never counts days that have not happened);
            # the title still names the week or month chosen, and how far it has got.
            title = _(
                "Meeting report — {first} to {last}, so far (to {day})",
                first=first.isoformat(),
                last=last.isoformat(),
                day=data["date"],
            )
        else:
            title = _(
                "Meeting report — {first} to {last}",
                first=data["period"]["from"],
                last=data["date"],
            )
        self.query_one("#summary", Static).update(
            title
            + "\n"
            + _(
                "Receptions: {total} ({with_c} with contact, {without} without), "
                "{uncounted} not counted",
                total=r["total"],
                with_c=r["with_contact"],
                without=r["without_contact"],
                uncounted=r["uncounted"],
            )
            + "\n"
            + _(
                "Callbacks: {due} due, {done} done, {overdue} overdue",
                due=c["due"],
                done=c["done"],
                overdue=c["overdue"],
            )
        )
        self.data = data
        self._show_people()
        self._show_traffic()
        lines = zip(report.tomorrow_ids, report.tomorrow, strict=True)
        self.tomorrow = [(sid, name, due, overdue) for sid, (name, due, overdue) in lines]
        self.tomorrow_board = board
        self._show_tomorrow()
        if board is not None:
            self.query_one("#targets-legend", Static).update(target_widgets.legend(board))
            self.board = board
            target_widgets.fill(self.query_one("#targets", DataTable), board, self.size.width)
        if open_actions is not None:
            self.query_one("#actions", Static).update(target_widgets.action_lines(open_actions))
        if spent is not None:
            self.spent = spent
            self.query_one("#media-legend", Static).update(media_legend(spent))
            media_widgets.fill(self.query_one("#media", DataTable), spent, self.size.width)
        self.query_one("#stale", Static).update(
            _(
                "At risk: {n}; to reassign: {m}; stalled: {k}",
                n=len(data["at_risk"]),
                m=len(data["to_reassign"]),
                k=len(data["stalled"]),
            )
            + "\n"
            + "\n".join(
                f"  {i['name']} · {self.level_name(i['level'])} · {i['owner']} · "
                + _("{n} d over", n=i["days_over"])
                for i in data["at_risk"][:8]
            )
        )
