"""A server write in two round trips (issue 24): its reads asked for with its lock
(storage/prefetch.py) and its statements held until the commit (storage/write_behind.py).

What must not change is what the server ends up with: every statement, in order, in one
transaction; a failure anywhere saves nothing; a row someone removed meanwhile is still
noticed; text of any shape arrives exactly; a read made with the lock is the row a query
would have loaded; a guess made before the lock that turns out wrong costs a query, never
a wrong answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from sqlmodel import select

from deskterm.errors import StorageError
from deskterm.services import reception, rotation, setup, waiting
from deskterm.services.reception import ReceptionForm, save_form
from deskterm.storage.models import (
    Customer,
    Reason,
    Reception,
    RotationEventRow,
    Setting,
    Staff,
    WaitingVisitor,
)
from deskterm.storage.prefetch import Prefetch, take, take_rows

pytestmark = pytest.mark.postgresql_only

HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())
TEXTS = [
    text
    for kind in ("markup", "terminal", "unicode", "cjk", "long", "sql", "spreadsheet", "paths")
    for text in HOSTILE[kind]
] + ["%s", "%(name)s", "$$", "$deskterm$", "back\\slash", "it's", 'say "hi"', "\n\t"]
TEXTS = [t[:3999] for t in TEXTS if "\x00" not in t]  # no PostgreSQL text holds a NUL (below)


def _rows(database: str, sql: str) -> list[tuple]:
    """What the server holds, read on a connection of the test's own (no deskterm)."""
    with psycopg.connect(database, autocommit=True) as con:
        return con.execute(sql).fetchall()


def test_text_of_every_shape_arrives_exactly_through_held_inserts_and_updates(ctx, database):
    with ctx.db.write() as s:
        for n, text in enumerate(TEXTS):
            s.add(Setting(key=f"test.{n}", value=text))
    with ctx.db.write() as s:
        for n, text in enumerate(TEXTS):
            row = s.get(Setting, f"test.{n}")
            assert row is not None and row.value == text
            row.value = ("U" + text)[:4000]  # a held UPDATE, checked
    stored = dict(_rows(database, "SELECT key, value FROM setting WHERE key LIKE 'test.%'"))
    assert stored == {f"test.{n}": ("U" + text)[:4000] for n, text in enumerate(TEXTS)}


def test_a_nul_in_a_text_is_refused_as_such_not_taken_for_a_server_gone(ctx, database):
    with pytest.raises(StorageError) as err, ctx.db.write() as s:
        s.add(Setting(key="test.nul", value="a\x00b"))
    assert "refused the change" in str(err.value) and "Cannot reach" not in str(err.value)
    assert _rows(database, "SELECT count(*) FROM setting WHERE key = 'test.nul'") == [(0,)]


def test_a_read_in_a_write_sees_the_writes_held_before_it(ctx, database):
    with ctx.db.write() as s:
        s.add(Staff(name="Held", role="salesperson", joined_on=ctx.today()))
        s.flush()  # held: nothing has gone to the server yet
        names = [st.name for st in s.exec(select(Staff)).all()]  # goes, with the insert first
        assert names == ["Held"]
    assert _rows(database, "SELECT name FROM staff") == [("Held",)]


def test_a_row_removed_under_a_held_update_fails_the_commit_and_saves_nothing(ctx, database):
    setup.set_setting(ctx, "shop.name", "Before")
    with pytest.raises(StorageError) as err, ctx.db.write() as s:
        row = s.get(Setting, "shop.name")
        assert row is not None
        s.add(Staff(name="Not saved", role="salesperson", joined_on=ctx.today()))
        # Another PC (or a hand at the server) removes the row meanwhile.
        with psycopg.connect(database, autocommit=True) as other:
            other.execute("DELETE FROM setting WHERE key = 'shop.name'")
        row.value = "After"  # the ORM expects to change one row: none is there
    assert "0 rows changed where 1 were expected" in str(err.value)
    assert _rows(database, "SELECT count(*) FROM staff") == [(0,)]  # held with it, not saved
    # The desk goes on: the next write on the same connection is whole.
    setup.add_staff(ctx, "Next", "salesperson")
    assert _rows(database, "SELECT name FROM staff") == [("Next",)]


def test_a_held_insert_the_server_refuses_saves_nothing_and_says_why(ctx, database, team):
    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    save_form(
        ctx,
        a.reception_id,
        ReceptionForm(name="On file", phone="13900000001", purchase_horizon="1m"),
    )
    before = _rows(database, "SELECT count(*) FROM customer")
    with pytest.raises(StorageError) as err, ctx.db.write() as s:
        s.add(Staff(name="Not saved either", role="salesperson", joined_on=ctx.today()))
        s.add(
            Customer(
                name="Same phone",
                phone="+8613900000001",  # unique: the server refuses it
                level="warm",
                level_since=ctx.now(),
                status="active",
                status_since=ctx.now(),
                owner_id=team.wang,
                owner_since=ctx.now(),
                source_channel="walk_in",
                created_at=ctx.now(),
            )
        )
    assert "nothing was saved" in str(err.value)
    assert _rows(database, "SELECT count(*) FROM customer") == before
    assert _rows(database, "SELECT count(*) FROM staff WHERE name = 'Not saved either'") == [(0,)]


def test_rows_read_with_the_lock_are_the_rows_a_query_loads(ctx, team):
    """Field by field, for every table a desk action reads ahead, on a day with strangers'
    names, a waiting visitor, saved and unsaved forms."""
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    for n, name in enumerate(HOSTILE["markup"] + HOSTILE["cjk"]):
        a = rotation.walk_in(ctx)
        rotation.done(ctx, a.salesperson_id)
        name = name[:40]  # the form says how long a name may be
        form = ReceptionForm(name=name, phone=f"1390000{n:04d}", purchase_horizon="1m")
        if n % 2:
            form = ReceptionForm(name=name, contact_left=False, no_contact_reason="refused")
        save_form(ctx, a.reception_id, form)
    for _ in range(2):
        rotation.walk_in(ctx)  # with a customer, forms unsaved
    waiting.add_waiting(ctx, HOSTILE["markdown_html"][0])
    models = (Staff, Reception, Customer, WaitingVisitor, RotationEventRow, Reason, Setting)
    loaded = {}
    with ctx.db.read() as s:
        for model in models:
            loaded[model] = [o.model_dump() for o in s.exec(select(model)).all()]
    ask = Prefetch()
    for model in models:
        ask.read_table(model.__name__, model)
    with ctx.db.write(ask) as s:
        for model in models:
            found = take_rows(s, model.__name__, model)
            assert found is not None, model
            key = lambda d: tuple(sorted((k, str(v)) for k, v in d.items()))  # noqa: E731
            assert sorted((o.model_dump() for o in found), key=key) == sorted(
                loaded[model], key=key
            ), model
            assert take_rows(s, model.__name__, model) is None  # taken once: then a query
    assert loaded[Reception] and loaded[WaitingVisitor] and loaded[Customer]


def test_reserved_ids_are_used_and_leave_the_sequence_ahead(ctx, database, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)  # its reception and event on ids reserved with the lock
    save_form(
        ctx, a.reception_id, ReceptionForm(name="客", phone="13900000002", purchase_horizon="1m")
    )
    rotation.done(ctx, a.salesperson_id)
    # A write that reserves nothing takes the next ids from the same sequences.
    board = rotation.get_board(ctx)
    other = next(m.salesperson_id for m in board.members if m.salesperson_id != board.next_up)
    b = rotation.give_turn(ctx, other, "language")
    ids = [r[0] for r in _rows(database, "SELECT id FROM reception ORDER BY id")]
    assert ids == sorted(set(ids)) and a.reception_id in ids and b.reception_id in ids
    assert b.reception_id > a.reception_id
    events = _rows(database, "SELECT id, reception_id FROM rotation_event ORDER BY id")
    assert [r for r in events if r[1] == a.reception_id]


def test_a_wrong_guess_of_the_country_still_finds_the_customer_on_file(ctx, team, monkeypatch):
    """The phone a save looks its customer up by is guessed before the settings are
    read with the lock; when the shop's country changed since, the save looks again."""
    setup.set_setting(ctx, "phone.default_country", "1")
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    first = rotation.walk_in(ctx)
    saved = save_form(
        ctx,
        first.reception_id,
        ReceptionForm(name="Ann", phone="555 123 4567", purchase_horizon="1m"),
    )
    rotation.done(ctx, first.salesperson_id)
    # This desk last saw China's code (another desk changed the country since).
    monkeypatch.setitem(reception._COUNTRY_SEEN, ctx.db.where, "86")
    again = rotation.walk_in(ctx)
    second = save_form(
        ctx,
        again.reception_id,
        ReceptionForm(name="Ann", phone="5551234567", purchase_horizon="1m"),
    )
    assert second.revisit and second.customer_id == saved.customer_id
    with ctx.db.read() as s:
        assert len(s.exec(select(Customer)).all()) == 1


def test_a_file_reads_as_it_goes(tmp_path, clock):
    """On a file the reads are not made ahead (they cost no network there)."""
    from deskterm.services.maintenance import open_context

    c = open_context(str(tmp_path / "desk.db"), clock)
    try:
        with c.db.write(Prefetch().read("settings", "SELECT key, value FROM setting")) as s:
            assert take(s, "settings") is None
    finally:
        c.db.close()
