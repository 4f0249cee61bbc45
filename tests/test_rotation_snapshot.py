"""The rotation's day kept as a snapshot (issue 24): an action applies one event to the
stored state instead of replaying the day, and replay stays the proof.

A log changed by hand drops the snapshot; ``check`` finds one that disagrees and
``check --repair`` rebuilds it; a snapshot made under other settings is not used; a late
action reads no log row. (After any sequence of desk actions the stored snapshot is the
replay of the log: ``test_rotation_snapshot_tamper``'s random day.)
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlmodel import select

from deskterm.cli.main import main as cli_main
from deskterm.domain import rotation as R
from deskterm.errors import RuleViolation
from deskterm.services import maintenance, rotation, setup
from deskterm.services.setup import load_settings, rotation_settings
from deskterm.storage import rotation_snapshot
from deskterm.storage.models import Reception, RotationEventRow

both = pytest.mark.both_databases


def tick(clock, minutes=7):
    clock.set(clock.now().replace(tzinfo=None) + timedelta(minutes=minutes))


def witness(ctx, *, kept_expected: bool = True, after: str = "") -> None:
    """The stored snapshot is the replay of the log as it stands (the independent witness:
    the log read in full and replayed by the domain, nothing taken from the snapshot)."""
    day = ctx.today()
    with ctx.db.read() as s:
        current = rotation_settings(load_settings(s))
        rows = s.exec(
            select(RotationEventRow)
            .where(RotationEventRow.day == day, RotationEventRow.undone_at == None)  # noqa: E711
            .order_by(RotationEventRow.id)
        ).all()
        replayed = R.replay(day, [rotation._to_event(r) for r in rows], current)
        kept = rotation_snapshot.read(s, day)
        if kept_expected and rows:
            assert kept is not None, f"{after} left no snapshot: the next action replays the day"
        if kept is not None and kept.settings == R.settings_key(current):
            assert R.state_from_dict(day, current, kept.state) == replayed
            newest = rows[-1] if rows else None
            assert kept.last_event_id == (newest.id if newest else 0)
            assert kept.last_kind == (newest.kind if newest else None)
            assert kept.last_salesperson_id == (newest.salesperson_id if newest else None)
        # What a desk reads is the replay, whatever is kept.
        assert rotation.load_state(s, day) == replayed


def _first_arrival(ctx, team) -> int:
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    return rotation.walk_in(ctx).reception_id


@both
def test_a_log_changed_by_hand_drops_the_snapshot_and_the_desk_reads_the_replay(ctx, team, clock):
    _first_arrival(ctx, team)
    rotation.done(ctx, team.wang)
    witness(ctx)
    with ctx.db.write() as s:
        row = s.exec(select(RotationEventRow).where(RotationEventRow.kind == "done")).one()
        row.undone_at = clock.now()  # an undo by hand, bypassing the services
    with ctx.db.read() as s:
        assert rotation_snapshot.read(s, ctx.today()) is None  # the trigger dropped it
    board = rotation.get_board(ctx)
    # The replay, not the old snapshot: Wang is with the customer again.
    assert {m.salesperson_id: m.state for m in board.members}[team.wang] == "with_customer"
    witness(ctx, kept_expected=False)
    rotation.away(ctx, team.li, "break")  # the next action keeps a snapshot again
    witness(ctx)


@both
def test_check_finds_a_snapshot_that_disagrees_and_repair_rebuilds_it(
    ctx, team, clock, database, capsys, monkeypatch
):
    monkeypatch.setenv("DESKTERM_NOW", "2026-03-02T09:30")  # the fixtures' day, not today
    _first_arrival(ctx, team)
    with ctx.db.write() as s:
        kept = rotation_snapshot.read(s, ctx.today())
        state = dict(kept.state)
        state["stats"] = {k: [9, 0, 0, 0, 0, 0, 0] for k in state["stats"]}  # tampered
        rotation_snapshot.write(
            s, ctx.today(), rotation_snapshot.SnapshotRow(**{**kept.__dict__, "state": state})
        )
    found = [p for p in maintenance.check(ctx) if p.kind == "rotation_snapshot"]
    assert found and "differs from the replay" in found[0].detail
    # A desk trusts the snapshot (that is its point): check is what catches the tamper.
    assert [m.ups for m in rotation.get_board(ctx).members] == [9, 9, 9]
    ctx.db.close()
    code = cli_main(["--db", database, "check", "--repair"])
    out = capsys.readouterr().out
    assert "rebuilt and agree with its log" in out
    reopened = maintenance.open_context(database, clock)
    try:
        assert not [p for p in maintenance.check(reopened) if p.kind == "rotation_snapshot"]
        assert sorted(m.ups for m in rotation.get_board(reopened).members) == [0, 0, 1]
        witness(reopened)
    finally:
        reopened.db.close()
    assert code in (0, 1)  # other checks are not this test's subject


def test_an_unreadable_snapshot_is_replayed_and_reported(ctx, team):
    _first_arrival(ctx, team)
    with ctx.db.write() as s:
        rotation_snapshot.write(
            s,
            ctx.today(),
            rotation_snapshot.SnapshotRow(
                R.settings_key(rotation_settings(load_settings(s))),
                1,
                None,
                None,
                {"queue": [["not", "a", "member"]]},
            ),
        )
    assert sorted(m.ups for m in rotation.get_board(ctx).members) == [0, 0, 1]
    found = [p for p in maintenance.check(ctx) if p.kind == "rotation_snapshot"]
    assert found and "cannot be read" in found[0].detail


def test_a_snapshot_made_under_other_settings_is_not_the_days_state(ctx, team, clock):
    """Replay uses today's settings: after the order mode changes, the kept state (made
    in the other order) is not used; the next action keeps the new order's."""
    _first_arrival(ctx, team)  # Wang took one in back-of-queue order
    rotation.done(ctx, team.wang)
    rotation.skip(ctx, team.li, "personal")
    before = [m.salesperson_id for m in rotation.get_board(ctx).members]
    setup.set_setting(ctx, "rotation.mode", R.OrderMode.FEWEST_UPS.value)
    with ctx.db.read() as s:
        day = rotation.day_state(s, ctx.today())
        assert day.state.settings.mode is R.OrderMode.FEWEST_UPS
    witness(ctx, kept_expected=False)
    rotation.away(ctx, team.zhao, "break")
    witness(ctx)
    # The day in fewest-ups order (a walk-in sends nobody to the back), not the kept one.
    assert before == [team.zhao, team.wang, team.li]
    assert [m.salesperson_id for m in rotation.get_board(ctx).members] == [
        team.wang,
        team.zhao,
        team.li,
    ]


def test_late_in_the_day_an_action_and_the_board_read_no_log_row(ctx, team, clock):
    """The statement-level witness of "cost independent of the day's length": with the
    snapshot kept, a walk-in, a done and the board never select the day's log."""
    _first_arrival(ctx, team)
    for _ in range(30):
        tick(clock, 2)
        a = rotation.walk_in(ctx)
        rotation.done(ctx, a.salesperson_id)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(ctx.db.engine, "before_cursor_execute", seen)
    try:
        a = rotation.walk_in(ctx)
        rotation.done(ctx, a.salesperson_id)
        rotation.get_board(ctx)
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", seen)
    assert statements  # the listener saw the actions' statements
    assert [q for q in statements if "FROM rotation_event" in q] == []


def test_the_day_bench_runs_and_prints_each_action_late_beside_early():
    """The bench's small version (a 12-person day of 160 events): it runs and gives every
    figure with its floor. Times are not asserted (a shared machine is noisy): the
    statement-level test above is what fails if an action reads the log again."""
    from deskterm.bench import day as day_bench

    figures = day_bench.measure(team=12, events=160)
    assert [f.measure.split(" at ")[0] for f in figures] == [
        "walk-in",
        "done",
        "board read",
        "walk-in",
    ]
    assert all(f.value > 0 and f.floor and f.floor > 0 for f in figures), figures
    assert "no snapshot" in figures[-1].measure


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60))
def test_the_snapshot_codec_gives_back_every_reachable_state(seeds):
    """Domain: any state the rules reach survives state_to_dict -> JSON -> state_from_dict."""
    from datetime import date, datetime

    from deskterm.clock import zone_named

    day = date(2026, 11, 20)
    at = datetime(2026, 11, 20, 9, 0, tzinfo=zone_named("Asia/Shanghai"))
    state = R.RotationState(day=day)
    kinds = list(R.EventKind)
    for n, seed in enumerate(seeds):
        kind = kinds[seed % len(kinds)]
        sid = 1 + (seed // 7) % 5
        reason = {
            R.EventKind.AWAY: "delivery",
            R.EventKind.SKIP: ["busy", "personal", "cannot_serve"][seed % 3],
            R.EventKind.UNCOUNTED: "question",
            R.EventKind.HAND_TURN: "language",
        }.get(kind)
        order = tuple(reversed(state.on_duty)) if kind is R.EventKind.REORDER else ()
        ev = R.RotationEvent(kind, at + timedelta(minutes=n), sid, reason=reason, order=order)
        try:
            state = R.apply(state, ev)
        except RuleViolation:
            continue
        back = R.state_from_dict(
            day, state.settings, json.loads(json.dumps(R.state_to_dict(state)))
        )
        assert back == state


def test_a_reception_undone_by_the_desk_leaves_no_stale_snapshot(ctx, team, clock):
    """An undo that drops a reception rewrites log rows (they let go of it): the snapshot
    kept after it is the replay."""
    _first_arrival(ctx, team)
    a = rotation.walk_in(ctx)
    rotation.undo_last(ctx)
    witness(ctx)
    with ctx.db.read() as s:
        assert s.get(Reception, a.reception_id) is None
