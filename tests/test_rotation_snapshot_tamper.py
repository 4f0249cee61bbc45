"""The rotation snapshot (schema v14) as the independent check tried it.

1. A wider random day than test_rotation_snapshot's: reorder, a hold lifted, a courtesy
   visitor handed over, can't-serve skips, the day closed and its close undone, the
   uncounted weight changed, more people. After every action the stored snapshot must be
   the replay of the log (independent witness: the log read in full and replayed).
2. A snapshot the service could not have written but json.loads reads (stats a list, a
   text last_event_id, deeply nested JSON) must be replayed, not crash the board, the
   check or check --repair (the docstrings promise "unreadable: the caller replays").
3. PostgreSQL: the trigger that drops a day's snapshot names rotation_snapshot without its
   schema, so a hand edit of one showroom's log made under another search_path drops the
   other showroom's snapshot and leaves this one's stale.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from sqlmodel import select

from deskterm.domain import rotation as R
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.services import maintenance, reception, rotation, setup
from deskterm.services.reception import ReceptionForm
from deskterm.storage import rotation_snapshot
from tests.test_rotation_snapshot import witness

both = pytest.mark.both_databases


def tick(clock, minutes=1):
    clock.set(clock.now().replace(tzinfo=None) + timedelta(minutes=minutes))


ACTIONS = [
    "walk_in",
    "walk_in",
    "walk_in",
    "done",
    "done",
    "done",
    "away",
    "back",
    "skip",
    "check_out",
    "check_in",
    "check_in",
    "uncounted",
    "requested",
    "hand_turn",
    "hand_turn_revisit",
    "undo_last",
    "undo_earlier",
    "turn_back",
    "reorder",
    "override",
    "hand_over",
    "close_and_undo",
    "settings",
    "weight",
]


@both
def test_a_wider_random_day_keeps_the_snapshot_equal_to_the_replay(ctx, team, clock):
    extra = [setup.add_staff(ctx, f"Extra {i}", "salesperson").id for i in range(3)]
    people = [team.wang, team.li, team.zhao, *extra]
    for sid in people:
        rotation.check_in(ctx, sid)
    first = rotation.walk_in(ctx)
    known = reception.save_form(
        ctx,
        first.reception_id,
        ReceptionForm(name="张三", phone="13800138000", purchase_horizon="1m"),
    ).customer_id
    rotation.done(ctx, first.salesperson_id)
    rng = random.Random(int(__import__("os").environ.get("CHK31_SEED", "31")))
    seen: set[str] = set()
    for step in range(260):
        tick(clock)
        kind = rng.choice(ACTIONS)
        wrote = False
        try:
            _act(ctx, rng, kind, people, known)
            seen.add(kind)
            wrote = kind not in ("settings", "weight")
        except (RuleViolation, InvalidInput, NotFound):
            pass
        witness(ctx, after=f"step {step}: {kind}", kept_expected=wrote)
    assert not [p for p in maintenance.check(ctx) if p.kind.startswith("rotation")]
    # The paths that rewrite the log ran, not only appends.
    assert {"reorder", "close_and_undo", "weight", "undo_last", "undo_earlier"} <= seen
    assert {"turn_back", "hand_turn", "hand_turn_revisit", "hand_over"} <= seen


def _act(ctx, rng: random.Random, kind: str, people: list[int], known: int) -> None:
    sid = rng.choice(people)
    board = rotation.get_board(ctx)
    if kind == "walk_in":
        arrival = rotation.walk_in(ctx)
        if rng.random() < 0.5:  # the form saved as a new customer
            reception.save_form(
                ctx,
                arrival.reception_id,
                ReceptionForm(
                    name=f"客{rng.randrange(10**6)}", phone=f"139{rng.randrange(10**8):08d}"
                ),
            )
    elif kind == "done":
        busy = [m.salesperson_id for m in board.members if m.state == "with_customer"]
        rotation.done(ctx, rng.choice(busy) if busy else sid)
    elif kind == "away":
        rotation.away(ctx, sid, rng.choice(["break", "delivery"]))
    elif kind == "back":
        rotation.back(ctx, sid)
    elif kind == "skip":
        rotation.skip(ctx, None, rng.choice(["busy", "personal", "cant_serve"]))
    elif kind == "check_out":
        rotation.check_out(ctx, sid)
    elif kind == "check_in":
        rotation.check_in(ctx, sid)
    elif kind == "uncounted":
        rotation.receive_uncounted(ctx, "question")
    elif kind == "requested":
        rotation.receive_returning(ctx, known)
    elif kind in ("hand_turn", "hand_turn_revisit"):
        free = [m.salesperson_id for m in board.members if m.state == "ready" and not m.is_next]
        arrival = rotation.give_turn(ctx, free[0] if free else sid, "language")
        if kind == "hand_turn_revisit":
            reception.save_form(
                ctx, arrival.reception_id, ReceptionForm(name="张三", phone="13800138000")
            )
    elif kind == "undo_last":
        rotation.undo_last(ctx)
    elif kind == "undo_earlier":
        entries = [e for e in rotation.day_log(ctx) if not e.undone]
        if not entries:
            raise RuleViolation("Nothing to undo today.")
        chosen = rng.choice(entries[-8:])
        plan = rotation.undo_plan(ctx, chosen.id)
        rotation.undo_action(ctx, chosen.id, tuple(d.id for d in plan.dependents))
    elif kind == "turn_back":
        arrival = rotation.walk_in(ctx)
        reception.save_form(
            ctx, arrival.reception_id, ReceptionForm(name="张三", phone="13800138000")
        )
    elif kind == "reorder":
        order = [m.salesperson_id for m in board.members]
        rng.shuffle(order)
        rotation.reorder(ctx, order)
    elif kind == "override":
        held = [m.salesperson_id for m in board.members if m.held]
        rotation.override_hold(ctx, held[0] if held else sid)
    elif kind == "hand_over":
        arrival = rotation.receive_returning(ctx, known)
        if arrival.courtesy:
            reception.hand_over(ctx, arrival.reception_id)
    elif kind == "close_and_undo":
        rotation.close_day(ctx)
        witness(ctx, after="closed")
        rotation.undo_last(ctx)
    elif kind == "settings":
        setup.set_setting(ctx, "rotation.mode", rng.choice([m.value for m in R.OrderMode]))
    elif kind == "weight":
        setup.set_setting(ctx, "rotation.uncounted_weight", rng.choice(["0", "0.5"]))


def _tamper(ctx, **values) -> None:
    """Set columns of today's snapshot row by hand, as someone with sqlite3/psql would."""
    day = ctx.today()
    with ctx.db.write() as s:
        kept = rotation_snapshot.read(s, day)
        assert kept is not None
        cur = rotation_snapshot.cursor_of(s)
        mark = "%s" if cur.postgresql else "?"
        sets = ", ".join(f"{k} = {mark}" for k in values)
        key = day if cur.postgresql else day.isoformat()
        cur.cursor.execute(
            f"UPDATE rotation_snapshot SET {sets} WHERE day = {mark}", (*values.values(), key)
        )


def _day_with_a_snapshot(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    rotation.walk_in(ctx)
    return rotation.get_board(ctx)


@pytest.mark.parametrize(
    "state",
    [
        {"queue": [], "stats": [], "overrides": [], "closed": False},  # AttributeError
        {"queue": [], "stats": "x", "overrides": [], "closed": False},  # AttributeError
    ],
    ids=["stats-list", "stats-text"],
)
def test_a_snapshot_of_the_wrong_shape_is_replayed_not_a_crash(ctx, team, state):
    before = _day_with_a_snapshot(ctx, team)
    _tamper(ctx, state=json.dumps(state))
    assert rotation.get_board(ctx) == before  # the replay (today: AttributeError)
    kinds = {p.kind for p in maintenance.check(ctx)}  # today: AttributeError, no report
    assert "rotation_snapshot" in kinds or not kinds & {"rotation"}
    maintenance.repair_rotation_snapshots(ctx)
    assert not [p for p in maintenance.check(ctx) if p.kind.startswith("rotation")]


def test_deeply_nested_snapshot_json_is_replayed_not_a_crash(ctx, team):
    before = _day_with_a_snapshot(ctx, team)
    _tamper(ctx, state="[" * 100_000 + "]" * 100_000)
    assert rotation.get_board(ctx) == before  # today: RecursionError from json.loads


def test_a_text_last_event_id_is_replayed_not_a_crash(ctx, team):
    before = _day_with_a_snapshot(ctx, team)
    _tamper(ctx, last_event_id="abc")  # SQLite keeps text in an INTEGER column
    assert rotation.get_board(ctx) == before  # today: ValueError from int()


@pytest.mark.postgresql_only
def test_a_hand_edit_under_another_search_path_drops_this_showrooms_snapshot(ctx, team, clock):
    """IT fixes showroom A's log with psql while its session's search_path names
    showroom B (or public, where the group's first showroom lives)."""
    _day_with_a_snapshot(ctx, team)
    with ctx.db.read() as s:
        schema = s.connection().exec_driver_sql("SELECT current_schema()").scalar()
    other = f"{schema}_other"
    with ctx.db.write() as s:
        conn = s.connection()
        conn.exec_driver_sql(f'CREATE SCHEMA "{other}"')
        conn.exec_driver_sql(f'CREATE TABLE "{other}".rotation_snapshot (day DATE)')
    try:
        with ctx.db.write() as s:
            conn = s.connection()
            conn.exec_driver_sql(f'SET LOCAL search_path = "{other}"')
            conn.exec_driver_sql(
                f'UPDATE "{schema}".rotation_event SET undone_at = now() '
                f'WHERE id = (SELECT max(id) FROM "{schema}".rotation_event)'
            )
        # The walk-in is undone by hand: the board must show the replay.
        witness(ctx, after="hand edit under another search_path", kept_expected=False)
    finally:
        with ctx.db.write() as s:
            s.connection().exec_driver_sql(f'DROP SCHEMA "{other}" CASCADE')


@both
def test_a_day_left_open_is_closed_next_morning_from_its_snapshot(ctx, team, clock):
    """The app left open overnight (or started next day) closes yesterday: its close is
    appended to yesterday's snapshot, under settings changed after hours."""
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    arrival = rotation.walk_in(ctx)
    rotation.receive_uncounted(ctx, "question")
    setup.set_setting(ctx, "rotation.mode", "fewest")  # changed after the day's last action
    setup.set_setting(ctx, "rotation.uncounted_weight", "0.5")
    yesterday = ctx.today()
    clock.set(clock.now().replace(tzinfo=None) + timedelta(days=1))
    assert rotation.close_past_days(ctx) == 1
    assert not [p for p in maintenance.check(ctx) if p.kind.startswith("rotation")]
    with ctx.db.read() as s:
        assert rotation.load_state(s, yesterday).closed
    assert arrival.salesperson_id


def test_the_done_of_a_hand_over_is_not_undone_alone(ctx, team):
    """Found by the check (older than the snapshot): a courtesy visitor handed over to the
    owner is logged as the receiver's done + the owner's requested; undoing that done
    alone from the day's log (l, Enter) made the receiver 'with customer' again for a
    visit that stays with the owner: two people busy with one visitor. Now refused."""
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    for sid in (team.li, team.zhao, team.wang):
        rotation.check_in(ctx, sid)
    first = rotation.walk_in(ctx)  # Li, next-up: a customer who becomes Wang's
    reception.save_form(ctx, first.reception_id, ReceptionForm(name="张三", phone="13800138000"))
    with ctx.db.write() as s:  # the customer is Wang's (as if he registered them before)
        from deskterm.storage.models import Customer

        cust = s.exec(select(Customer).where(Customer.phone == "+8613800138000")).one()
        cust.owner_id = team.wang
    rotation.done(ctx, team.li)
    arrival = rotation.walk_in(ctx)  # next-up receives Wang's customer
    assert arrival.salesperson_id != team.wang
    reception.save_form(ctx, arrival.reception_id, ReceptionForm(name="张三", phone="13800138000"))
    reception.hand_over(ctx, arrival.reception_id)  # the form's "hand the visitor over?" y
    done = [e for e in rotation.day_log(ctx) if e.kind == "done"][-1]
    before = rotation.get_board(ctx)
    # Refused, and said why: undone alone it would leave two people with one visitor.
    with pytest.raises(RuleViolation, match="handed the visitor over"):
        rotation.undo_plan(ctx, done.id)
    with pytest.raises(RuleViolation, match="handed the visitor over"):
        rotation.undo_action(ctx, done.id, ())
    assert rotation.get_board(ctx) == before
    busy = [m.name for m in rotation.get_board(ctx).members if m.state == "with_customer"]
    open_visits = [a for a in reception.arrivals(ctx) if not a.ended]
    assert len(busy) == len(open_visits), (busy, [a.salesperson for a in open_visits])


def test_undoing_close_the_day_opens_again_the_visits_it_ended(ctx, team):
    """Found by the check (older than the snapshot): close the day ends the open visits;
    undoing it (u) brought the board back with people 'with customer' and held for an
    unsaved form while their visits stayed ended (接待中 + 暂停接待：上一位客户的接待表未保存)."""
    from deskterm.services import waiting

    for sid in (team.wang, team.li):
        rotation.check_in(ctx, sid)
    rotation.walk_in(ctx)
    waiting.add_waiting(ctx, "a visitor waiting when the day closes")
    rotation.close_day(ctx)
    assert waiting.waiting_list(ctx).visitors == ()  # the close: they left
    assert rotation.undo_last(ctx) == "close_day"
    assert [w.note for w in waiting.waiting_list(ctx).visitors] == [
        "a visitor waiting when the day closes"
    ]
    busy = [m.name for m in rotation.get_board(ctx).members if m.state == "with_customer"]
    open_visits = [a for a in reception.arrivals(ctx) if not a.ended]
    assert len(busy) == len(open_visits), (busy, open_visits)


@both
def test_a_counted_turn_by_hand_for_a_returning_customer_is_given_back(ctx, team):
    """Found by the check: a turn given by hand (g) whose form is a revisit of another
    salesperson's customer showed "no turn used" on the form while the turn stayed
    counted (Ups 1, by hand ×1). It is given back as a walk-in's is (rule 6)."""
    setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    first = rotation.walk_in(ctx)  # Wang registers 张三: Wang's customer
    reception.save_form(
        ctx,
        first.reception_id,
        ReceptionForm(name="张三", phone="13800138000", purchase_horizon="1m"),
    )
    rotation.done(ctx, first.salesperson_id)
    assert first.salesperson_id == team.wang
    board = rotation.get_board(ctx)
    chosen = next(
        m.salesperson_id for m in board.members if not m.is_next and m.salesperson_id != team.wang
    )
    given = rotation.give_turn(ctx, chosen, "language")
    ups = {m.salesperson_id: (m.ups, m.by_hand) for m in rotation.get_board(ctx).members}
    assert ups[chosen] == (1, 1)
    saved = reception.save_form(
        ctx, given.reception_id, ReceptionForm(name="张三", phone="13800138000")
    )
    assert saved.revisit and saved.turn_given_back
    ups = {m.salesperson_id: (m.ups, m.by_hand) for m in rotation.get_board(ctx).members}
    assert ups[chosen] == (0, 0)
    witness(ctx, after="a hand turn given back")
    assert not [p for p in maintenance.check(ctx) if p.kind.startswith("rotation")]
