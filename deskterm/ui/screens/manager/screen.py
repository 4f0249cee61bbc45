"""F6 Manager: run the morning meeting from one screen (DESIGN.md §1.4–1.6).

Tabs: stale customers (reassign in two keys), lost requests (approve / send back),
leads to hand out, reasons (with month trend and countermeasures), the funnel, the
trends as charts, and coaching. ``x`` exports the meeting report for printing.

The screen is a shell: a header, one widget per tab (each with its own keys and
columns, fed a typed view by a ``Loaded`` message), the footer, and the loaders. Keys
for the whole screen (export, import) are the screen's.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.keys import key_to_character
from textual.widgets import TabbedContent, TabPane

from deskterm.domain.sheet import Action
from deskterm.i18n import N_, _, _p
from deskterm.services import (
    actions,
    analysis,
    audit,
    coaching,
    exporting,
    importing,
    maintenance,
    manager,
    media,
    reasons,
    report_export,
    setup,
    targets,
    traffic,
    trends,
)
from deskterm.services.exporting import EXPORT_LABELS, ExportKind
from deskterm.services.importing import ImportPlan, Sheet
from deskterm.services.report import as_json, daily_report
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.dialogs import PickScreen, TextPromptScreen
from deskterm.ui.screens.manager.actions import ActionsTab
from deskterm.ui.screens.manager.audit import AuditTab
from deskterm.ui.screens.manager.coaching import CoachingTab
from deskterm.ui.screens.manager.followup import FollowUpTab
from deskterm.ui.screens.manager.funnel import FunnelTab
from deskterm.ui.screens.manager.group import GroupTab
from deskterm.ui.screens.manager.leads import LeadsTab
from deskterm.ui.screens.manager.lost import LostTab
from deskterm.ui.screens.manager.media import MediaTab
from deskterm.ui.screens.manager.reasons import ReasonsTab
from deskterm.ui.screens.manager.stale import StaleTab
from deskterm.ui.screens.manager.tab import ManagerTab
from deskterm.ui.screens.manager.targets import TargetsTab
from deskterm.ui.screens.manager.team import TeamTab
from deskterm.ui.screens.manager.trends import TrendsTab
from deskterm.ui.screens.manager.views import (
    ActionsView,
    AuditView,
    CoachingRow,
    CoachingView,
    FollowUpView,
    FunnelView,
    LeadRow,
    LeadsView,
    LostRow,
    LostView,
    ManagerView,
    MediaView,
    ReasonsView,
    StaleRow,
    StaleView,
    TargetsView,
    TeamView,
    TrendsView,
)
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader

#: The stale lists in the order they are shown: (the report's list, the row's kind).
STALE_LISTS = (("at_risk", "at_risk"), ("to_reassign", "reassign"), ("stalled", "stalled"))


class ManagerScreen(DeskScreen):
    """The sales manager's screen."""

    BINDINGS = [
        Binding("x", "export", N_("Export report"), id="manager.export"),
        Binding("i", "import_sheet", N_("Import sheet"), id="manager.import"),
        Binding("b", "import_batches", N_("Imports"), id="manager.imports"),
        Binding("e", "export_data", N_("Export data"), id="manager.export_data"),
        Binding("k", "lists", N_("Lists"), id="manager.lists"),
    ]

    def __init__(self) -> None:
        super().__init__(id="manager")
        self.funnel_range: tuple[date, date] | None = None  # None: the last 30 days
        self.media_month: date | None = None  # None: this month
        self.trend_months = trends.DEFAULT_MONTHS  # the Trends tab's, m switches
        # Each load is numbered: a tab draws a view only if no newer one was drawn.
        self._load_seq = 0
        self._audit_seq = 0
        self._followup_seq = 0
        self._trends_seq = 0
        self._group_seq = 0

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        with TabbedContent(id="tabs"):
            with TabPane(_p("tab", "Team"), id="tab-team"):
                yield TeamTab()
            with TabPane(_("Stale customers"), id="tab-stale"):
                yield StaleTab()
            with TabPane(_("Lost requests"), id="tab-lost"):
                yield LostTab()
            with TabPane(_("Leads"), id="tab-leads"):
                yield LeadsTab()
            with TabPane(_("Reasons"), id="tab-reasons"):
                yield ReasonsTab()
            with TabPane(_("Funnel"), id="tab-funnel"):
                yield FunnelTab()
            with TabPane(_p("tab", "Trends"), id="tab-trends"):
                yield TrendsTab()
            with TabPane(_p("tab", "Media"), id="tab-media"):
                yield MediaTab()
            with TabPane(_("Coaching"), id="tab-coaching"):
                yield CoachingTab()
            with TabPane(_p("tab", "Targets"), id="tab-targets"):
                yield TargetsTab()
            with TabPane(_p("tab", "Actions"), id="tab-actions"):
                yield ActionsTab()
            with TabPane(_p("tab", "Follow-up"), id="tab-followup"):
                yield FollowUpTab()
            with TabPane(_("Audit trail"), id="tab-audit"):
                yield AuditTab()
            if self.ctx.db.dialect == "postgresql":
                # A dealer group's server: its other showrooms are in reach.
                with TabPane(_p("tab", "Group"), id="tab-group"):
                    yield GroupTab()
        yield DeskFooter()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def _fit_layout(self) -> None:
        super()._fit_layout()
        if self.is_mounted:
            for tab in self.query(ManagerTab):
                tab.fit()

    # -- the open tab's keys ----------------------------------------------------------
    def active_tab(self) -> ManagerTab[object] | None:
        """The widget of the open tab (None while the screen is built or torn down)."""
        try:
            pane = self.query_one("#tabs", TabbedContent).active_pane
        except NoMatches:
            return None
        if pane is None:
            return None
        return next(iter(pane.query_children(ManagerTab)), None)

    @property
    def _binding_chain(self) -> list[tuple[DOMNode, BindingsMap]]:
        # Textual's key chain runs from the focused widget up; the tab strip has the
        # focus most of the time, and the open tab is not above it. The open tab goes
        # in just before the screen, so its keys work and the Footer shows them, on this
        # tab only (keymap settings apply to them as to any other binding).
        tab = self.active_tab()
        # A table keeping the focus in a tab switched away from (the tabs set from code)
        # must not keep that tab's keys alive.
        chain = [
            (node, bindings)
            for node, bindings in super()._binding_chain
            if node is tab or not isinstance(node, ManagerTab)
        ]
        if tab is None or any(node is tab for node, _bindings in chain):
            return chain
        bindings = tab._bindings.copy()
        if self.app._keymap:
            result = bindings.apply_keymap(self.app._keymap)
            if result.clashed_bindings:
                self.app.handle_bindings_clash(result.clashed_bindings, tab)
        index = next((i for i, (node, _b) in enumerate(chain) if node is self), len(chain))
        for node, _b in chain[:index]:
            # a focused widget that takes a key (typing) keeps it from the tab's bindings
            for key in list(bindings.key_to_bindings):
                if node.check_consume_key(key, key_to_character(key)):
                    del bindings.key_to_bindings[key]
        chain.insert(index, (tab, bindings))
        return chain

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()
        if isinstance(self.active_tab(), FollowUpTab):
            self.load_followup()
        if isinstance(self.active_tab(), TrendsTab):
            self.load_trends()
        if isinstance(self.active_tab(), GroupTab):
            self.load_group()

    def load_group(self) -> None:
        """The Group tab's view: only while it is open (it reads every showroom)."""
        self._group_seq += 1
        self._load_group(self._group_seq)

    @work(thread=True, exclusive=True, group="group-load", exit_on_error=False)
    def _load_group(self, seq: int) -> None:
        from deskterm.services.group import group_json, group_report

        ctx = self.ctx
        view = group_json(
            group_report(
                ctx.db.conninfo,  # type: ignore[attr-defined]  # a server (the tab's rule)
                ctx.clock,
                role=ctx.role,
                remote=ctx.remote,
            )
        )
        self.app.call_from_thread(
            lambda: self.query_one(GroupTab).post_message(ManagerTab.Loaded(view, seq))
        )

    def load_trends(self) -> None:
        """The Trends tab's view: only while it is open (months of figures: several
        times the rest of the screen's load, on every change another window commits)."""
        self._trends_seq += 1
        self._load_trends(self._trends_seq)

    @work(thread=True, exclusive=True, group="trends-load", exit_on_error=False)
    def _load_trends(self, seq: int) -> None:
        ctx = self.ctx
        words = {
            kind: {r.code: r.name for r in reasons.all_reasons(ctx, kind)} for kind in reasons.KINDS
        }
        view = TrendsView(trends.trends(ctx, ctx.today(), self.trend_months), words)
        self.app.call_from_thread(
            lambda: self.query_one(TrendsTab).post_message(ManagerTab.Loaded(view, seq))
        )

    def load_followup(self) -> None:
        """The Follow-up tab's view: only while it is open (it reads each coached
        person's figures before and since, heavier than the other tabs together)."""
        self._followup_seq += 1
        self._load_followup(self._followup_seq)

    @work(thread=True, exclusive=True, group="followup-load", exit_on_error=False)
    def _load_followup(self, seq: int) -> None:
        ctx = self.ctx
        view = FollowUpView(
            tuple(coaching.coaching_board(ctx)), tuple(coaching.coaching_log(ctx, limit=20))
        )
        self.app.call_from_thread(
            lambda: self.query_one(FollowUpTab).post_message(ManagerTab.Loaded(view, seq))
        )

    # -- loading --------------------------------------------------------------------
    def refresh_data(self) -> None:
        self._load_seq += 1
        self.load(self._load_seq)
        self.load_audit(self.query_one(AuditTab).filter_text)
        if isinstance(self.active_tab(), FollowUpTab):
            self.load_followup()
        if isinstance(self.active_tab(), TrendsTab):
            self.load_trends()
        # Not the Group tab: it opens every showroom's schema, so it reads when opened
        # and on its key, not on each change of this showroom.

    @work(thread=True, exclusive=True, group="manager-load", exit_on_error=False)
    def load(self, seq: int) -> None:
        """Read every tab's view off the event loop (load ``seq``); the tabs draw it."""
        self.app.call_from_thread(self.deliver, self.build_view(), seq)

    def deliver(self, view: ManagerView, seq: int) -> None:
        """Hand each tab its part of ``view``: a tab drops it if it drew a newer load.

        An exclusive worker is cancelled by the next load, but a thread already reading
        runs to its end: without the numbers its older view could land last."""
        for tab, part in (
            (TeamTab, view.team),
            (StaleTab, view.stale),
            (LostTab, view.lost),
            (LeadsTab, view.leads),
            (ReasonsTab, view.reasons),
            (FunnelTab, view.funnel),
            (CoachingTab, view.coaching),
            (TargetsTab, view.targets),
            (ActionsTab, view.actions),
            (MediaTab, view.media),
            (TrendsTab, view.trends),
        ):
            if part is not None:
                self.query_one(tab).post_message(ManagerTab.Loaded(part, seq))

    def build_view(self) -> ManagerView:
        """What the tabs show, read from the services (runs in a worker thread)."""
        ctx = self.ctx
        report = daily_report(ctx)
        data = as_json(report)
        today = ctx.today()
        first = (today.replace(day=1) - timedelta(days=150)).replace(day=1)
        month_first = (today.replace(day=1) - timedelta(days=60)).replace(day=1)
        salespeople = setup.list_staff(ctx, "salesperson")
        funnel_first, funnel_last = self.funnel_range or (today - timedelta(days=29), today)
        people = [(p.id, p.name) for p in salespeople if p.id is not None]
        words = {
            kind: {r.code: r.name for r in reasons.all_reasons(ctx, kind)} for kind in reasons.KINDS
        }
        return ManagerView(
            team=TeamView(
                day=data["date"],
                rates_from=data["rates_window"]["from"],
                rates_to=data["rates_window"]["to"],
                levels=tuple(data["levels"]),
                level_names={lv: self.level_name(lv) for lv in data["levels"]},
                salespeople=tuple(data["salespeople"]),
                team=data["team"],
                tomorrow={t["salesperson"]: t["callbacks"] for t in data["tomorrow"]},
                at_risk_owners=tuple(i.owner for i in report.lists["at_risk"]),
            ),
            stale=StaleView(
                tuple(
                    StaleRow(
                        kind,
                        i.customer_id,
                        i.name,
                        self.level_name(i.level),
                        i.owner,
                        i.owner_id,
                        i.due.isoformat(),
                        i.days_over,
                    )
                    for key, kind in STALE_LISTS
                    for i in report.lists[key]
                )
            ),
            lost=LostView(
                tuple(
                    LostRow(
                        r.customer_id, r.name, self.level_name(r.level), r.owner, r.reason, r.note
                    )
                    for r in manager.pending_lost_requests(ctx)
                    if ctx.local_day(r.requested_at) <= report.day  # not yet made on that day
                )
            ),
            leads=LeadsView(
                tuple(
                    LeadRow(v.customer_id, v.name, v.source, v.since.isoformat()[:10], v.note)
                    for v in manager.leads_to_hand_out(ctx)
                    if ctx.local_day(v.since) <= report.day
                )
            ),
            reasons=ReasonsView(
                analysis.reasons(ctx, "no_contact", first, today),
                analysis.reasons(ctx, "lost", first, today),
                words,
                today,
            ),
            funnel=FunnelView(
                funnel_first,
                funnel_last,
                analysis.funnel(ctx, funnel_first, funnel_last),
                {p.id: p.name for p in salespeople},
                traffic.sections(ctx, funnel_first, funnel_last, people)["steps"],
            ),
            coaching=CoachingView(
                tuple(
                    CoachingRow(p.name, *analysis.coaching(ctx, p.id, month_first, today))
                    for p in salespeople
                ),
                traffic.sections(ctx, month_first, today, people)["steps"],
            ),
            targets=TargetsView(
                targets.progress(ctx, today),
                tuple(targets.list_targets(ctx, today)),
                setup.get_settings(ctx).get(targets.WEEK_SETTING, ""),
                tuple(targets.closed_days(ctx, today)),
            ),
            actions=ActionsView(tuple(actions.list_actions(ctx, include_closed=True))),
            media=MediaView(self._media_report(today)),
        )

    def _media_report(self, today: date) -> media.MediaReport:
        """The month asked for: this one to today, or a whole other month."""
        month = (self.media_month or today).replace(day=1)
        last = today if month == today.replace(day=1) else None
        return media.media_report(self.ctx, month, last)

    @on(MediaTab.MonthChosen)
    def media_month_chosen(self, event: MediaTab.MonthChosen) -> None:
        self.media_month = event.month
        self.refresh_data()

    @on(AuditTab.FilterChanged)
    def audit_filter(self, event: AuditTab.FilterChanged) -> None:
        self.load_audit(event.text)

    def load_audit(self, text: str) -> None:
        """Load the audit trail that matches ``text`` for the Audit tab."""
        self._audit_seq += 1
        self._load_audit(text, self._audit_seq)

    @work(thread=True, exclusive=True, group="audit-load", exit_on_error=False)
    def _load_audit(self, text: str, seq: int) -> None:
        ctx = self.ctx
        view = AuditView(
            tuple(audit.audit_trail(ctx, text)),
            audit.reason_names(ctx),
            # Owners and receivers by name, not #id (people who left included).
            {p.id: p.name for p in setup.list_staff(ctx, include_inactive=True)},
            {code: self.level_name(code) for code in self.levels.codes},
            ctx.clock.zone,
        )
        self.app.call_from_thread(self._deliver_audit, view, seq)

    def _deliver_audit(self, view: AuditView, seq: int) -> None:
        self.query_one(AuditTab).post_message(ManagerTab.Loaded(view, seq))

    @on(FunnelTab.PeriodChosen)
    def funnel_period(self, event: FunnelTab.PeriodChosen) -> None:
        self.funnel_range = (event.first, event.last)
        self.refresh_data()

    @on(TrendsTab.MonthsChosen)
    def trend_months_chosen(self, event: TrendsTab.MonthsChosen) -> None:
        self.trend_months = event.months
        self.load_trends()

    # -- the screen's own keys --------------------------------------------------------
    def action_lists(self) -> None:
        """The shop's pick lists (no-contact and lost reasons, media): which one to keep."""
        from deskterm.ui.screens.manager.lists import LIST_NAMES, ListScreen

        def picked(kind: str | None) -> None:
            if kind is not None:
                self.app.push_screen(ListScreen(self.ctx, kind), lambda _none: self.refresh_data())

        self.app.push_screen(
            PickScreen(_("Which list?"), [(kind, _(label)) for kind, label in LIST_NAMES.items()]),
            picked,
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
