"""What each Manager tab shows: typed views, built off the event loop, shown as they are.

The loader (``ManagerScreen.load``) reads the services once and hands each tab its own
view in a ``ManagerTab.Loaded`` message; a tab needs nothing else to draw itself, so a
test can build a view by hand and mount the tab alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo
from typing import Any

from deskterm.domain.analysis import CoachingMonth
from deskterm.services.actions import ActionView
from deskterm.services.analysis import ReasonsReport
from deskterm.services.audit import AuditEntry
from deskterm.services.coaching import CoachingRow as CoachingBoardRow
from deskterm.services.coaching import CoachingView as CoachingEntryView
from deskterm.services.media import MediaReport
from deskterm.services.targets import TargetBoard, TargetView
from deskterm.services.trends import Trends

#: One line of the report as its JSON contract has it (README, "Report JSON"): the Team
#: tab shares the people tables' helpers (``widgets.people``) with F5 Meeting, which read
#: these lines.
ReportLine = dict[str, Any]


@dataclass(frozen=True)
class TeamView:
    """Today's figures per salesperson and for the team."""

    day: str
    rates_from: str
    rates_to: str
    levels: tuple[str, ...]  # level codes, in the shop's order
    level_names: dict[str, str]  # code -> name in the current language
    salespeople: tuple[ReportLine, ...]
    team: ReportLine
    tomorrow: dict[str, int] = field(default_factory=dict)  # name -> callbacks due tomorrow
    at_risk_owners: tuple[str, ...] = ()  # the owner of each at-risk customer


@dataclass(frozen=True)
class StaleRow:
    """A customer on one of the stale lists."""

    kind: str  # "at_risk", "reassign" or "stalled"
    customer_id: int
    name: str
    level: str  # the level's name
    owner: str
    owner_id: int | None
    since: str  # the day the list's clock ran out
    days_over: int

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.customer_id}"


@dataclass(frozen=True)
class StaleView:
    """The stale lists, at risk first, each longest overdue first."""

    rows: tuple[StaleRow, ...]


@dataclass(frozen=True)
class LostRow:
    """A salesperson's request to mark a customer lost."""

    customer_id: int
    name: str
    level: str  # the level's name
    owner: str
    reason: str  # the reason's code
    note: str


@dataclass(frozen=True)
class LostView:
    requests: tuple[LostRow, ...]


@dataclass(frozen=True)
class LeadRow:
    """A lead waiting to be handed to a salesperson."""

    customer_id: int
    name: str
    source: str  # the channel's code
    since: str  # the day it came in
    note: str


@dataclass(frozen=True)
class LeadsView:
    leads: tuple[LeadRow, ...]


@dataclass(frozen=True)
class ReasonsView:
    """Why visitors left no contact and why customers were lost, by month and person."""

    no_contact: ReasonsReport
    lost: ReasonsReport
    #: The shop's own words for its reasons, by kind then code (retired ones too).
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The day the countermeasures are judged on (their reviews due by it).
    day: date | None = None


@dataclass(frozen=True)
class FunnelView:
    """First visits in a period and how far each got, per salesperson and the team."""

    first: date
    last: date
    stages: dict[int | None, dict[str, int]]  # salesperson id (None: the team) -> counts
    names: dict[int, str]  # the salespeople, in their order
    #: The period's visits and the steps of the sale they reached: the report JSON's
    #: ``steps`` section (issue 19); None when not loaded.
    steps: dict[str, Any] | None = None


@dataclass(frozen=True)
class TrendsView:
    """The last months' figures and reasons, and the month so far against its targets."""

    trends: Trends
    #: The shop's own words for its reasons, by kind then code (retired ones too).
    names: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CoachingRow:
    """A salesperson's recent months and the fields most often left empty."""

    name: str
    months: dict[str, CoachingMonth]
    missing: Counter[str]


@dataclass(frozen=True)
class CoachingView:
    people: tuple[CoachingRow, ...]
    #: The steps of the sale over the same months (the report JSON's ``steps``): each
    #: salesperson's shares beside the team's; None when not loaded.
    steps: dict[str, Any] | None = None


@dataclass(frozen=True)
class AuditView:
    """The audit trail, newest first, and what turns its codes into words."""

    entries: tuple[AuditEntry, ...]
    reasons: dict[str, str] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)
    level_names: dict[str, str] = field(default_factory=dict)
    zone: tzinfo = UTC  # the shop's time zone: times as the desk reads them


@dataclass(frozen=True)
class TargetsView:
    """The month's targets beside the month so far, the targets as set, the shop's week."""

    board: TargetBoard
    targets: tuple[TargetView, ...]
    week: str  # the weekday weights, Monday first
    closed: tuple[tuple[date, str], ...]  # the month's closed days


@dataclass(frozen=True)
class ActionsView:
    """The action plans: open ones most urgent first, then the closed, latest first."""

    items: tuple[ActionView, ...]


@dataclass(frozen=True)
class FollowUpView:
    """Who is due a coaching follow-up and why, and the latest coaching entries."""

    rows: tuple[CoachingBoardRow, ...]
    log: tuple[CoachingEntryView, ...]


@dataclass(frozen=True)
class MediaView:
    """The month's media: spend, visitors, contacts, sales and what each cost."""

    report: MediaReport


@dataclass(frozen=True)
class ManagerView:
    """Everything the Manager screen's tabs show but the audit trail (loaded apart)."""

    team: TeamView
    stale: StaleView
    lost: LostView
    leads: LeadsView
    reasons: ReasonsView
    funnel: FunnelView
    coaching: CoachingView
    targets: TargetsView | None = None
    actions: ActionsView | None = None
    media: MediaView | None = None
    trends: TrendsView | None = None
