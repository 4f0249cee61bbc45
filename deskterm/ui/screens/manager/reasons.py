"""The Reasons tab: why visitors left no contact and customers were lost, by month and
person, with the countermeasures dated on a reason and what changed since."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from deskterm.domain.analysis import BeforeAfter, ReasonsTable
from deskterm.i18n import N_, _
from deskterm.services import countermeasures, manager
from deskterm.services.trends import OTHER, top_reasons
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import ReasonsView
from deskterm.ui.screens.manager.words import reason_names
from deskterm.ui.widgets.charts import PALETTE, Chart, Series, line_chart
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.people import TINY_BELOW, set_columns
from deskterm.ui.widgets.tables import sync_rows

MONTH_NAMES = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


def month_head(month: str) -> str:
    """A month's column header on a narrow screen: Nov for 2026-11 (11月 in Chinese)."""
    return _(MONTH_NAMES[int(month[5:7]) - 1])


def countermeasure_effect(ba: BeforeAfter) -> str:
    """Per 100 counted receptions before and since, and sales beside it; or too early."""
    if ba.too_early:
        return _("too early ({n} days)", n=ba.days)

    def num(v: float | None) -> str:
        return "-" if v is None else f"{v:g}"

    return _(
        "{before} per 100 receptions before, {after} since; sales {s_before} → {s_after} "
        "won per 100 visitors",
        before=num(ba.before_per_100),
        after=num(ba.after_per_100),
        s_before=num(ba.sales_before_per_100),
        s_after=num(ba.sales_after_per_100),
    )


def loop_state(
    review_on: date | None, closed_on: date | None, today: date, decision: str | None = None
) -> str:
    """Where a countermeasure stands in the loop: replaced, closed, its review due, or when."""
    if closed_on is not None:
        if decision == "replace":
            return _("replaced {day}", day=closed_on.isoformat())
        return _("closed {day}", day=closed_on.isoformat())
    if review_on is not None and review_on <= today:
        return _("review due")
    return _("review {day}", day=review_on.isoformat()) if review_on else ""


def reason_series(table: ReasonsTable, names: dict[str, str]) -> list[Series]:
    """The top reasons by month and the rest as "other", one coloured line each."""
    return [
        Series(
            _("other reasons") if code == OTHER else names.get(code, code),
            [float(n) for n in counts],
            PALETTE[i % len(PALETTE)],
        )
        for i, (code, counts) in enumerate(top_reasons(table))
    ]


def reasons_chart(
    kind: str, table: ReasonsTable, months: list[str], names: dict[str, str]
) -> Callable[[int, int], Text]:
    """The chart of one kind's top reasons by month, drawn at any size."""
    title = _("No-contact reasons by month") if kind == "no_contact" else _("Lost reasons by month")
    series = reason_series(table, names)
    return lambda w, h: line_chart(title, months, series, w, h)


def reasons_layout_for(width: int) -> str:
    """The Reasons tables' layout at ``width``: "wide", "narrow" (under 120) or "tiny"."""
    if width < TINY_BELOW:
        return "tiny"
    return "narrow" if width < DeskScreen.NARROW_BELOW else "wide"


#: The chart of the reasons by month is drawn from this many lines of screen (under it
#: the counts table, the countermeasures and the people would not fit).
CHART_FROM_HEIGHT = 40
CHART_ROWS = 12
#: From this many lines (a large monitor) the charts take a third of the screen.
TALL_FROM = 60


class ReasonsTab(ManagerTab[ReasonsView]):
    """Reasons by month (charts on a wide screen), countermeasures, and per person."""

    BINDINGS = [
        Binding("c", "countermeasure", N_("Countermeasure"), id="manager.countermeasure"),
        Binding("v", "review", N_("Review countermeasure"), id="manager.countermeasure_review"),
    ]

    def __init__(self) -> None:
        super().__init__(id="reasons-tab")
        self._layout: str | None = None
        self._people: dict[str, str] = {}  # by row key, for its detail line

    def compose(self) -> ComposeResult:
        yield DataTable(id="reasons", cursor_type="row")
        with Horizontal(id="reasons-charts"):
            yield Chart(id="reasons-no-contact-chart")
            yield Chart(id="reasons-lost-chart")
        yield Static("", id="countermeasures", classes="hint", markup=False)
        people: DataTable[object] = DataTable(
            id="reasons-people", cursor_type="row", zebra_stripes=True
        )
        # Set here, not in DEFAULT_CSS: the app's ``DataTable { height: 1fr }`` would win
        # over any widget's default CSS, however specific.
        people.styles.height = 12
        yield people
        detail = RowDetail(id="reasons-people-detail")
        detail.display = False  # only under the tiny layout
        yield detail

    def on_mount(self) -> None:
        self.query_one("#reasons-people", DataTable).add_columns(
            _("Salesperson"), _("No contact"), _("Most often"), _("Lost"), _("Most often")
        )

    def fit(self) -> None:
        if self.view is not None and reasons_layout_for(self.width_columns) != self._layout:
            self.show(self.view)
        self._show_charts()

    def show(self, view: ReasonsView) -> None:
        table = self.query_one("#reasons", DataTable)
        rep, lost = view.no_contact, view.lost
        months = rep.table.months
        layout = reasons_layout_for(self.width_columns)
        if layout == "tiny":
            # At 80 columns the last four months: six cut the newest month (the one the
            # meeting asks about) off a long reason's row, with no line to read it in.
            months = months[-4:]
        # Under 120 columns (-narrow): a month is headed by its name (Nov for 2026-11),
        # the chart (Total drawn) left out and one top reason per person: every count on
        # screen at 100 columns.
        narrow = layout != "wide"
        if not table.columns or layout != self._layout:
            self._layout = layout
            if narrow:
                set_columns(table, [_("Reason"), _("Total"), *[month_head(m) for m in months]])
            else:
                set_columns(table, [_("Reason"), _("Total"), *months])
        rows = []
        for kind, r, names in (
            ("no_contact", rep, reason_names("no_contact", view.names)),
            ("lost", lost, reason_names("lost", view.names)),
        ):
            for reason, n in r.table.by_reason.most_common():
                trend = r.table.trend[reason]
                label = (
                    _("no contact: {reason}", reason=names.get(reason, reason))
                    if kind == "no_contact"
                    else _("lost: {reason}", reason=names.get(reason, reason))
                )
                counts = [str(trend[m]) for m in months]
                rows.append((f"{kind}:{reason}", (label, str(n), *counts)))
        sync_rows(table, rows)
        self._show_charts()
        today = view.day or date.max  # a view with no day: no review is due
        lines = [
            f"{m.since} {m.reason}: {m.note} — "
            + countermeasure_effect(ba)
            + " · "
            + loop_state(m.review_on, m.closed_on, today, m.decision)
            for r in (rep, lost)
            for m, ba in r.countermeasures
        ]
        self.query_one("#countermeasures", Static).update("\n".join(lines))
        self._show_people(view, top_n=1 if narrow else 2)
        self.query_one("#reasons-people-detail", RowDetail).display = layout == "tiny"
        self.show_detail()

    def _show_charts(self) -> None:
        """The top reasons by month as lines, in the middle of a wide and tall screen."""
        box = self.query_one("#reasons-charts", Horizontal)
        view = self.view
        box.display = (
            view is not None
            and self.width_columns >= DeskScreen.NARROW_BELOW
            and self.screen.size.height >= CHART_FROM_HEIGHT
        )
        # A large monitor's spare lines go to the charts (the counts table keeps its rows).
        height = self.screen.size.height
        box.styles.height = CHART_ROWS if height < TALL_FROM else (height - 4) // 3
        if view is None:
            return
        months = [month_head(m) for m in view.no_contact.table.months]
        for chart_id, kind, report in (
            ("reasons-no-contact-chart", "no_contact", view.no_contact),
            ("reasons-lost-chart", "lost", view.lost),
        ):
            self.query_one(f"#{chart_id}", Chart).draw(
                reasons_chart(kind, report.table, months, reason_names(kind, view.names))
            )

    def _show_people(self, view: ReasonsView, top_n: int) -> None:
        rep, lost = view.no_contact, view.lost
        nc_names = reason_names("no_contact", view.names)
        lost_names = reason_names("lost", view.names)
        people: list[tuple[str, tuple[str, ...]]] = []
        self._people = {}
        for sid in sorted(
            set(rep.table.by_salesperson) | set(lost.table.by_salesperson),
            key=lambda i: rep.names.get(i, ""),
        ):
            nc = rep.table.by_salesperson.get(sid, Counter())
            lo = lost.table.by_salesperson.get(sid, Counter())
            nc_top = _(", ").join(f"{nc_names.get(r, r)} {n}" for r, n in nc.most_common(top_n))
            lo_top = _(", ").join(f"{lost_names.get(r, r)} {n}" for r, n in lo.most_common(top_n))
            name = rep.names.get(sid, "?")
            people.append(
                (str(sid), (name, str(sum(nc.values())), nc_top, str(sum(lo.values())), lo_top))
            )
            # An 80-column screen cuts the last "most often" (a reason's name is long in
            # English): the line under the table has both whole.
            tops = [
                _("no contact: {reason}", reason=nc_top) if nc_top else "",
                _("lost: {reason}", reason=lo_top) if lo_top else "",
            ]
            self._people[str(sid)] = _(
                "{name}: {note}", name=name, note=_(", ").join(t for t in tops if t)
            )
        sync_rows(self.query_one("#reasons-people", DataTable), people)

    @on(DataTable.RowHighlighted, "#reasons-people")
    def show_detail(self) -> None:
        """Under the tiny people table: the highlighted person's top reasons whole."""
        table = self.query_one("#reasons-people", DataTable)
        detail = self.query_one("#reasons-people-detail", RowDetail)
        key = selected_key(table) if 0 <= table.cursor_row < table.row_count else None
        detail.update(self._people.get(key or "", "") if detail.display else "")

    def action_countermeasure(self) -> None:
        """Date a countermeasure on the reason under the cursor, from today."""
        key = selected_key(self.query_one("#reasons", DataTable))
        if key is None:
            return
        kind, reason = key.split(":")
        ctx = self.desk.ctx

        def noted(note: str | None) -> None:
            if note:
                self.run_service(manager.mark_countermeasure, ctx, kind, reason, ctx.today(), note)

        self.app.push_screen(
            TextPromptScreen(_("Countermeasure from today on this reason:")), noted
        )

    def action_review(self) -> None:
        """Review a running countermeasure (the due ones first): keep, replace, close."""
        if self.view is None:
            return
        ctx = self.desk.ctx
        today = ctx.today()
        running = [
            (m, ba)
            for r in (self.view.no_contact, self.view.lost)
            for m, ba in r.countermeasures
            if m.closed_on is None
        ]
        if not running:
            self.notify(_("No countermeasure runs: c dates one on a reason."), markup=False)
            return
        running.sort(key=lambda mb: (mb[0].review_on or today) > today)
        options = [
            (
                str(m.id),
                f"{m.since} {m.reason}: {m.note} — "
                + countermeasure_effect(ba)
                + " · "
                + loop_state(m.review_on, m.closed_on, today, m.decision),
            )
            for m, ba in running
        ]
        chosen: dict[str, str] = {}

        def done(runs_on: int) -> None:
            self.notify(_("Reviewed."), markup=False)

        def save(replacement: str) -> None:
            self.run_service(
                partial(countermeasures.review, replacement=replacement),
                ctx,
                int(chosen["id"]),
                chosen["decision"],
                chosen.get("note", ""),
                then=done,
            )

        def noted(note: str | None) -> None:
            if note is None:
                return
            chosen["note"] = note
            if chosen["decision"] == "replace":
                self.app.push_screen(
                    TextPromptScreen(_("What replaces it, from today?")),
                    lambda text: save(text) if text else None,
                )
            else:
                save("")

        def decided(decision: str | None) -> None:
            if decision is None:
                return
            chosen["decision"] = decision
            self.app.push_screen(TextPromptScreen(_("Why? (what the figures said)"), ""), noted)

        def picked(cid: str | None) -> None:
            if cid is None:
                return
            chosen["id"] = cid
            self.app.push_screen(
                PickScreen(
                    _("Did the count go down, did sales go up?"),
                    [
                        ("keep", _("keep it (look again in a month)")),
                        ("replace", _("replace it with another")),
                        ("close", _("close it")),
                    ],
                ),
                decided,
            )

        self.app.push_screen(PickScreen(_("Review which countermeasure?"), options), picked)
