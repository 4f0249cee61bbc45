"""KPIs for the daily sales meeting (DESIGN.md §1.4), from plain facts.

The storage layer turns rows into these facts; the rules of what counts live
here, so they are tested without a database.

Definitions (also in README):
- contact-capture rate: receptions of visitors who left contact details ÷ counted
  receptions (ups that don't count are excluded);
- form completeness: share of the form's key fields filled, over counted receptions;
  a counted reception whose form was never saved counts as 0 of 7 (leaving a bad form
  unsaved must not improve the score);
- conversion rate: customers won ÷ first visits received (with or without contact:
  every visitor was paid for), over the rate window; beside it the same wins ÷ new
  customers with contact;
- upgrades: customers whose level ended a day of the period hotter than it began it
  through that day's callbacks (a bounce is no upgrade; domain.clocks.count_upgrades);
- callbacks on time: of the callbacks due in the period (not cancelled), the share done
  on or before their due day;
- test drives: counted receptions with a test drive; revisits: counted receptions of a
  customer already on file (an invitation that came in).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from deskterm.domain.clocks import count_upgrades
from deskterm.domain.levels import Levels
from deskterm.i18n import N_


@dataclass(frozen=True)
class ReceptionFact:
    """One arrival as the KPIs see it, or ``count`` alike ones (the report counts them
    in SQL: the same salesperson, side of the period, channel and flags; the form
    fields are then their sums, and either every form among them was saved or none)."""

    salesperson_id: int
    day: date
    channel: str
    has_contact: bool
    counted: bool = True
    first_visit: bool = True
    form_fields_filled: int = 0
    form_fields_total: int = 0  # 0 = no form saved
    test_drive: bool = False
    count: int = 1


@dataclass(frozen=True)
class CallbackFact:
    """One callback task."""

    salesperson_id: int
    due: date
    done: date | None
    level_before: str | None = None
    level_after: str | None = None
    real_contact: bool = False
    customer_id: int | None = None  # upgrades are counted per customer and day
    done_at: datetime | None = None  # orders one customer's callbacks within a day
    cancelled: bool = False  # cancelled by the end of the period: no task then


@dataclass(frozen=True)
class PipelineFact:
    """A customer in a salesperson's pipeline."""

    owner_id: int
    level: str
    status: str
    count: int = 1  # customers with this owner, level and status


@dataclass(frozen=True)
class WinFact:
    """A customer won on ``day``, credited to ``owner_id``."""

    owner_id: int
    day: date


@dataclass
class Figures:
    """The meeting's figures for one salesperson, or for the team."""

    receptions: int = 0
    receptions_by_channel: Counter[str] = field(default_factory=Counter)
    with_contact: int = 0
    without_contact: int = 0
    uncounted: int = 0
    new_customers: int = 0
    forms_saved: int = 0
    form_fields_filled: int = 0
    form_fields_total: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    callbacks_due: int = 0
    callbacks_done: int = 0
    callbacks_overdue: int = 0
    callbacks_on_time: int = 0  # of those due in the period, done by their due day
    test_drives: int = 0
    revisits: int = 0  # counted receptions of customers already on file (came back)
    upgrades: int = 0
    won: int = 0
    window_new_customers: int = 0
    window_first_visits: int = 0
    window_won: int = 0
    window_fields_filled: int = 0
    window_fields_total: int = 0

    @property
    def contact_capture_rate(self) -> float | None:
        """Share of counted receptions that left contact details."""
        counted = self.with_contact + self.without_contact
        return None if counted == 0 else self.with_contact / counted

    @property
    def callbacks_on_time_rate(self) -> float | None:
        """Share of the callbacks due in the period that were done by their due day."""
        return None if self.callbacks_due == 0 else self.callbacks_on_time / self.callbacks_due

    @property
    def form_completeness(self) -> float | None:
        """Share of key form fields filled over the rate window."""
        if self.window_fields_total == 0:
            return None
        return self.window_fields_filled / self.window_fields_total

    @property
    def conversion_rate(self) -> float | None:
        """Wins ÷ first visits received (with or without contact) over the rate window."""
        if self.window_first_visits == 0:
            return None
        return self.window_won / self.window_first_visits

    @property
    def conversion_rate_with_contact(self) -> float | None:
        """Wins ÷ new customers who left contact details, over the rate window."""
        if self.window_new_customers == 0:
            return None
        return self.window_won / self.window_new_customers


def total(parts: Iterable[Figures]) -> Figures:
    """The figures of several teams together (a dealer group's showrooms): every count
    added, so each rate is recomputed from the sums, never averaged."""
    out = Figures()
    for f in parts:
        for name in Figures.__dataclass_fields__:
            value = getattr(f, name)
            if isinstance(value, Counter):
                getattr(out, name).update(value)
            else:
                setattr(out, name, getattr(out, name) + value)
    return out


@dataclass
class MeetingFigures:
    """Per-salesperson figures and the team total."""

    per_salesperson: dict[int, Figures]
    team: Figures


def _add_reception(f: Figures, r: ReceptionFact) -> None:
    n = r.count
    if not r.counted:
        f.uncounted += n
        return
    f.receptions += n
    f.receptions_by_channel[r.channel] += n
    if r.has_contact:
        f.with_contact += n
    else:
        f.without_contact += n
    if r.first_visit and r.has_contact:
        f.new_customers += n
    if not r.first_visit:
        f.revisits += n
    if r.test_drive:
        f.test_drives += n
    if r.form_fields_total:
        f.forms_saved += n
        f.form_fields_filled += r.form_fields_filled
        f.form_fields_total += r.form_fields_total


def meeting_figures(
    *,
    day_from: date,
    day_to: date,
    window_from: date,
    salespeople: Sequence[int],
    receptions: Iterable[ReceptionFact],
    callbacks: Iterable[CallbackFact],
    pipeline: Iterable[PipelineFact],
    wins: Iterable[WinFact],
    levels: Levels,
    today: date,
) -> MeetingFigures:
    """Figures for the period ``day_from..day_to`` (inclusive).

    Rates (conversion, form completeness) use the longer window
    ``window_from..day_to`` so a single day's meeting shows a meaningful rate.
    ``today`` decides what is overdue: callbacks due before it and not done by
    the end of the period.
    """
    per: dict[int, Figures] = {sid: Figures() for sid in salespeople}
    team = Figures()

    def targets(sid: int) -> list[Figures]:
        mine = per.get(sid)
        if mine is None:  # (not setdefault: that builds a Figures on every call)
            mine = per[sid] = Figures()
        return [mine, team]

    for r in receptions:
        for f in targets(r.salesperson_id):
            if day_from <= r.day <= day_to:
                _add_reception(f, r)
            if window_from <= r.day <= day_to and r.counted:
                if r.first_visit:
                    f.window_first_visits += r.count
                    if r.has_contact:
                        f.window_new_customers += r.count
                # A form never saved is a form with nothing on it: 0 of the key fields.
                f.window_fields_filled += r.form_fields_filled if r.form_fields_total else 0
                f.window_fields_total += r.form_fields_total or len(FORM_KEY_FIELDS) * r.count
    done_in_period: list[CallbackFact] = []
    for c in callbacks:
        if c.cancelled:
            continue
        for f in targets(c.salesperson_id):
            if day_from <= c.due <= day_to:
                f.callbacks_due += 1
                if c.done is not None and c.done <= c.due and c.done <= day_to:
                    f.callbacks_on_time += 1
            if c.done is not None and day_from <= c.done <= day_to:
                f.callbacks_done += 1
            if c.due < today and (c.done is None or c.done > day_to):
                f.callbacks_overdue += 1
        if c.done is not None and day_from <= c.done <= day_to:
            done_in_period.append(c)
    for sid, n in count_upgrades(done_in_period, levels).items():
        for f in targets(sid):
            f.upgrades += n
    for p in pipeline:
        # Cold customers handed to marketing still count on their owner's level tally.
        if p.status in ("active", "at_risk", "marketing"):
            for f in targets(p.owner_id):
                f.levels[p.level] += p.count
    for w in wins:
        for f in targets(w.owner_id):
            if day_from <= w.day <= day_to:
                f.won += 1
            if window_from <= w.day <= day_to:
                f.window_won += 1
    return MeetingFigures(per, team)


FIELD_LABELS: dict[str, str] = {
    "name": N_("name"),
    "phone": N_("phone"),
    "model_interest": N_("model"),
    "budget": N_("budget"),
    "purchase_horizon": N_("purchase time"),
    "companions": N_("companions"),
    "level": N_("level"),
}

FORM_KEY_FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "model_interest",
    "budget",
    "purchase_horizon",
    "companions",
    "level",
)


def form_completeness(filled: dict[str, bool]) -> tuple[int, int]:
    """(filled, total) over the form's key fields — the salesperson's form KPI."""
    return sum(1 for f in FORM_KEY_FIELDS if filled.get(f)), len(FORM_KEY_FIELDS)
