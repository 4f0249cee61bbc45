"""F6 Manager: run the morning meeting from one screen (DESIGN.md §1.4–1.6).

Tabs: stale customers (reassign in two keys), lost requests (approve / send back),
leads to hand out, reasons (with month trend and countermeasures), the funnel,
and coaching. ``x`` exports the meeting report for printing.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from deskterm.domain.analysis import FUNNEL_STAGES, BeforeAfter
from deskterm.domain.kpi import FIELD_LABELS
from deskterm.domain.sheet import Action
from deskterm.i18n import N_, _, _p, get_language
from deskterm.services import (
    analysis,
    audit,
    customers,
    exporting,
    importing,
    labels,
    maintenance,
    manager,
    report_export,
    setup,
)
from deskterm.services.audit import AuditEntry
from deskterm.services.exporting import EXPORT_LABELS, ExportKind
from deskterm.services.importing import ImportPlan, Sheet
from deskterm.services.reception import CHANNELS
from deskterm.services.report import as_json, daily_report, manager_sections, parse_range
from deskterm.services.setup import LOST_REASONS, NO_CONTACT_REASONS
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.text import emphasis, plain
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.fields import TextField
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.people import (
    TINY_BELOW,
    callbacks_cell,
    column_widths,
    detail_line,
    figure_parts,
    fit_names,
    fold,
    levels_head,
    set_columns,
)
from deskterm.ui.widgets.tables import pct, sync_rows

STALE_LABELS = {"at_risk": N_("at risk"), "reassign": N_("to reassign"), "stalled": N_("stalled")}
STAGE_LABELS = {
    "received": N_("received"),
    "registered": N_("left contact"),
    "test_drive": N_("test drive"),
    "hot": N_("reached top level"),
    "won": N_("won"),
}


def _reason_names(kind: str) -> dict[str, str]:
    rows = NO_CONTACT_REASONS if kind == "no_contact" else LOST_REASONS
    zh = get_language() == "zh"
    return {code: (z if zh else en) for code, en, z, _n in rows}


def _countermeasure_effect(ba: BeforeAfter) -> str:
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


def _funnel_cell(n: int, visitors: int) -> str:
    # Each stage as a share of the visitors: the drop between stages reads off the row.
    return str(n) if n == visitors or visitors == 0 else f"{n} ({n / visitors:.0%})"


def _bar(n: int, top: int, width: int = 20) -> str:
    # ASCII on purpose: block characters are East-Asian "ambiguous" width and
    # break the columns on CJK terminals.
    return "#" * (0 if top == 0 else max(1 if n else 0, round(n * width / top)))


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


def _month(month: str) -> str:
    """A month's column header on a narrow screen: Nov for 2026-11 (11月 in Chinese)."""
    return _(MONTH_NAMES[int(month[5:7]) - 1])


STALE_ROWS = 500  # rows of the stale lists on screen
#: Tables whose last column is free text (a note, an audit change): the line under the
#: table shows the highlighted row's text whole, after the column naming the row.
DETAIL_TABLES = {"lost": 0, "leads": 0, "audit": 3}


class ManagerScreen(DeskScreen):
    """The sales manager's screen."""

    BINDINGS = [
        Binding("a", "assign", N_("Reassign / hand out"), id="manager.assign"),
        Binding("m", "take", N_("Take myself"), id="manager.take"),
        Binding("y", "approve", N_("Approve lost"), id="manager.approve"),
        Binding("n", "send_back", N_("Send back"), id="manager.send_back"),
        Binding("c", "countermeasure", N_("Countermeasure"), id="manager.countermeasure"),
        Binding("r", "range", N_("Period"), id="manager.range"),
        Binding("x", "export", N_("Export report"), id="manager.export"),
        Binding("i", "import_sheet", N_("Import sheet"), id="manager.import"),
        Binding("b", "import_batches", N_("Imports"), id="manager.imports"),
        Binding("e", "export_data", N_("Export data"), id="manager.export_data"),
    ]
    # Which keys work on which tab: the Footer shows only those.
    TAB_ACTIONS = {
        "assign": ("tab-stale", "tab-leads"),
        "take": ("tab-stale",),
        "approve": ("tab-lost",),
        "send_back": ("tab-lost",),
        "countermeasure": ("tab-reasons",),
        "range": ("tab-funnel",),
    }

    def __init__(self) -> None:
        super().__init__(id="manager")
        self.data: dict[str, Any] = {}
        self.funnel_range: tuple[date, date] | None = None  # None: the last 30 days
        # The Team table's columns: wide, narrow or tiny (with the width its names fit).
        self._team_layout: tuple[object, ...] | None = None
        self._team_levels: list[str] = []  # the level codes the Team headers were made for
        self._team_people: dict[str, dict[str, Any]] = {}  # by row key, for its detail line
        # And the Reasons tables' layout: "wide", "narrow" (under 120) or "tiny" (under 100).
        self._reasons_layout: str | None = None
        self._reasons_people: dict[str, str] = {}  # by row key, for its detail line

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        with TabbedContent(id="tabs"):
            with TabPane(_p("tab", "Team"), id="tab-team"):
                yield Static("", id="team-summary", classes="hint", markup=False)
                yield DataTable(id="team", cursor_type="row", zebra_stripes=True)
                team_detail = RowDetail(id="team-detail")
                team_detail.display = False  # only under the tiny table
                yield team_detail
            with TabPane(_("Stale customers"), id="tab-stale"):
                yield DataTable(id="stale", cursor_type="row", zebra_stripes=True)
                more = Static("", id="stale-more", classes="hint", markup=False)
                more.display = False  # only when the list is longer than the screen shows
                yield more
            with TabPane(_("Lost requests"), id="tab-lost"):
                yield DataTable(id="lost", cursor_type="row", zebra_stripes=True)
                yield RowDetail(id="lost-detail")
            with TabPane(_("Leads"), id="tab-leads"):
                yield DataTable(id="leads", cursor_type="row", zebra_stripes=True)
                yield RowDetail(id="leads-detail")
            with TabPane(_("Reasons"), id="tab-reasons"):
                yield DataTable(id="reasons", cursor_type="row")
                yield Static("", id="countermeasures", classes="hint", markup=False)
                yield DataTable(id="reasons-people", cursor_type="row", zebra_stripes=True)
                reasons_detail = RowDetail(id="reasons-people-detail")
                reasons_detail.display = False  # only under the tiny layout
                yield reasons_detail
            with TabPane(_("Funnel"), id="tab-funnel"):
                yield Static("", id="funnel-range", classes="hint", markup=False)
                yield DataTable(id="funnel", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Coaching"), id="tab-coaching"):
                yield DataTable(id="coaching", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Audit trail"), id="tab-audit"):
                yield TextField(
                    placeholder=_("filter: action, customer id, name, value…"), id="audit-filter"
                )
                yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
                yield RowDetail(id="audit-detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#stale", DataTable).add_columns(
            _("Customer"), _("Level"), _("Owner"), _("List"), _p("stale", "Since"), _("Days over")
        )
        self.query_one("#lost", DataTable).add_columns(
            _("Customer"), _("Level"), _("Owner"), _("Reason"), _("Note")
        )
        self.query_one("#leads", DataTable).add_columns(
            _("Customer"), _("Channel"), _p("leads", "Since"), _("Note")
        )
        self.query_one("#reasons-people", DataTable).add_columns(
            _("Salesperson"), _("No contact"), _("Most often"), _("Lost"), _("Most often")
        )
        self.query_one("#funnel", DataTable).add_columns(
            _("Salesperson"), *[_(STAGE_LABELS[s]) for s in FUNNEL_STAGES]
        )
        audit = self.query_one("#audit", DataTable)
        for label in (
            _("When"),
            _("Who"),
            _("Action"),
            _("What"),
            _("Change"),
        ):
            audit.add_column(label)  # as wide as the widest cell: nothing cut
        self.query_one("#coaching", DataTable).add_columns(
            _("Salesperson"),
            _("Month"),
            _("Receptions"),
            _("Contact"),
            _("Form"),
            _("Most often empty"),
        )

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def _fit_layout(self) -> None:
        super()._fit_layout()
        if self.data and self._team_layout_for(self.size.width) != (self._team_layout or ())[:2]:
            self._show_team(self.data)
        if self.data and self._reasons_layout_for(self.size.width) != self._reasons_layout:
            self._show_reasons(self.data)

    def refresh_data(self) -> None:
        self.load()
        self.load_audit(self.query_one("#audit-filter", Input).value)

    @work(thread=True, exclusive=True, group="manager-load", exit_on_error=False)
    def load(self) -> None:
        ctx = self.ctx
        report = daily_report(ctx)
        data = as_json(report, manager_sections(ctx, report))
        today = ctx.today()
        first = (today.replace(day=1) - timedelta(days=150)).replace(day=1)
        data["_reasons"] = analysis.reasons(ctx, "no_contact", first, today)
        data["_lost_reasons"] = analysis.reasons(ctx, "lost", first, today)
        month_first = (today.replace(day=1) - timedelta(days=60)).replace(day=1)
        data["_coaching"] = [
            (p.name, analysis.coaching(ctx, p.id, month_first, today))
            for p in setup.list_staff(ctx, "salesperson")
        ]
        first, last = self.funnel_range or (today - timedelta(days=29), today)
        data["_funnel"] = analysis.funnel(ctx, first, last)
        data["_funnel_range"] = (first, last)
        data["_names"] = {p.id: p.name for p in setup.list_staff(ctx, "salesperson")}
        self.app.call_from_thread(self.show, data)

    def show(self, data: dict[str, Any]) -> None:
        self.data = data
        self._show_team(data)
        stale = []
        for key, kind in (
            ("at_risk", "at_risk"),
            ("to_reassign", "reassign"),
            ("stalled", "stalled"),
        ):
            for i in data[key]:
                stale.append(
                    (
                        f"{kind}-{i['customer_id']}",
                        (
                            i["name"],
                            self.level_name(i["level"]),
                            i["owner"],
                            _(STALE_LABELS[kind]),
                            i["since"],
                            str(i["days_over"]),
                        ),
                    )
                )
        # A neglected dealer group can have thousands: the most urgent first, a page of
        # them; the report and the CSV export have them all.
        more = self.query_one("#stale-more", Static)
        more.display = len(stale) > STALE_ROWS
        more.update(
            _(
                "Showing the first {k} of {n}: at risk first, the longest overdue first.",
                k=STALE_ROWS,
                n=len(stale),
            )
        )
        sync_rows(self.query_one("#stale", DataTable), stale[:STALE_ROWS])
        lost_names = _reason_names("lost")
        sync_rows(
            self.query_one("#lost", DataTable),
            [
                (
                    str(r["customer_id"]),
                    (
                        r["name"],
                        self.level_name(r["level"]),
                        r["owner"],
                        lost_names.get(r["reason"], r["reason"]),
                        r["note"],
                    ),
                )
                for r in data["lost_requests"]
            ],
        )
        self.show_detail("lost")
        sync_rows(
            self.query_one("#leads", DataTable),
            [
                (
                    str(v["customer_id"]),
                    (
                        v["name"],
                        _(CHANNELS.get(v["source"], v["source"])),
                        v["since"][:10],
                        v["note"],
                    ),
                )
                for v in data["leads"]
            ],
        )
        self.show_detail("leads")
        self._show_reasons(data)
        names = data["_names"]
        fun = data["_funnel"]
        rows = []
        for sid, row in [*[(sid, fun[sid]) for sid in names if sid in fun], (None, fun.get(None))]:
            if row is None:
                continue
            rows.append(
                (
                    str(sid),
                    (
                        names.get(sid, _("Team")) if sid else _("Team"),
                        *[_funnel_cell(row[s], row[FUNNEL_STAGES[0]]) for s in FUNNEL_STAGES],
                    ),
                )
            )
        sync_rows(self.query_one("#funnel", DataTable), rows)
        first, last = data["_funnel_range"]
        self.query_one("#funnel-range", Static).update(
            _(
                "First visits {first} – {last}, each stage as a share of the visitors; "
                "r changes the period",
                first=first.isoformat(),
                last=last.isoformat(),
            )
        )
        coach = []
        for name, (months, missing) in data["_coaching"]:
            for month, m in months.items():
                coach.append(
                    (
                        f"{name}-{month}",
                        (
                            name,
                            month,
                            str(m.receptions),
                            "-" if m.capture_rate is None else f"{m.capture_rate:.0%}",
                            "-" if m.completeness is None else f"{m.completeness:.0%}",
                            _(", ").join(
                                _(FIELD_LABELS.get(f, f)) for f, _n in missing.most_common(2)
                            ),
                        ),
                    )
                )
        sync_rows(self.query_one("#coaching", DataTable), coach)

    @on(Input.Changed, "#audit-filter")
    def audit_filter(self, event: Input.Changed) -> None:
        self.load_audit(event.value)

    @work(thread=True, exclusive=True, group="audit-load", exit_on_error=False)
    def load_audit(self, text: str) -> None:
        entries = audit.audit_trail(self.ctx, text)
        reasons = audit.reason_names(self.ctx)
        # Owners and receivers by name, not #id (people who left included).
        staff = {p.id: p.name for p in setup.list_staff(self.ctx, include_inactive=True)}
        self.app.call_from_thread(self.show_audit, entries, reasons, staff)

    def show_audit(
        self,
        entries: list[AuditEntry],
        reasons: dict[str, str] | None = None,
        staff: dict[int, str] | None = None,
    ) -> None:
        """The trail, newest first, in words (codes stay in the data); read-only."""
        zone = self.ctx.clock.zone
        names = labels.Names(self.level_name, reasons or {}, staff or {})
        sync_rows(
            self.query_one("#audit", DataTable),
            [
                (
                    str(e.id),
                    (
                        e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                        e.actor or _("(desk)"),
                        labels.audit_action(e.action),
                        labels.audit_entity(e.entity, e.entity_id),
                        labels.audit_change(e.before, e.after, names, zone)[:200],
                    ),
                )
                for e in entries
            ],
        )
        self.show_detail("audit")

    def _team_layout_for(self, width: int) -> tuple[str, int]:
        """The Team table's layout at ``width`` (a tiny one cuts names to the width)."""
        if width < TINY_BELOW:
            return "tiny", width
        return ("narrow" if width < self.NARROW_BELOW else "wide"), 0

    def _show_team(self, data: dict[str, Any]) -> None:
        """Who is behind: today's figures per salesperson, the worst backlog first."""
        table = self.query_one("#team", DataTable)
        levels = data["levels"]
        # Under 120 columns (-narrow): the callbacks in one cell, two-line headers, the
        # essential figures first; upgrades and won are left to F5 Meeting (widgets.people).
        # Under 100 (tiny): the levels and form/contact folded too, the conversion without
        # its with-contact figure, names cut to fit; the line under the table has them.
        layout = self._team_layout_for(self.size.width)
        narrow, tiny = layout[0] == "narrow", layout[0] == "tiny"
        tomorrow = {t["salesperson"]: t["callbacks"] for t in data["tomorrow"]}
        at_risk: dict[str, int] = Counter(i["owner"] for i in data["at_risk"])
        people = sorted(data["salespeople"], key=lambda p: (-p["callbacks_overdue"], p["name"]))
        if tiny:
            self._show_team_tiny(data, people, tomorrow, at_risk, layout[1])
            return
        self.query_one("#team-detail", RowDetail).display = False
        # A preset switched elsewhere changes the levels: new headers, or the figures
        # would sit under the old ones (a tester saw four counts under three names).
        if not table.columns or layout != self._team_layout or self._team_levels != levels:
            self._team_layout = layout
            self._team_levels = list(levels)
            level_heads = [plain(self.level_name(lv)) for lv in levels]
            headers: list[str | Text] = (
                [
                    _("Salesperson"),
                    _("Recep-\ntions"),
                    *level_heads,
                    _("Due/done/\noverdue"),
                    _("Conversion\n(contact)"),
                    _("At\nrisk"),
                    _("Tomor-\nrow"),
                    _("Form"),
                    _("Contact"),
                ]
                if narrow
                else [
                    _("Salesperson"),
                    _("Receptions"),
                    *level_heads,
                    _("Due"),
                    _("Done"),
                    _("Overdue"),
                    _("At risk"),
                    _("Tomorrow"),
                    _("Upgrades"),
                    _("Won"),
                    _("Conversion (contact)"),
                    _("Form"),
                    _("Contact"),
                ]
            )
            set_columns(table, headers)
        rows = []
        for p in [*people, {**data["team"], "name": _("Team"), "id": 0}]:
            name = p["name"]
            overdue: str | Text = str(p["callbacks_overdue"])
            if p["id"] and p["callbacks_overdue"]:
                overdue = emphasis(str(p["callbacks_overdue"]), "b red")
            risk = str(at_risk.get(name, 0) if p["id"] else len(data["at_risk"]))
            due_tomorrow = str(tomorrow.get(name, 0) if p["id"] else sum(tomorrow.values()))
            conversion = (
                pct(p["conversion_rate"]) + " (" + pct(p.get("conversion_rate_with_contact")) + ")"
            )
            figures = (name, str(p["receptions"]), *[str(p[lv]) for lv in levels])
            rates = (pct(p["form_completeness"]), pct(p["contact_capture_rate"]))
            if narrow:
                cells = (
                    *figures,
                    callbacks_cell(p["callbacks_due"], p["callbacks_done"], overdue),
                    conversion,
                    risk,
                    due_tomorrow,
                    *rates,
                )
            else:
                cells = (
                    *figures,
                    str(p["callbacks_due"]),
                    str(p["callbacks_done"]),
                    overdue,
                    risk,
                    due_tomorrow,
                    str(p["upgrades"]),
                    str(p["won"]),
                    conversion,
                    *rates,
                )
            rows.append((str(p["id"]), cells))
        sync_rows(table, rows)
        self._team_summary(data, people)

    def _show_team_tiny(
        self,
        data: dict[str, Any],
        people: list[dict[str, Any]],
        tomorrow: dict[str, int],
        at_risk: dict[str, int],
        width: int,
    ) -> None:
        """The Team table at 80 columns: every column on screen (widgets.people)."""
        table = self.query_one("#team", DataTable)
        levels = data["levels"]
        everyone = [*people, {**data["team"], "name": _("Team"), "id": 0}]
        rows: list[list[object]] = []
        for p in everyone:
            overdue: str | Text = str(p["callbacks_overdue"])
            if p["id"] and p["callbacks_overdue"]:
                overdue = emphasis(str(p["callbacks_overdue"]), "b red")
            name = p["name"]
            rows.append(
                [
                    name,
                    str(p["receptions"]),
                    fold(*(p[lv] for lv in levels)),
                    callbacks_cell(p["callbacks_due"], p["callbacks_done"], overdue),
                    pct(p["conversion_rate"]),
                    str(at_risk.get(name, 0) if p["id"] else len(data["at_risk"])),
                    str(tomorrow.get(name, 0) if p["id"] else sum(tomorrow.values())),
                    fold(pct(p["form_completeness"]), pct(p["contact_capture_rate"])),
                ]
            )
        widest = max(len(str(r[2])) for r in rows)
        head: list[str] = [
            _("Salesperson"),
            _("Recep-\ntions"),
            levels_head([self.level_name(lv) for lv in levels], max(widest, 5)),
            _("Due/done/\noverdue"),
            _("Conver-\nsion"),
            _("At\nrisk"),
            _("Tomor-\nrow"),
            _("Form/\ncontact"),
        ]
        # The table's vertical scrollbar (2 columns) when the rows outgrow the tab.
        rows = fit_names(head, rows, width - 2)
        # A column that changes width (a count grew, a name is cut shorter): new columns,
        # a table only ever widens its columns by itself.
        layout = ("tiny", width, column_widths(head, rows))
        if layout != self._team_layout or not table.columns:
            self._team_layout = layout
            # New columns (and no rows): a name's cut changes with the width.
            set_columns(table, [plain(h) for h in head])
        sync_rows(table, [(str(p["id"]), tuple(r)) for p, r in zip(everyone, rows, strict=True)])
        self._team_people = {str(p["id"]): p for p in everyone}
        self.query_one("#team-detail", RowDetail).display = True
        self.show_team_detail()
        self._team_summary(data, people)

    def show_team_detail(self) -> None:
        """Under the tiny Team table: the highlighted row's full name and every figure."""
        table = self.query_one("#team", DataTable)
        detail = self.query_one("#team-detail", RowDetail)
        key = self._selected("team") if 0 <= table.cursor_row < table.row_count else None
        p = self._team_people.get(key or "")
        if p is None or not detail.display:
            detail.update("")
            return
        levels = self.data["levels"]
        parts = figure_parts(p, {lv: self.level_name(lv) for lv in levels}, levels)
        parts.append(
            _(
                "form {form}, contact {contact}",
                form=pct(p["form_completeness"]),
                contact=pct(p["contact_capture_rate"]),
            )
        )
        detail.update(detail_line(p["name"], parts))

    def _team_summary(self, data: dict[str, Any], people: list[dict[str, Any]]) -> None:
        behind = [p["name"] for p in people if p["callbacks_overdue"]]
        self.query_one("#team-summary", Static).update(
            _(
                "{day}: {n} salespeople with overdue callbacks — {names}. Rates over "
                "{first} – {last}.",
                day=data["date"],
                n=len(behind),
                names=_(", ").join(behind) or "-",
                first=data["rates_window"]["from"],
                last=data["rates_window"]["to"],
            )
        )

    def _show_reasons(self, data: dict[str, Any]) -> None:
        table = self.query_one("#reasons", DataTable)
        rep, lost = data["_reasons"], data["_lost_reasons"]
        months = rep.table.months
        # Under 120 columns (-narrow): a month is headed by its name (Nov for 2026-11),
        # the chart (Total drawn) left out and one top reason per person: every count on
        # screen at 100 columns.
        layout = self._reasons_layout_for(self.size.width)
        narrow = layout != "wide"
        if not table.columns or layout != self._reasons_layout:
            self._reasons_layout = layout
            if narrow:
                set_columns(table, [_("Reason"), _("Total"), *[_month(m) for m in months]])
            else:
                set_columns(table, [_("Reason"), _("Total"), *months, _("Chart")])
        top = max([*rep.table.by_reason.values(), *lost.table.by_reason.values(), 0])
        rows = []
        for kind, r, names in (
            ("no_contact", rep, _reason_names("no_contact")),
            ("lost", lost, _reason_names("lost")),
        ):
            for reason, n in r.table.by_reason.most_common():
                trend = r.table.trend[reason]
                label = (
                    _("no contact: {reason}", reason=names.get(reason, reason))
                    if kind == "no_contact"
                    else _("lost: {reason}", reason=names.get(reason, reason))
                )
                counts = [str(trend[m]) for m in months]
                rows.append(
                    (
                        f"{kind}:{reason}",
                        (label, str(n), *counts)
                        if narrow
                        else (label, str(n), *counts, _bar(n, top)),
                    )
                )
        sync_rows(table, rows)
        lines = [
            f"{m.since} {m.reason}: {m.note} — " + _countermeasure_effect(ba)
            for r in (rep, lost)
            for m, ba in r.countermeasures
        ]
        self.query_one("#countermeasures", Static).update("\n".join(lines))
        nc_names, lost_names = _reason_names("no_contact"), _reason_names("lost")
        top_n = 1 if narrow else 2
        people = []
        self._reasons_people = {}
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
            self._reasons_people[str(sid)] = _(
                "{name}: {note}", name=name, note=_(", ").join(t for t in tops if t)
            )
        sync_rows(self.query_one("#reasons-people", DataTable), people)
        self.query_one("#reasons-people-detail", RowDetail).display = layout == "tiny"
        self.show_reasons_detail()

    def _reasons_layout_for(self, width: int) -> str:
        """The Reasons tables' layout at ``width``."""
        if width < TINY_BELOW:
            return "tiny"
        return "narrow" if width < self.NARROW_BELOW else "wide"

    def show_reasons_detail(self) -> None:
        """Under the tiny people table: the highlighted person's top reasons whole."""
        table = self.query_one("#reasons-people", DataTable)
        detail = self.query_one("#reasons-people-detail", RowDetail)
        key = self._selected("reasons-people") if 0 <= table.cursor_row < table.row_count else None
        detail.update(self._reasons_people.get(key or "", "") if detail.display else "")

    @on(DataTable.RowHighlighted)
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "team":
            self.show_team_detail()
        if event.data_table.id == "reasons-people":
            self.show_reasons_detail()
        self.show_detail(event.data_table.id or "")

    def show_detail(self, table_id: str) -> None:
        """The highlighted row's note or change in full, under its table."""
        if table_id not in DETAIL_TABLES:
            return
        table = self.query_one(f"#{table_id}", DataTable)
        text = ""
        if 0 <= table.cursor_row < table.row_count:
            row = table.get_row_at(table.cursor_row)
            if str(row[-1]).strip():
                text = _(
                    "{name}: {note}", name=str(row[DETAIL_TABLES[table_id]]), note=str(row[-1])
                )
        self.query_one(f"#{table_id}-detail", RowDetail).update(text)

    # -- helpers ------------------------------------------------------------------
    def _selected(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)

    def _active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active or ""

    def _manager_id(self) -> int | None:
        people = setup.list_staff(self.ctx, "manager")
        return people[0].id if people else None

    # -- actions --------------------------------------------------------------------
    def action_assign(self) -> None:
        tab = self._active_tab()
        if tab == "tab-stale":
            key = self._selected("stale")
            if key is None:
                return
            kind, cid = key.split("-")
            lists = {"at_risk": "at_risk", "reassign": "to_reassign", "stalled": "stalled"}
            owner = next(
                (
                    i["owner_id"]
                    for i in self.data.get(lists[kind], [])
                    if str(i["customer_id"]) == cid
                ),
                None,
            )
            seniors = [
                (str(p.id), p.name)
                for p in setup.list_staff(self.ctx, "salesperson")
                if (p.seniority == "senior" or kind != "at_risk") and p.id != owner
            ]
            reason = (
                _("at risk: reassigned to a senior salesperson")
                if kind == "at_risk"
                else _("{what}: reassigned at the meeting", what=_(STALE_LABELS[kind]))
            )

            def picked(sid: str | None) -> None:
                if sid:
                    self.run_service(
                        customers.reassign,
                        self.ctx,
                        int(cid),
                        int(sid),
                        reason,
                        then=lambda v: self.notify(
                            _("Now owned by {name}.", name=v.owner), markup=False
                        ),
                    )

            self.app.push_screen(PickScreen(_("Give the customer to:"), seniors), picked)
        elif tab == "tab-leads":
            key = self._selected("leads")
            if key is None:
                return
            people = [(str(p.id), p.name) for p in setup.list_staff(self.ctx, "salesperson")]

            def to(sid: str | None) -> None:
                if sid:
                    self.run_service(
                        manager.hand_out_lead,
                        self.ctx,
                        int(key),
                        int(sid),
                        then=lambda due: self.notify(
                            _("Handed out; first callback {day}.", day=due), markup=False
                        ),
                    )

            self.app.push_screen(PickScreen(_("Hand the lead to:"), people), to)

    def action_take(self) -> None:
        key = self._selected("stale") if self._active_tab() == "tab-stale" else None
        me = self._manager_id()
        if key is None or me is None:
            return
        self.run_service(
            customers.reassign,
            self.ctx,
            int(key.split("-")[1]),
            me,
            _("the manager calls personally"),
        )

    def action_approve(self) -> None:
        key = self._selected("lost") if self._active_tab() == "tab-lost" else None
        if key is not None:
            self.run_service(manager.approve_lost, self.ctx, int(key))

    def action_send_back(self) -> None:
        key = self._selected("lost") if self._active_tab() == "tab-lost" else None
        if key is None:
            return

        def noted(note: str | None) -> None:
            if note:
                self.run_service(manager.send_back_lost, self.ctx, int(key), note)

        self.app.push_screen(
            TextPromptScreen(_("Send back with a note for the salesperson:")), noted
        )

    def action_countermeasure(self) -> None:
        key = self._selected("reasons") if self._active_tab() == "tab-reasons" else None
        if key is None:
            return
        kind, reason = key.split(":")

        def noted(note: str | None) -> None:
            if note:
                self.run_service(
                    manager.mark_countermeasure, self.ctx, kind, reason, self.ctx.today(), note
                )

        self.app.push_screen(
            TextPromptScreen(_("Countermeasure from today on this reason:")), noted
        )

    def action_export(self) -> None:
        folder = maintenance.output_folder(self.ctx, "reports")
        self.run_service(
            report_export.export_meeting,
            self.ctx,
            folder,
            then=lambda path: self.notify(
                _("Report written to {path}", path=str(path)), markup=False
            ),
        )

    def action_import_sheet(self) -> None:
        """Ask for the sheet's file, then show its mapping and dry run."""
        from deskterm.ui.screens.importing import ImportScreen

        def check(text: str) -> None:
            # A missing file or a folder is said under the field, the name kept; the
            # reading itself (seconds for a big workbook) runs off the event loop.
            importing.check_file(Path(text.strip()).expanduser())

        def imported(plan: ImportPlan | None) -> None:
            if plan is not None:
                n = plan.counts
                self.notify(
                    _(
                        "Imported: {c} created, {m} merged, {r} left out.",
                        c=n[Action.CREATE],
                        m=n[Action.MERGE],
                        r=n[Action.REJECT],
                    )
                    + " "
                    + _(
                        "This is import number {n}: b lists the imports, to undo one.", n=plan.batch
                    ),
                    markup=False,
                )
                self.refresh_data()

        def opened(sheet: Sheet) -> None:
            self.app.push_screen(ImportScreen(self.ctx, sheet), imported)

        def typed(text: str | None) -> None:
            if text is not None:
                self.run_service(importing.read, Path(text.strip()).expanduser(), then=opened)

        self.app.push_screen(
            TextPromptScreen(
                _("The sheet to import (.csv or .xlsx): its file name"), "", check=check
            ),
            typed,
        )

    def action_import_batches(self) -> None:
        """The imports so far, each one undoable (u) until work depends on it."""
        from deskterm.ui.screens.importing import ImportBatchesScreen

        self.app.push_screen(ImportBatchesScreen(self.ctx), lambda _none: self.refresh_data())

    def action_export_data(self) -> None:
        """Customers, receptions or callbacks to a .csv or .xlsx file for Excel."""
        kinds = [(k.value, _(label)) for k, label in EXPORT_LABELS.items()]
        folder = maintenance.output_folder(self.ctx, "exports")

        def picked(kind: str | None) -> None:
            if kind is None:
                return
            default = folder / f"{kind}-{self.ctx.today().isoformat()}.csv"

            def typed(text: str | None) -> None:
                if text is None:
                    return
                path = Path(text.strip()).expanduser()
                self.run_service(
                    exporting.export,
                    self.ctx,
                    ExportKind(kind),
                    path,
                    make_folder=True,
                    then=lambda n: self.notify(
                        _("{n} rows written to {path}", n=n, path=str(path)), markup=False
                    ),
                )

            self.app.push_screen(
                TextPromptScreen(
                    _("Export to (.csv or .xlsx):"),
                    str(default),
                    check=lambda text: exporting.check_path(Path(text.strip())),
                ),
                typed,
            )

        self.app.push_screen(PickScreen(_("Export what?"), kinds), picked)

    def action_range(self) -> None:
        today = self.ctx.today()

        def typed(text: str | None) -> None:
            if text is not None:
                self.funnel_range = parse_range(text, today)
                self.refresh_data()

        self.app.push_screen(
            TextPromptScreen(
                _("Period: week, month, 2026-10, or 2026-10-01 2026-10-31"),
                "month",
                check=lambda text: parse_range(text, today),
            ),
            typed,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that do nothing on the open tab are hidden from the Footer."""
        tabs = self.TAB_ACTIONS.get(action)
        if tabs is None or not self.is_mounted:
            return True
        return self._active_tab() in tabs

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()
