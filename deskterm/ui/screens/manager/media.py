"""The Media tab: where the month's visitors came from, what the shop spent on each medium,
and what each visitor and each sale cost (issue 18: "every visitor is bought with
money", measured). ``s`` sets the highlighted medium's spend for the month shown, ``f``
fills in last month's spend where none is set, ``[`` / ``]`` show the month before / after."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Static

from deskterm.domain.media import MediaRow, parse_amount
from deskterm.i18n import N_, _
from deskterm.services import media
from deskterm.services.labels import media_legend, media_name, money
from deskterm.ui.screens.dialogs import ConfirmScreen, TextPromptScreen
from deskterm.ui.screens.manager.funnel import CHART_ROWS_MIN
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import MediaView
from deskterm.ui.widgets import media as media_widgets
from deskterm.ui.widgets.charts import PALETTE, Chart, bar_chart
from deskterm.ui.widgets.detail import RowDetail


class MediaTab(ManagerTab[MediaView]):
    """One row per medium, the unrecorded visitors, and all media together."""

    BINDINGS = [
        Binding("s", "spend", N_("Set spend"), id="manager.media_spend"),
        Binding("f", "copy", N_("Spend from last month"), id="manager.media_copy"),
        Binding("delete", "clear_spend", N_("Remove spend"), id="manager.media_clear"),
        Binding("left_square_bracket", "month(-1)", N_("Previous month"), id="manager.media_prev"),
        Binding("right_square_bracket", "month(1)", N_("Next month"), id="manager.media_next"),
    ]

    class MonthChosen(Message):
        """The manager asked for another month: the screen loads it."""

        def __init__(self, month: date) -> None:
            super().__init__()
            self.month = month

    def __init__(self) -> None:
        super().__init__(id="media-tab")
        self._wide: bool | None = None
        self._month: date | None = None  # the month asked for last ([ and ])

    def compose(self) -> ComposeResult:
        yield Static("", id="media-legend", classes="hint", markup=False)
        yield DataTable(id="media", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="media-detail")
        with Horizontal(id="media-charts"):
            yield Chart(id="media-cost-chart")
            yield Chart(id="media-visitors-chart")

    def on_mount(self) -> None:
        # As tall as its rows, not the app's 1fr: the charts sit right under it.
        self.query_one("#media", DataTable).styles.height = "auto"

    def _show_charts(self) -> None:
        """Under the table: what a visitor cost, and how many came, medium by medium."""
        view = self.view
        if view is None:
            return
        rep = view.report
        named = [(media_name(rep, r.code), r) for r in rep.rows]
        costs = [
            (name, float(r.cost_per_visitor), money(r.cost_per_visitor))
            for name, r in named
            if r.cost_per_visitor is not None
        ]
        came = [(name, float(r.visitors), str(r.visitors)) for name, r in named if r.visitors]
        cost_title = _("What a visitor cost, by medium")
        came_title = _("First visits, by medium")
        none = _("No spend entered for the month.")
        nobody = _("No first visit this month.")
        self.query_one("#media-cost-chart", Chart).draw(
            lambda w, h: bar_chart(cost_title, costs, w, h, colors=(PALETTE[1],), note=none)
        )
        self.query_one("#media-visitors-chart", Chart).draw(
            lambda w, h: bar_chart(came_title, came, w, h, note=nobody)
        )
        # a title line and a bar a line
        rows = 1 + max(len(costs), len(came), 1)
        self.query_one("#media-charts", Horizontal).styles.height = max(rows, CHART_ROWS_MIN)

    def show(self, view: MediaView) -> None:
        self._wide = self.width_columns >= media_widgets.WIDE_FROM
        media_widgets.fill(self.query_one("#media", DataTable), view.report, self.width_columns)
        self.query_one("#media-legend", Static).update(
            media_legend(view.report)
            + "\n"
            + _(
                "s sets the highlighted medium's spend (Delete removes it) · f fills in last "
                "month's · [ ] other months"
            )
        )
        self.show_detail()
        self._show_charts()

    def fit(self) -> None:
        if self.view is not None and (self.width_columns >= media_widgets.WIDE_FROM) != self._wide:
            self.show(self.view)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted medium's month in words (the month's whole spend too, which a
        narrow screen leaves out of the table)."""
        text = ""
        row = self._row(selected_key(self.query_one("#media", DataTable)))
        if self.view is not None and row is not None:
            name = (
                _("All media")
                if row is self.view.report.total
                else self.view.report.name(row.code) or _("not recorded")
            )
            text = _(
                "{name}: spend {month} this month, {to_date} to date; {visitors} visitors, "
                "{contacts} left contact, {sales} sales; {per_visitor} a visitor, "
                "{per_sale} a sale",
                name=name,
                month=money(row.spend_month),
                to_date=money(row.spend_to_date),
                visitors=row.visitors,
                contacts=row.contacts,
                sales=row.sales,
                per_visitor=money(row.cost_per_visitor),
                per_sale=money(row.cost_per_sale),
            )
        self.query_one("#media-detail", RowDetail).update(text)

    def _row(self, key: str | None) -> MediaRow | None:
        if self.view is None or key is None:
            return None
        if key == media_widgets.TOTAL_KEY:
            return self.view.report.total
        return next(
            (r for r in self.view.report.rows if media_widgets.row_key(r.code) == key), None
        )

    def action_spend(self) -> None:
        """Ask the highlighted medium's spend for the month shown (prefilled)."""
        if self.view is None:
            return
        row = self._row(selected_key(self.query_one("#media", DataTable)))
        if row is None or row.code is None:
            self.notify(
                _("Highlight a medium to enter what was spent on it."),
                severity="warning",
                markup=False,
            )
            return
        ctx, code, month = self.desk.ctx, row.code, self.view.report.month

        def typed(text: str | None) -> None:
            if text is None:
                return
            self.run_service(
                media.set_spend,
                ctx,
                month,
                code,
                text,
                then=lambda amount: self.notify(
                    _("Spend saved: {amount}.", amount=money(amount)), markup=False
                ),
            )

        self.app.push_screen(
            TextPromptScreen(
                _(
                    "Spent on {medium} in {month} (whole amount; 1.2万 = 12,000):",
                    medium=self.view.report.name(code),
                    month=month.isoformat()[:7],
                ),
                str(row.spend_month) if row.spend_month else "",
                check=parse_amount,
            ),
            typed,
        )

    def action_copy(self) -> None:
        """Carry last month's spend into the month shown, where none is entered yet."""
        if self.view is None:
            return
        self.run_service(
            media.copy_spend,
            self.desk.ctx,
            self.view.report.month,
            then=lambda n: self.notify(
                _("Copied the spend on {n} media from last month.", n=n)
                if n
                else _("Nothing copied: last month had no spend, or this month has it already."),
                markup=False,
            ),
        )

    def action_month(self, step: int) -> None:
        """The month before (-1) or after (1) the one asked for last: ``[`` pressed three
        times quickly goes back three months, not one (the loads come after the keys)."""
        base = self._month or (self.view.report.month if self.view is not None else None)
        if base is None:
            return
        self._month = base + relativedelta(months=step)
        self.post_message(self.MonthChosen(self._month))

    def action_clear_spend(self) -> None:
        """Remove the highlighted medium's spend for the month shown (not known again,
        rather than 0), after a question that names it."""
        row = self._row(selected_key(self.query_one("#media", DataTable)))
        if self.view is None or row is None or row.code is None or row.spend_month is None:
            return
        ctx, code, month = self.desk.ctx, row.code, self.view.report.month

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(media.clear_spend, ctx, month, code)

        self.app.push_screen(
            ConfirmScreen(
                _(
                    "Remove the spend on {medium} in {month} ({amount})?",
                    medium=self.view.report.name(code),
                    month=month.isoformat()[:7],
                    amount=money(row.spend_month),
                )
            ),
            answered,
        )
