"""What the Reception screen shows, read in one go: the board, today's arrivals with the
steps their visits reached, the step list and who is waiting.

One snapshot for all of it: the parts agree with each other (an arrival never shows a
salesperson the board has not sent). Its statements are one batch
(``Database.read_batch``): a file reads them one after the other, a dealer group's server
in **one round trip** — the screen reloads after every change any desk of its showroom
makes, so this is the read a server serves most. When the day's rotation snapshot is not
there to read (a settings change since, a log edited by hand), the board comes from the
replay of the log, as ``rotation.get_board`` gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from deskterm.domain import rotation as R
from deskterm.services import reception, rotation, steps, waiting
from deskterm.services.context import Context
from deskterm.services.permissions import permission, require
from deskterm.services.reception import ReceptionView
from deskterm.services.rotation import BoardView, DayState
from deskterm.services.setup import DEFAULT_SETTINGS, rotation_settings
from deskterm.services.steps import Step
from deskterm.services.waiting import Waiting, WaitingList
from deskterm.storage import queries as Q
from deskterm.storage import rotation_snapshot
from deskterm.storage.queries import from_stored


@dataclass(frozen=True)
class DeskView:
    """The Reception screen's data, from one snapshot."""

    board: BoardView
    arrivals: list[ReceptionView]
    step_list: list[Step]
    ticked: dict[int, set[str]]
    waiting: WaitingList


@permission("rotation")
def desk_view(ctx: Context) -> DeskView:
    """Today's board, arrivals (with their visits' steps), step list and waiting visitors."""
    require(ctx, "reception")  # the steps are the reception's (as steps.active_steps asks)
    day = ctx.today()
    start, _ = ctx.day_range_utc(day)
    (
        setting_rows,
        staff_rows,
        snapshot_rows,
        arrival_rows,
        step_rows,
        ticked_rows,
        waiting_rows,
        last_visits,
        overdue_rows,
        logged,
    ) = ctx.db.read_batch(
        [
            (Q.DESK_SETTINGS_SQL, ()),
            (Q.DESK_STAFF_SQL, ()),
            (Q.DESK_SNAPSHOT_SQL, (day,)),
            (Q.DESK_ARRIVALS_SQL, (day,)),
            (Q.DESK_STEPS_SQL, ()),
            (Q.DESK_TICKED_SQL, (day,)),
            (Q.DESK_WAITING_SQL, (day,)),
            (Q.DESK_LAST_VISITS_SQL, (day,)),
            (Q.DESK_OVERDUE_SQL, (start,)),
            (Q.DESK_LOGGED_SQL, (day,)),
        ]
    )
    settings = {**DEFAULT_SETTINGS, **{key: value for key, value in setting_rows}}
    staff = [(sid, name, role, bool(active)) for sid, name, role, active in staff_rows]
    found = _day_state(day, settings, snapshot_rows, logged)
    if found is None:
        # No snapshot to read (a settings change since, a log edited by hand): every part
        # from the services, in one snapshot of their own, so board and arrivals agree.
        return _from_the_services(ctx)
    unsaved = {
        sid for sid, ended_at, saved_at in last_visits if ended_at is not None and not saved_at
    }
    overdue = {sid for (sid,) in overdue_rows}
    holds = rotation.holds_from(settings, found.state.on_duty, unsaved, overdue)
    board = rotation.board_from(found, holds, staff)
    names = {sid: name for sid, name, _role, _active in staff}
    arrivals = reception.arrival_views(arrival_rows, names)
    ticked: dict[int, set[str]] = {a.id: set() for a in arrivals}
    for rid, step in ticked_rows:
        ticked.setdefault(rid, set()).add(step)
    return DeskView(
        board,
        arrivals,
        steps.step_list(step_rows),
        ticked,
        WaitingList(
            tuple(Waiting(wid, from_stored(at), note) for wid, at, note in waiting_rows),  # type: ignore[arg-type]
            waiting.alert_minutes(settings),
        ),
    )


def _day_state(
    day: date,
    settings: dict[str, str],
    rows: list[tuple[Any, ...]],
    logged: list[tuple[Any, ...]],
) -> DayState | None:
    """The day's stored snapshot as the board's state (an empty board when the day has
    no live event yet), or None when there is none under today's settings (or it cannot
    be read)."""
    current = rotation_settings(settings)
    if not rows:
        # Before the day's first action (or after every action was undone by hand): the
        # replay of nothing, without reading the log.
        return (
            None if logged else DayState(R.RotationState(day=day, settings=current), 0, None, None)
        )
    kept = rotation_snapshot.parse(rows[0])
    if kept is None or kept.settings != R.settings_key(current):
        return None
    try:
        state = R.state_from_dict(day, current, kept.state)
    except ValueError:
        return None  # edited by hand: the replay
    return DayState(state, kept.last_event_id, kept.last_kind, kept.last_salesperson_id)


def _from_the_services(ctx: Context) -> DeskView:
    """The same view from the services one by one (the board replayed from the log), all
    in one read snapshot."""
    with ctx.db.one_read():
        arrivals = reception.arrivals(ctx)
        return DeskView(
            rotation.get_board(ctx),
            arrivals,
            steps.active_steps(ctx),
            steps.steps_of(ctx, [a.id for a in arrivals]),
            waiting.waiting_list(ctx),
        )
