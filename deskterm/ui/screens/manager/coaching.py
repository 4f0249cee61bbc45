"""The Coaching tab: each salesperson's recent months, form and contact, fields left empty."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from deskterm.domain.kpi import FIELD_LABELS
from deskterm.domain.traffic import step_shares, widest_gap
from deskterm.i18n import _
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.views import CoachingView
from deskterm.ui.widgets.tables import sync_rows


class CoachingTab(ManagerTab[CoachingView]):
    """Read-only: what to coach each salesperson on."""

    def __init__(self) -> None:
        super().__init__(id="coaching-tab")

    def compose(self) -> ComposeResult:
        yield DataTable(id="coaching", cursor_type="row", zebra_stripes=True)
        # The steps of the sale beside the team's (issue 19): where their visits stop.
        yield Static("", id="coaching-steps-hint", classes="hint", markup=False)
        yield DataTable(id="coaching-steps", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#coaching", DataTable).add_columns(
            _("Salesperson"),
            _("Month"),
            _("Receptions"),
            _("Contact"),
            _("Form"),
            _("Most often empty"),
        )
        steps = self.query_one("#coaching-steps", DataTable)
        steps.styles.height = "auto"
        steps.add_columns(
            _("Salesperson"), _("Visits"), _("Behind the team most at"), _("Turn-over")
        )

    def show(self, view: CoachingView) -> None:
        rows = []
        for person in view.people:
            for month, m in person.months.items():
                rows.append(
                    (
                        f"{person.name}-{month}",
                        (
                            person.name,
                            month,
                            str(m.receptions),
                            "-" if m.capture_rate is None else f"{m.capture_rate:.0%}",
                            "-" if m.completeness is None else f"{m.completeness:.0%}",
                            _(", ").join(
                                _(FIELD_LABELS.get(f, f)) for f, _n in person.missing.most_common(2)
                            ),
                        ),
                    )
                )
        sync_rows(self.query_one("#coaching", DataTable), rows)
        self._show_steps(view)

    def _show_steps(self, view: CoachingView) -> None:
        """Each salesperson's step shares against the team's: the step their visits reach
        least often compared with the team ("walk-around 35% vs team 60%")."""
        hint = self.query_one("#coaching-steps-hint", Static)
        steps = view.steps
        hint.display = self.query_one("#coaching-steps", DataTable).display = steps is not None
        if steps is None:
            return
        codes, team = steps["codes"], steps["team"]
        team_shares = step_shares(team, team["visits"], codes)
        rows = []
        for p in steps["salespeople"]:
            if not p["visits"]:
                continue
            gap = widest_gap(step_shares(p, p["visits"], codes), team_shares, codes)
            behind = (
                "-"
                if gap is None
                else _(
                    "{step} {mine:.0%} vs team {team:.0%}",
                    step=steps["names"].get(gap[0], gap[0]),
                    mine=gap[1],
                    team=gap[2],
                )
            )
            rows.append(
                (
                    str(p["id"]),
                    (
                        p["name"],
                        str(p["visits"]),
                        behind,
                        _(
                            "{mine} vs team {team}",
                            mine=_rate(p["turn_over_rate"]),
                            team=_rate(team["turn_over_rate"]),
                        ),
                    ),
                )
            )
        sync_rows(self.query_one("#coaching-steps", DataTable), rows)
        hint.update(_("The steps of the sale: where each salesperson's visits fall behind"))


def _rate(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"
