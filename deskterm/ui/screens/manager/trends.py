"""The Trends tab: the last months as charts a manager reads at a glance (issue 18).

Receptions and first visits, contact capture and conversion, the no-contact and lost
reasons by month (the top few by name, the rest as "other"), and the month so far
against its targets, day by day. Two charts a row from 120 columns, one under it (the
tab scrolls); ``r`` switches between 6 and 12 months.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Static

from deskterm.i18n import N_, _
from deskterm.services.trends import DEFAULT_MONTHS, Trends
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.manager.reasons import month_head, reason_series
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import TrendsView
from deskterm.ui.screens.manager.words import reason_names
from deskterm.ui.widgets.charts import PALETTE, Chart, Series, line_chart

#: What ``r`` switches between.
MONTH_CHOICES = (DEFAULT_MONTHS, 12)
#: The charts, in their order on screen (two a row from 120 columns).
CHART_IDS = (
    "trends-receptions",
    "trends-rates",
    "trends-no-contact",
    "trends-lost",
    "trends-target-receptions",
    "trends-target-sales",
)
#: Under the wide layout each chart is this tall (the tab scrolls).
NARROW_CHART_ROWS = 12
#: A chart is never shorter than this, however short the screen.
MIN_CHART_ROWS = 10


def pct(v: float) -> str:
    """A rate as a whole per cent."""
    return f"{v:.0%}"


def count(v: float) -> str:
    """A count as a whole number."""
    return f"{v:.0f}"


def charts(view: TrendsView) -> dict[str, Callable[[int, int], Text]]:
    """Each chart's drawing by its widget's id, from ``view`` (for any size)."""
    t: Trends = view.trends
    months = [month_head(m) for m in t.months]
    f = t.figures
    track = t.target
    days = [str(d.day) for d in track.days]

    def lines(
        title: str,
        labels: Sequence[str],
        series: list[Series],
        fmt: Callable[[float], str] = count,
        note: str = "",
    ) -> Callable[[int, int], Text]:
        return lambda w, h: line_chart(title, labels, series, w, h, fmt, note)

    def against(
        label: str, actual: tuple[int, ...], target: tuple[int, ...] | None
    ) -> list[Series]:
        out = [Series(label, [float(n) for n in actual], PALETTE[0])]
        if target is not None:
            out.append(
                Series(_("target to date"), [float(n) for n in target], PALETTE[1], dotted=True)
            )
        return out

    no_target = _("No target set this month: t on the Targets tab sets one.")
    return {
        "trends-receptions": lines(
            _("Receptions and first visits by month"),
            months,
            [
                Series(_("receptions"), [m.receptions for m in f], PALETTE[0]),
                Series(_("first visits"), [m.first_visits for m in f], PALETTE[1]),
                Series(_("won"), [m.won for m in f], PALETTE[2]),
            ],
        ),
        "trends-rates": lines(
            _("Contact capture and conversion by month"),
            months,
            [
                Series(_("contact capture"), [m.capture_rate for m in f], PALETTE[0]),
                Series(_("conversion"), [m.conversion_rate for m in f], PALETTE[2]),
            ],
            pct,
        ),
        "trends-no-contact": lines(
            _("No-contact reasons by month"),
            months,
            reason_series(t.no_contact, reason_names("no_contact", view.names)),
            note="" if t.no_contact.by_reason else _("No visitor left without contact."),
        ),
        "trends-lost": lines(
            _("Lost reasons by month"),
            months,
            reason_series(t.lost, reason_names("lost", view.names)),
            note="" if t.lost.by_reason else _("No customer was lost."),
        ),
        "trends-target-receptions": lines(
            _("Receptions this month to date, by day"),
            days,
            against(_("receptions"), track.receptions, track.receptions_target),
            note="" if track.receptions_target is not None else no_target,
        ),
        "trends-target-sales": lines(
            _("Sales this month to date, by day"),
            days,
            against(_("won"), track.sales, track.sales_target),
            note="" if track.sales_target is not None else no_target,
        ),
    }


class TrendsTab(ManagerTab[TrendsView]):
    """Six charts of the last months and this month's targets; ``r`` 6 or 12 months."""

    DEFAULT_CSS = """
    TrendsTab {
        height: 1fr;
        overflow-y: auto;
    }
    TrendsTab #trends-grid {
        layout: grid;
        grid-size: 2;
        grid-columns: 1fr 1fr;
        grid-rows: 12;
        grid-gutter: 0 1;
        height: auto;
    }
    """

    BINDINGS = [
        # The Funnel's "period" key and id: a shop that moves one moves both.
        Binding("r", "months", N_("6 or 12 months"), id="manager.range"),
        # Under 120 columns the charts are stacked: the keys scroll them, wherever the
        # focus is (the tab strip keeps it; it takes left and right only).
        Binding("down", "scroll_down", N_("Scroll down"), show=False),
        Binding("up", "scroll_up", N_("Scroll up"), show=False),
        Binding("pagedown", "page_down", N_("Page down"), show=False),
        Binding("pageup", "page_up", N_("Page up"), show=False),
    ]

    class MonthsChosen(Message):
        """The manager asked for another number of months: the screen loads them."""

        def __init__(self, months: int) -> None:
            super().__init__()
            self.months = months

    def __init__(self) -> None:
        super().__init__(id="trends-tab")

    def compose(self) -> ComposeResult:
        yield Static("", id="trends-hint", classes="hint", markup=False)
        with Grid(id="trends-grid"):
            for chart_id in CHART_IDS:
                yield Chart(id=chart_id)

    def on_mount(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Three rows of charts fill a wide screen; under 120 columns each is 12 lines."""
        screen = self.screen
        wide = screen.size.width >= DeskScreen.NARROW_BELOW
        # the header, the tab strip (two lines), the hint and the footer take five lines
        rows = max(MIN_CHART_ROWS, (screen.size.height - 5) // 3) if wide else NARROW_CHART_ROWS
        # Grid rows sized by their content would take a Chart's min-height: set, not auto.
        # The columns too: a tab's DEFAULT_CSS is scoped to it, the screen's -narrow
        # class out of its reach.
        columns = "1fr 1fr" if wide else "1fr"
        # And its height: a grid's auto height came out as the whole tab's, one line
        # more than the screen (a scrollbar for nothing).
        per_row = 2 if wide else 1
        height = rows * -(-len(CHART_IDS) // per_row)
        self.query_one("#trends-grid", Grid).set_styles(
            f"grid-rows: {rows}; grid-size: {per_row}; grid-columns: {columns}; height: {height};"
        )

    def show(self, view: TrendsView) -> None:
        t = view.trends
        self.query_one("#trends-hint", Static).update(
            _(
                "The last {n} months to {day} (this month to date); r shows {other} months",
                n=len(t.months),
                day=t.day.isoformat(),
                other=self.other_months(len(t.months)),
            )
        )
        for chart_id, draw in charts(view).items():
            self.query_one(f"#{chart_id}", Chart).draw(draw)

    @staticmethod
    def other_months(shown: int) -> int:
        """What ``r`` switches to from ``shown`` months."""
        return MONTH_CHOICES[1] if shown == MONTH_CHOICES[0] else MONTH_CHOICES[0]

    def action_months(self) -> None:
        """Switch between 6 and 12 months."""
        shown = len(self.view.trends.months) if self.view is not None else MONTH_CHOICES[0]
        self.post_message(self.MonthsChosen(self.other_months(shown)))
