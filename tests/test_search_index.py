"""The customer search's indexes (schema v11): kept by every writer, the same answers as
reading every customer, checked by ``deskterm check`` and rebuilt by ``--repair``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskterm.cli.main import main
from deskterm.services import customers
from deskterm.services.maintenance import check, repair_search_index
from tests.scenario import new_customer
from tests.search_helpers import search_without_indexes

HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())


_exact = search_without_indexes


NAMES = [
    "王伟",
    "王伟强",
    "欧阳娜娜",
    "Ole Hansen",
    "Hans Müller",
    "hans",
    "Jean-Luc Picard",
    "O'Brien",
    "Lee [VIP]",
    "王[b]伟",
    "阿卜杜·热合曼",
    "李_四",
    "Ａ Ｂ",
    'Anna "Nan" Lee',
    "NEAR(a b) OR c*",
]


@pytest.fixture
def shop(ctx, team):
    from deskterm.services import rotation

    rotation.check_in(ctx, team.wang)
    hostile = [n for n in HOSTILE["cjk"] + HOSTILE["markup"] if len(n) <= 40][:12]
    for i, name in enumerate(NAMES + hostile):
        new_customer(ctx, f"1391234{i:04d}", name=name)
    return ctx


FRAGMENTS = [
    "王", "伟", "王伟", "伟强", "欧阳", "阳娜", "o", "O", "h", "ha", "Ha", "eH", "e H",
    "hans", "HANS", "müller", "MÜLLER", "n-L", "nL", "'B", "[", "[b", "b]", "·", "·热",
    "_", "李_", "1391234", "0001", "39", "12340", "Lee [", "ＶＩＰ", "Ａ", "A B", "%", "_四",
    '"', '"N', 'a "N', "R(", "c*", "OR", ":",
]  # fmt: skip


@pytest.mark.parametrize("text", FRAGMENTS)
def test_the_indexes_find_what_reading_every_customer_finds(shop, text):
    assert [c.id for c in customers.search(shop, text, limit=500)] == _exact(shop, text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="王伟强欧阳娜 HhaensOlüM-'[]_·0123456789\"*:()", min_size=1, max_size=5))
def test_any_fragment_of_these_names_finds_the_same(shop, text):
    if not text.strip():
        return
    assert [c.id for c in customers.search(shop, text, limit=500)] == _exact(shop, text)


def test_every_writer_keeps_the_indexes(shop):
    """A rename, a new phone, a deletion by hand: the triggers follow each one."""
    db = shop.db.path
    con = sqlite3.connect(db)
    with con:
        cid = con.execute("SELECT id FROM customer WHERE name = '欧阳娜娜'").fetchone()[0]
        con.execute(
            "UPDATE customer SET name = '上官婉儿', phone = '+8613999990000' WHERE id = ?", (cid,)
        )
        gone = con.execute("SELECT id FROM customer WHERE name = 'Ole Hansen'").fetchone()[0]
        con.execute("DELETE FROM reception WHERE customer_id = ?", (gone,))
        con.execute("DELETE FROM callback WHERE customer_id = ?", (gone,))
        con.execute("DELETE FROM level_change WHERE customer_id = ?", (gone,))
        con.execute("DELETE FROM ownership_change WHERE customer_id = ?", (gone,))
        con.execute("DELETE FROM customer WHERE id = ?", (gone,))
    con.close()
    assert [c.id for c in customers.search(shop, "上官")] == [cid]
    assert [c.id for c in customers.search(shop, "婉儿")] == [cid]
    assert cid not in [c.id for c in customers.search(shop, "欧阳娜娜")]
    assert [c.id for c in customers.search(shop, "99990000")] == [cid]
    assert gone not in [c.id for c in customers.search(shop, "Hansen")]
    assert [p for p in check(shop) if p.kind == "search"] == []


def test_check_finds_an_index_that_disagrees_and_repair_rebuilds_it(shop, capsys):
    db = shop.db.path
    con = sqlite3.connect(db)
    with con:  # a tool that dropped the triggers, then wrote
        con.execute("DROP TRIGGER customer_search_after_update")
        con.execute("DROP TRIGGER customer_search_insert")
        con.execute("UPDATE customer SET name = '诸葛亮' WHERE name = '王伟强'")
        con.execute(
            "INSERT INTO customer (name, phone, level, level_since, status, status_since, "
            "owner_id, owner_since, source_channel, created_at, notes, last_contact_at) "
            "SELECT '司马懿', '+8613800000001', level, level_since, status, status_since, "
            "owner_id, owner_since, source_channel, created_at, '', '2030-01-01 00:00:00.000000' "
            "FROM customer LIMIT 1"
        )
    con.close()
    found = [p.detail for p in check(shop) if p.kind == "search"]
    assert any("customer_search_insert is missing" in d for d in found), found
    assert any("holds" in d for d in found), found
    assert customers.search(shop, "诸葛") == []  # what a stale index does
    assert main(["check", "--db", str(db), "--repair"]) in (0, 1)
    out = capsys.readouterr().out
    assert "rebuilt" in out
    assert [p for p in check(shop) if p.kind == "search"] == []
    assert len(customers.search(shop, "诸葛")) == 1 and len(customers.search(shop, "司马懿")) == 1
    con = sqlite3.connect(db)  # the triggers are back: a later rename is followed
    with con:
        con.execute("UPDATE customer SET name = '曹操' WHERE name = '诸葛亮'")
    con.close()
    assert len(customers.search(shop, "曹操")) == 1


def test_repair_is_the_systems_alone(shop):
    from deskterm.services.context import Context
    from deskterm.services.permissions import PermissionDenied

    for role in ("receptionist", "salesperson", "manager", None):
        other = Context(shop.db, shop.clock, role=role)
        with pytest.raises(PermissionDenied):
            repair_search_index(other)


@pytest.mark.postgresql_only
def test_a_missing_trigram_index_on_the_server_is_said_and_repaired(ctx, team, database):
    import psycopg

    from deskterm.services import rotation
    from deskterm.storage import search_index

    rotation.check_in(ctx, team.wang)
    new_customer(ctx, "13912340001", name="欧阳娜娜")
    assert [p for p in check(ctx) if p.kind == "search"] == []
    with psycopg.connect(database, autocommit=True) as raw:
        raw.execute("DROP INDEX ix_customer_phone_trgm")
    found = [p.detail for p in check(ctx) if p.kind == "search"]
    assert found == [
        "search index ix_customer_phone_trgm is missing (pg_trgm): search reads every customer"
    ]
    repair_search_index(ctx)
    assert [p for p in check(ctx) if p.kind == "search"] == []
    with psycopg.connect(database, autocommit=True) as raw:
        names = {
            r[0]
            for r in raw.execute(
                "SELECT indexname FROM pg_indexes "
                "WHERE tablename = 'customer' AND schemaname = current_schema()"
            )
        }
    assert set(search_index.POSTGRESQL_INDEXES) <= names
    assert [c.name for c in customers.search(ctx, "阳娜")] == ["欧阳娜娜"]
    assert [c.name for c in customers.search(ctx, "1234000")] == ["欧阳娜娜"]


@pytest.mark.postgresql_only
def test_one_character_lists_the_same_customers_on_a_file_and_a_server(ctx, team, clock, tmp_path):
    """One character typed (a surname): the names starting with it from every customer,
    then the newest that only hold it, as deep on a file as on a server (a file walked
    four times deeper, and showed an older "whole word" name a server did not)."""
    from datetime import timedelta

    from deskterm.services import rotation, setup
    from deskterm.services.maintenance import open_context

    file_ctx = open_context(str(tmp_path / "file.db"), clock)
    try:
        start = clock.now()
        for shop in (ctx, file_ctx):
            if shop is file_ctx:
                setup.set_setting(shop, "auth.mode", "open")
                setup.add_staff(shop, "王伟", "salesperson", "senior")
            rotation.check_in(shop, setup.list_staff(shop, "salesperson")[0].id)
            names = ["Li 王", "王五", "王六"] + [f"李王{i:02d}" for i in range(55)]
            for i, name in enumerate(names):  # the later in the list, the newer
                clock.set(start + timedelta(minutes=i))
                new_customer(shop, f"1381234{i:04d}", name=name)
        clock.set(start + timedelta(hours=2))
        on_server = [c.name for c in customers.search(ctx, "王")]
        on_file = [c.name for c in customers.search(file_ctx, "王")]
        assert on_file == on_server
        assert on_server[:2] == ["王六", "王五"]  # starting with it, however old
        assert "Li 王" not in on_server  # older than the 50 newest that only hold it
        assert len(on_server) == 50
    finally:
        file_ctx.db.close()


#: Fragments of two characters or more: on a server, the names' runs of characters (v18).
LONG_FRAGMENTS = [f for f in FRAGMENTS if len(f) >= 2] + ["n-Luc", "ns M", "e H", "Hans Mü"]


@pytest.mark.parametrize("text", LONG_FRAGMENTS)
def test_a_fragment_with_more_hits_than_counted_is_walked_to_the_same_answer(
    shop, text, monkeypatch
):
    """Above the count (here 1 hit) the search walks by recency instead of reading the
    index's hits: the same customers either way, on a file as on a server."""
    from deskterm.storage import queries

    read = [c.id for c in customers.search(shop, text, limit=500)]
    monkeypatch.setattr(queries, "INDEX_HITS_MAX", 1)
    walked = [c.id for c in customers.search(shop, text, limit=500)]
    assert read == walked == _exact(shop, text)


@pytest.mark.postgresql_only
@pytest.mark.parametrize("text", ["n 00 Li", "00"])
def test_a_name_fragment_on_the_server_is_found_by_its_runs(ctx, team, database, text):
    """v18: "n Li" (runs of three) or two characters (a pair) are read from
    ix_customer_name_grams, in one statement, and a walk by recency is not what the
    planner was left to choose."""
    import psycopg

    from deskterm.services import rotation
    from deskterm.storage import queries

    rotation.check_in(ctx, team.wang)
    for i in range(60):
        new_customer(ctx, f"1391235{i:04d}", name=f"Lin {i:02d} Li" if i % 20 == 0 else f"Q{i}")
    sent: list[tuple[str, tuple]] = []
    rows = queries.Raw.rows

    def spy(self, sql, params=()):
        sent.append((sql, tuple(params)))
        return rows(self, sql, params)

    customers.search(ctx, "Q1")  # the connection reads the statistics once, here
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries.Raw, "rows", spy)
        found = customers.search(ctx, text)
    assert [c.name for c in found] == ["Lin 00 Li"]
    searches = [s for s in sent if "deskterm_name_grams" in s[0]]
    assert len(searches) == 1 and len(sent) == 1  # one statement, one round trip
    with psycopg.connect(database, autocommit=True) as raw:
        raw.execute("ANALYZE customer")
        sql, params = searches[0]
        plan = "\n".join(
            r[0] for r in raw.execute(f"EXPLAIN {queries.postgresql_sql(sql)}", params)
        )
    assert "ix_customer_name_grams" in plan, plan
    assert "One-Time Filter" in plan, plan  # each branch runs only if its count says so


@pytest.mark.postgresql_only
def test_a_missing_name_grams_index_or_function_is_said_and_repaired(ctx, team, database):
    import psycopg

    from deskterm.services import rotation

    rotation.check_in(ctx, team.wang)
    new_customer(ctx, "13912340001", name="Ole Hansen")
    for dropped, said in (
        (
            "DROP INDEX ix_customer_name_grams",
            "search index ix_customer_name_grams is missing: a name search reads every customer",
        ),
        (
            "DROP FUNCTION deskterm_fragment_grams(text)",
            "search function deskterm_fragment_grams is missing: a name search fails",
        ),
    ):
        with psycopg.connect(database, autocommit=True) as raw:
            raw.execute(dropped)
        assert [p.detail for p in check(ctx) if p.kind == "search"] == [said]
        repair_search_index(ctx)
        assert [p for p in check(ctx) if p.kind == "search"] == []
        assert [c.name for c in customers.search(ctx, "e Han")] == ["Ole Hansen"]


@pytest.mark.postgresql_only
def test_letters_case_is_folded_alike_on_a_file_and_a_server(ctx, team, clock, tmp_path):
    """ASCII letters in any case, other letters as typed: a file's LIKE, and a server's
    ILIKE in the "C" collation (the database's own folded Ü too, so the two differed)."""
    from deskterm.services import rotation, setup
    from deskterm.services.maintenance import open_context

    file_ctx = open_context(str(tmp_path / "file.db"), clock)
    try:
        for shop in (ctx, file_ctx):
            if shop is file_ctx:
                setup.set_setting(shop, "auth.mode", "open")
                setup.add_staff(shop, "王伟", "salesperson", "senior")
            rotation.check_in(shop, setup.list_staff(shop, "salesperson")[0].id)
            for i, name in enumerate(["Hans Müller", "HANS MÜLLER", "hans müller", "Hu Li"]):
                new_customer(shop, f"1381234{i:04d}", name=name)
        for text in ("müller", "MÜLLER", "hans m", "ns MÜ", "hu", "HU L", "Ü"):
            on_server = sorted(c.name for c in customers.search(ctx, text))
            on_file = sorted(c.name for c in customers.search(file_ctx, text))
            assert on_server == on_file, text
        assert sorted(c.name for c in customers.search(ctx, "müller")) == [
            "Hans Müller",
            "hans müller",
        ]
        # The whole name too (read where the newest hits were cut at the page's limit).
        from deskterm.storage import queries

        whole = {}
        for where, shop in (("server", ctx), ("file", file_ctx)):
            with shop.db.read_cursor(snapshot=False) as cur:
                rows = queries.customer_search_rows(
                    cur,
                    name="hans müller",
                    name_any_case=True,
                    digits=None,
                    limit=50,
                    whole_name=True,
                )
            whole[where] = sorted(r[1] for r in rows)
        assert whole["server"] == whole["file"] == ["Hans Müller", "hans müller"]
    finally:
        file_ctx.db.close()
