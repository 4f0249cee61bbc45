"""A phone's digits found by a B-tree of its suffixes (schema v17, issue 20: the growth
curve): made by the upgrade from every customer, kept by every writer, the same answers as
reading every customer, checked by ``deskterm check`` and rebuilt by ``--repair``.

The witness is computed here, in Python, from the customers' phones: each run from one
of its digits to its end, of four characters or more.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskterm.cli.main import main
from deskterm.clock import FixedClock
from deskterm.services import customers
from deskterm.services.maintenance import check, open_context
from deskterm.storage import migrations
from tests.scenario import new_customer
from tests.search_helpers import UNDO_V17, search_without_indexes

# Phones as they may be stored: canonical ones, and what a tool or an old import may have
# written (no +, separators, letters, full-width digits, too short, too long, none).
ODD_PHONES = [
    "+8613912340001",
    "+861391234000",
    "13912340002",
    "+1 (555) 010-4242",
    "0755-8888-1234",
    "１２３４５６７",  # full-width digits: not digits to the index (nor to the search)
    "123",
    "1234",
    "phone: 5550123",
    "+" + "9" * 39,
    "12341234",  # a run twice in one phone
    "",
    None,
]


@pytest.fixture
def shop(ctx, team):
    """A dozen customers through the services (canonical phones), 王伟强 among them."""
    from deskterm.services import rotation

    rotation.check_in(ctx, team.wang)
    for i in range(10):
        new_customer(ctx, f"1391234{i:04d}", name=f"C{i}")
    new_customer(ctx, "13912341234", name="王伟强")
    new_customer(ctx, "13800138000", name="Li Na")
    return ctx


def _expected(con: sqlite3.Connection) -> list[tuple[str, int]]:
    """The suffixes every customer's phone has, computed here."""
    found = set()
    for cid, phone in con.execute("SELECT id, phone FROM customer"):
        if phone is None:
            continue
        for i in range(len(phone) - 3):
            if "0" <= phone[i] <= "9" and i < 32:
                found.add((phone[i:], cid))
    return sorted(found)


def _held(con: sqlite3.Connection) -> list[tuple[str, int]]:
    return sorted(con.execute("SELECT suffix, customer_id FROM customer_phone_suffix"))


def _insert(con: sqlite3.Connection, name: str, phone: str | None) -> int:
    """A customer written by hand (a tool, not the services): the triggers must follow."""
    cur = con.execute(
        "INSERT INTO customer (name, phone, level, level_since, status, status_since, "
        "owner_id, owner_since, source_channel, created_at, notes, last_contact_at) "
        "SELECT ?, ?, level, level_since, status, status_since, owner_id, owner_since, "
        "source_channel, created_at, '', '2030-01-01 00:00:00.000000' FROM customer LIMIT 1",
        (name, phone),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


_witness = search_without_indexes


def test_an_upgraded_file_gets_every_phones_suffixes(ctx, team, tmp_path):
    """A v16 file (its customers written before v17) is upgraded with every suffix."""
    from deskterm.services import rotation

    rotation.check_in(ctx, team.wang)
    new_customer(ctx, "13912345678", name="王伟")
    path = ctx.db.path
    ctx.db.close()
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(f"BEGIN;{UNDO_V17}PRAGMA user_version = 16; COMMIT;")
    for i, phone in enumerate(ODD_PHONES):
        if phone != "":  # UNIQUE: one empty phone is enough (None may repeat)
            _insert(con, f"C{i}", phone)
    con.close()
    upgraded = open_context(path, FixedClock(ctx.now()), start_of_day=False)
    try:
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        assert _held(con) == _expected(con) and len(_held(con)) > 40
        con.close()
        assert path.with_name(f"{path.name}.before-v{migrations.LATEST}.bak").exists()
        assert [c.name for c in customers.search(upgraded, "2345678")] == ["王伟"]
        assert [c.name for c in customers.search(upgraded, "4242")] == ["C3"]
    finally:
        upgraded.db.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["insert", "update", "delete"]),
            st.one_of(
                st.none(),
                st.sampled_from(ODD_PHONES),
                st.text(alphabet="0123456789+-() ", min_size=0, max_size=20),
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_every_writer_keeps_the_suffixes(shop, steps):
    """Customers written, their phones changed and deleted by hand (no service): after
    every step the table holds exactly the suffixes of the phones there are."""
    con = sqlite3.connect(shop.db.path)
    made: list[int] = []
    try:
        with con:
            for what, phone in steps:
                phone = None if phone == "" else phone  # UNIQUE: no two empty phones
                taken = {p for (p,) in con.execute("SELECT phone FROM customer")}
                if phone in taken and phone is not None:
                    continue
                if what == "insert" or not made:
                    made.append(_insert(con, "Hand", phone))
                elif what == "update":
                    con.execute("UPDATE customer SET phone = ? WHERE id = ?", (phone, made[-1]))
                else:
                    con.execute("DELETE FROM customer WHERE id = ?", (made.pop(),))
                assert _held(con) == _expected(con), (what, phone)
            con.rollback()  # the shop as it was, for the next example
    finally:
        con.close()


def test_a_phones_digits_find_what_reading_every_customer_finds(shop):
    for text in ("2340", "1234000", "0001", "91234", "98765", "4000", "1391234000", "12341234"):
        assert [c.id for c in customers.search(shop, text)] == _witness(shop, text), text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_run_of_digits_finds_the_same(shop, data):
    """A run from some phone (found) or any digits (mostly found nowhere)."""
    con = sqlite3.connect(shop.db.path)
    phones = [p for (p,) in con.execute("SELECT phone FROM customer WHERE phone IS NOT NULL")]
    con.close()
    phone = data.draw(st.sampled_from(phones)).lstrip("+")
    start = data.draw(st.integers(0, len(phone) - 4))
    run = phone[start : start + data.draw(st.integers(4, 12))]
    anything = data.draw(st.text(alphabet="0123456789", min_size=4, max_size=9))
    for text in (run, anything):
        assert [c.id for c in customers.search(shop, text)] == _witness(shop, text), text


def test_check_finds_missing_suffixes_and_repair_makes_them(shop, capsys):
    db = shop.db.path
    con = sqlite3.connect(db)
    with con:  # a tool that dropped a trigger, then changed a phone
        con.execute("DROP TRIGGER customer_phone_suffix_after_update")
        cid = con.execute("SELECT id FROM customer WHERE name = '王伟强'").fetchone()[0]
        con.execute("UPDATE customer SET phone = '+8613777776543' WHERE id = ?", (cid,))
    con.close()
    found = [p.detail for p in check(shop) if p.kind == "search"]
    assert any("customer_phone_suffix_after_update is missing" in d for d in found), found
    assert any(f"disagrees with customer {cid}'s phone" in d for d in found), found
    assert customers.search(shop, "77776543") == []  # what a stale index does
    assert main(["check", "--db", str(db), "--repair"]) in (0, 1)
    assert "rebuilt" in capsys.readouterr().out
    assert [p for p in check(shop) if p.kind == "search"] == []
    assert [c.id for c in customers.search(shop, "77776543")] == [cid]
    con = sqlite3.connect(db)
    assert _held(con) == _expected(con)
    with con:  # the trigger is back: a later change is followed
        con.execute("UPDATE customer SET phone = '+8613666661234' WHERE id = ?", (cid,))
    assert _held(con) == _expected(con)
    con.close()
    assert [c.id for c in customers.search(shop, "66661234")] == [cid]
