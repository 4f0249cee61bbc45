"""The coaching log: the manager's on-site follow-ups, call spot checks, shared calls and
training, per salesperson — and who is due one, and whether the coached figures moved
since (issue 18; the rules are in domain.coaching)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import col, select

from deskterm.domain.coaching import (
    COACHED,
    CoachedFigure,
    CoachingKind,
    checklist_score,
    due_for_follow_up,
    parse_kind,
    why_due,
)
from deskterm.domain.targets import Measure
from deskterm.domain.text import clean_field
from deskterm.errors import InvalidInput, NotFound
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.report import Report
from deskterm.services.targets import figure_in, figures_report, progress
from deskterm.storage.models import CoachingEntry, Staff

#: The before of "did it move": this many days before the last coaching.
BEFORE_DAYS = 30


@dataclass(frozen=True)
class CoachingView:
    """One coaching entry."""

    id: int
    day: date
    salesperson_id: int
    salesperson: str
    coach: str | None
    kind: CoachingKind
    recording: str | None
    checklist: tuple[str, ...]
    score: int | None
    score_of: int | None
    note: str


@dataclass(frozen=True)
class Moved:
    """A coached figure before the last coaching and since."""

    measure: Measure
    before: Decimal | None
    since: Decimal | None


@dataclass(frozen=True)
class CoachingRow:
    """A salesperson on the Coaching tab."""

    salesperson_id: int
    name: str
    last_coached: date | None
    entries: int  # in the last 90 days
    why: tuple[Measure, ...]  # the coached figures that call for a follow-up
    due: bool
    figures: tuple[CoachedFigure, ...]  # this month so far
    moved: tuple[Moved, ...]  # before/since the last coaching (empty: never coached)


def check_checklist(text: str) -> tuple[str, ...]:
    """The checklist items typed (codes, by spaces or commas), refused if unknown."""
    return checklist_score(text.replace(",", " ").split())[0]


@permission("manage")
def record_coaching(
    ctx: Context,
    salesperson_id: int,
    kind: str | CoachingKind,
    note: str = "",
    *,
    day: date | None = None,
    recording: str = "",
    checklist: tuple[str, ...] = (),
) -> CoachingView:
    """Log a coaching of ``salesperson_id`` (default: today). A call spot check names
    the recording (file name or the phone system's call id) and the checklist items the
    call met; the score is how many of the checklist's."""
    k = kind if isinstance(kind, CoachingKind) else parse_kind(kind)
    day = day or ctx.today()
    if day > ctx.today():
        raise InvalidInput("A coaching is logged on the day it happened, not ahead.", field="day")
    text = clean_field(note, field="note", max_length=500)
    rec = clean_field(recording, field="recording", max_length=120) or None
    met: tuple[str, ...] = ()
    score = score_of = None
    if k is CoachingKind.CALL_CHECK:
        if rec is None:
            raise InvalidInput(
                "A call spot check names the recording (file name or call id).",
                field="recording",
            )
        met, score, score_of = checklist_score(checklist)
    elif checklist:
        raise InvalidInput("Only a call spot check has a checklist.", field="checklist")
    with ctx.db.write() as s:
        person = s.get(Staff, salesperson_id)
        if person is None or person.role != "salesperson":
            raise NotFound("No salesperson #{id}.", field="salesperson", id=salesperson_id)
        row = CoachingEntry(
            day=day,
            salesperson_id=salesperson_id,
            coach_id=ctx.actor_id,
            kind=k.value,
            recording=rec,
            checklist=",".join(met) or None,
            score=score,
            score_of=score_of,
            note=text,
            created_at=ctx.now(),
        )
        s.add(row)
        s.flush()
        record_audit(
            s,
            ctx,
            "coaching.record",
            "coaching_entry",
            row.id,
            None,
            {"salesperson_id": salesperson_id, "kind": k.value, "day": day, "score": score},
        )
        entry_id = row.id or 0
    return next(e for e in coaching_log(ctx, salesperson_id) if e.id == entry_id)


@permission("meeting")
def coaching_log(
    ctx: Context, salesperson_id: int | None = None, limit: int = 300
) -> list[CoachingView]:
    """Coaching entries, latest first (of one salesperson, or everyone's)."""
    with ctx.db.read() as s:
        names = {st.id or 0: st.name for st in s.exec(select(Staff)).all()}
        q = select(CoachingEntry)
        if salesperson_id is not None:
            q = q.where(CoachingEntry.salesperson_id == salesperson_id)
        rows = s.exec(
            q.order_by(col(CoachingEntry.day).desc(), col(CoachingEntry.id).desc()).limit(limit)
        ).all()
        return [
            CoachingView(
                r.id or 0,
                r.day,
                r.salesperson_id,
                names.get(r.salesperson_id, "?"),
                names.get(r.coach_id) if r.coach_id is not None else None,
                CoachingKind(r.kind),
                r.recording,
                tuple(c for c in (r.checklist or "").split(",") if c),
                r.score,
                r.score_of,
                r.note,
            )
            for r in rows
            if r.kind in CoachingKind.__members__.values()
        ]


@permission("meeting")
def coaching_board(ctx: Context, day: date | None = None) -> list[CoachingRow]:
    """Every active salesperson: the coached figures this month against their targets
    and the team, whether a follow-up is due and why, and — for those coached — the
    figures in the 30 days before the last coaching and since."""
    day = min(day or ctx.today(), ctx.today())
    board = progress(ctx, day)
    with ctx.db.read() as s:
        sellers = {
            st.id or 0: st.name
            for st in s.exec(select(Staff).where(Staff.role == "salesperson")).all()
            if st.active
        }
        recent = [
            (e.salesperson_id, e.day)
            for e in s.exec(select(CoachingEntry).where(CoachingEntry.day <= day)).all()
        ]
    last: dict[int, date] = {}
    counts: dict[int, int] = {}
    for sid, d in recent:
        last[sid] = max(last.get(sid, d), d)
        if (day - d).days < 90:
            counts[sid] = counts.get(sid, 0) + 1
    team = {m: board.team.row(m).actual for m in COACHED}
    # People coached on the same day share their before and since: one read per period.
    reports: dict[tuple[date, date], Report] = {}

    def figure(m: Measure, sid: int, first: date, last: date) -> Decimal | None:
        last = min(last, day)
        if first > last:
            return None
        if (first, last) not in reports:
            reports[(first, last)] = figures_report(ctx, first, last)
        return figure_in(reports[(first, last)], m, sid, first, last)

    rows = []
    for person in board.people:
        if person.salesperson_id not in sellers:
            continue
        sid = person.salesperson_id
        figures = tuple(
            CoachedFigure(m, person.row(m).actual, team[m], person.row(m).status) for m in COACHED
        )
        why = why_due(figures)
        since = last.get(sid)
        moved: tuple[Moved, ...] = ()
        if since is not None:
            before = (since - timedelta(days=BEFORE_DAYS), since - timedelta(days=1))
            after = (since, day)
            moved = tuple(
                Moved(m, figure(m, sid, *before), figure(m, sid, *after)) for m in COACHED
            )
        rows.append(
            CoachingRow(
                sid,
                sellers[sid],
                since,
                counts.get(sid, 0),
                why,
                due_for_follow_up(why, since, day),
                figures,
                moved,
            )
        )
    # Who is due first; then the longest since coached.
    return sorted(rows, key=lambda r: (not r.due, r.last_coached or date.min, r.name))
