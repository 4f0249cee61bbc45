"""F5 Meeting: the day's figures, the same numbers as ``deskterm report``."""

from __future__ import annotations

from datetime import timedelta

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, Static

from deskterm.i18n import N_, _
from deskterm.services.report import Report, as_json, daily_report
from deskterm.ui.screens.base import DeskScreen


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


class MeetingScreen(DeskScreen):
    """The daily sales meeting, laid out for the team; [ and ] move a day."""

    BINDINGS = [
        Binding("left_square_bracket", "day(-1)", N_("Previous day"), id="meeting.prev"),
        Binding("right_square_bracket", "day(1)", N_("Next day"), id="meeting.next"),
        Binding("t", "today", N_("Today"), id="meeting.today"),
    ]

    def __init__(self) -> None:
        super().__init__(id="meeting")
        self.day = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("", id="summary")
            yield DataTable(id="people", cursor_type="row", zebra_stripes=True)
            yield Label(_("Tomorrow's callbacks"), classes="pane-title")
            yield Static("", id="tomorrow")
            yield Label(_("Stale customers"), classes="pane-title")
            yield Static("", id="stale")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        self.load(self.day)

    def action_day(self, step: int) -> None:
        self.day = (self.day or self.ctx.today()) + timedelta(days=step)
        self.refresh_data()

    def action_today(self) -> None:
        self.day = None
        self.refresh_data()

    @work(thread=True, exclusive=True, group="meeting")
    def load(self, day) -> None:  # type: ignore[no-untyped-def]
        report = daily_report(self.ctx, day)
        self.app.call_from_thread(self.show, report)

    def show(self, report: Report) -> None:
        data = as_json(report)
        r, c = data["receptions"], data["callbacks"]
        self.query_one("#summary", Static).update(
            _("Daily meeting report — {day}", day=data["date"]) + "\n"
            + _("Receptions: {total} ({with_c} with contact, {without} without), "
                "{uncounted} not counted", total=r["total"], with_c=r["with_contact"],
                without=r["without_contact"], uncounted=r["uncounted"]) + "\n"
            + _("Callbacks: {due} due, {done} done, {overdue} overdue", due=c["due"],
                done=c["done"], overdue=c["overdue"]))
        table = self.query_one("#people", DataTable)
        levels = data["levels"]
        table.clear(columns=True)
        table.add_columns(_("Salesperson"), _("Receptions"),
                          *[self.level_name(lv) for lv in levels], _("Due"), _("Done"),
                          _("Overdue"), _("Upgrades"), _("Won"), _("Conversion"), _("Form"),
                          _("Contact"))
        for p in [*data["salespeople"], {**data["team"], "name": _("Team"), "id": 0}]:
            table.add_row(p["name"], str(p["receptions"]), *[str(p[lv]) for lv in levels],
                          str(p["callbacks_due"]), str(p["callbacks_done"]),
                          str(p["callbacks_overdue"]), str(p["upgrades"]), str(p["won"]),
                          _pct(p["conversion_rate"]), _pct(p["form_completeness"]),
                          _pct(p["contact_capture_rate"]), key=str(p["id"]))
        self.query_one("#tomorrow", Static).update("   ".join(
            f"{t['salesperson']} {t['callbacks']}" + (f" (+{t['overdue']})" if t["overdue"]
                                                       else "") for t in data["tomorrow"]))
        self.query_one("#stale", Static).update(
            _("At risk: {n}; to reassign: {m}; stalled: {k}", n=len(data["at_risk"]),
              m=len(data["to_reassign"]), k=len(data["stalled"])) + "\n" + "\n".join(
                f"  {i['name']} · {self.level_name(i['level'])} · {i['owner']} · "
                + _("{n} d over", n=i["days_over"]) for i in data["at_risk"][:8]))
