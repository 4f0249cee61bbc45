"""The Team tab: who is behind, today's figures per salesperson, the worst backlog first."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from deskterm.i18n import _
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.manager.tab import ManagerTab, selected_key
from deskterm.ui.screens.manager.views import ReportLine, TeamView
from deskterm.ui.text import emphasis, plain
from deskterm.ui.widgets.detail import RowDetail
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


def team_layout_for(width: int) -> tuple[str, int]:
    """The Team table's layout at ``width`` (a tiny one cuts names to the width)."""
    if width < TINY_BELOW:
        return "tiny", width
    return ("narrow" if width < DeskScreen.NARROW_BELOW else "wide"), 0


class TeamTab(ManagerTab[TeamView]):
    """Today's figures per salesperson and for the team, read-only."""

    def __init__(self) -> None:
        super().__init__(id="team-tab")
        # The table's columns: wide, narrow or tiny (with the width its names fit).
        self._layout: tuple[object, ...] | None = None
        self._levels: list[str] = []  # the level codes the headers were made for
        self._people: dict[str, ReportLine] = {}  # by row key, for its detail line

    def compose(self) -> ComposeResult:
        yield Static("", id="team-summary", classes="hint", markup=False)
        yield DataTable(id="team", cursor_type="row", zebra_stripes=True)
        detail = RowDetail(id="team-detail")
        detail.display = False  # only under the tiny table
        yield detail

    def fit(self) -> None:
        layout = team_layout_for(self.width_columns)
        if self.view is not None and layout != (self._layout or ())[:2]:
            self.show(self.view)

    def show(self, view: TeamView) -> None:
        """Who is behind: today's figures per salesperson, the worst backlog first."""
        table = self.query_one("#team", DataTable)
        levels = list(view.levels)
        # Under 120 columns (-narrow): the callbacks in one cell, two-line headers, the
        # essential figures first; upgrades and won are left to F5 Meeting (widgets.people).
        # Under 100 (tiny): the levels and form/contact folded too, the conversion without
        # its with-contact figure, names cut to fit; the line under the table has them.
        layout = team_layout_for(self.width_columns)
        narrow, tiny = layout[0] == "narrow", layout[0] == "tiny"
        at_risk: dict[str, int] = Counter(view.at_risk_owners)
        people = sorted(view.salespeople, key=lambda p: (-p["callbacks_overdue"], p["name"]))
        if tiny:
            self._show_tiny(view, people, at_risk, layout[1])
            return
        self.query_one("#team-detail", RowDetail).display = False
        # A preset switched elsewhere changes the levels: new headers, or the figures
        # would sit under the old ones (a tester saw four counts under three names).
        if not table.columns or layout != self._layout or self._levels != levels:
            self._layout = layout
            self._levels = levels
            level_heads = [plain(view.level_names.get(lv, lv)) for lv in levels]
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
        tomorrow = view.tomorrow
        rows = []
        for p in [*people, {**view.team, "name": _("Team"), "id": 0}]:
            name = p["name"]
            overdue: str | Text = str(p["callbacks_overdue"])
            if p["id"] and p["callbacks_overdue"]:
                overdue = emphasis(str(p["callbacks_overdue"]), "b red")
            risk = str(at_risk.get(name, 0) if p["id"] else len(view.at_risk_owners))
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
        self._summary(view, people)

    def _show_tiny(
        self,
        view: TeamView,
        people: list[ReportLine],
        at_risk: dict[str, int],
        width: int,
    ) -> None:
        """The Team table at 80 columns: every column on screen (widgets.people)."""
        table = self.query_one("#team", DataTable)
        levels = view.levels
        tomorrow = view.tomorrow
        everyone = [*people, {**view.team, "name": _("Team"), "id": 0}]
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
                    str(at_risk.get(name, 0) if p["id"] else len(view.at_risk_owners)),
                    str(tomorrow.get(name, 0) if p["id"] else sum(tomorrow.values())),
                    fold(pct(p["form_completeness"]), pct(p["contact_capture_rate"])),
                ]
            )
        widest = max(len(str(r[2])) for r in rows)
        head: list[str] = [
            _("Salesperson"),
            _("Recep-\ntions"),
            levels_head([view.level_names.get(lv, lv) for lv in levels], max(widest, 5)),
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
        if layout != self._layout or not table.columns:
            self._layout = layout
            # New columns (and no rows): a name's cut changes with the width.
            set_columns(table, [plain(h) for h in head])
        sync_rows(table, [(str(p["id"]), tuple(r)) for p, r in zip(everyone, rows, strict=True)])
        self._people = {str(p["id"]): p for p in everyone}
        self.query_one("#team-detail", RowDetail).display = True
        self.show_detail()
        self._summary(view, people)

    @on(DataTable.RowHighlighted, "#team")
    def show_detail(self) -> None:
        """Under the tiny Team table: the highlighted row's full name and every figure."""
        table = self.query_one("#team", DataTable)
        detail = self.query_one("#team-detail", RowDetail)
        key = selected_key(table) if 0 <= table.cursor_row < table.row_count else None
        p = self._people.get(key or "")
        if p is None or not detail.display or self.view is None:
            detail.update("")
            return
        levels = list(self.view.levels)
        parts = figure_parts(p, {lv: self.view.level_names.get(lv, lv) for lv in levels}, levels)
        parts.append(
            _(
                "form {form}, contact {contact}",
                form=pct(p["form_completeness"]),
                contact=pct(p["contact_capture_rate"]),
            )
        )
        detail.update(detail_line(p["name"], parts))

    def _summary(self, view: TeamView, people: list[dict[str, Any]]) -> None:
        behind = [p["name"] for p in people if p["callbacks_overdue"]]
        self.query_one("#team-summary", Static).update(
            _(
                "{day}: {n} salespeople with overdue callbacks — {names}. Rates over "
                "{first} – {last}.",
                day=view.day,
                n=len(behind),
                names=_(", ").join(behind) or "-",
                first=view.rates_from,
                last=view.rates_to,
            )
        )
