"""The customer search's indexes (schema v11, v17): whether they agree with the customers,
and their rebuild (``deskterm check --repair``).

SQLite keeps two FTS5 indexes over the customer table (``customer_trigram``: name and
phone in trigrams; ``customer_chars``: the name one character per token) and, since v17,
a B-tree of each phone's suffixes (``customer_phone_suffix``: four digits or more), kept
by triggers in every writing transaction. They can still disagree with the table if
something wrote to the file with the triggers dropped, or with a SQLite that has no FTS5
(a bulk tool): FTS5's own integrity check compares each index with its content. On
PostgreSQL the GIN indexes are the server's, kept by it; what can be missing there is the
pg_trgm extension itself, or v18's index of the names' runs of characters and its
functions.
"""

from __future__ import annotations

from typing import Any

from deskterm.storage.queries import Raw, indexed_hits

#: The SQLite search indexes (FTS5 tables over the customer table or its view).
SQLITE_INDEXES = ("customer_trigram", "customer_chars")
#: The PostgreSQL search indexes (pg_trgm GIN) that need the extension.
POSTGRESQL_INDEXES = ("ix_customer_name_trgm", "ix_customer_phone_trgm")
#: PostgreSQL's own search indexes, with no SQLite twin of the same name.
POSTGRESQL_ONLY = (
    *POSTGRESQL_INDEXES,
    "ix_customer_recent",
    "ix_customer_name_grams",
)
#: The index of the names' exact runs of two and three characters (v18, no extension
#: needed) and its functions (the names', the fragment's).
NAME_GRAMS_INDEX = "ix_customer_name_grams"
NAME_GRAMS_FUNCTIONS = ("deskterm_name_grams", "deskterm_fragment_grams")


#: The phones' suffixes (v17), and the view its triggers read them through.
SUFFIX_TABLE = "customer_phone_suffix"


def is_search_table(name: str) -> bool:
    """Whether ``name`` is one of the SQLite search indexes, their shadow tables or views
    (not part of the schema the two databases share)."""
    return any(name == t or name.startswith(f"{t}_") for t in (*SQLITE_INDEXES, SUFFIX_TABLE))


#: The triggers that keep the SQLite indexes in each writing transaction.
SQLITE_TRIGGERS = (
    "customer_search_insert",
    "customer_search_delete",
    "customer_search_before_update",
    "customer_search_after_update",
)
#: The triggers that keep the phones' suffixes (v17).
SUFFIX_TRIGGERS = (
    "customer_phone_suffix_insert",
    "customer_phone_suffix_delete",
    "customer_phone_suffix_before_update",
    "customer_phone_suffix_after_update",
)
#: How many of the most recently contacted customers the check looks up by name and phone.
SAMPLE = 200


def disagreements(cur: Raw) -> list[str]:
    """What is wrong with the search indexes (empty: sound), said in a line each.

    Reads only, in milliseconds: FTS5's own exact comparison of an index with its
    content needs the write lock for seconds on a dealer group's file (it is an INSERT),
    so the check looks for what can make them disagree instead: a trigger gone, a
    customer the index does not hold (the counts), and the most recently contacted
    customers not found by their own name and phone. ``check --repair`` rebuilds them.
    """
    if cur.postgresql:
        present = {
            r[0]
            for r in cur.rows(
                "SELECT indexname FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = 'customer'"
            )
        }
        found = [
            f"search index {name} is missing (pg_trgm): search reads every customer"
            for name in POSTGRESQL_INDEXES
            if name not in present
        ]
        functions = _name_grams_functions(cur)
        found += [
            f"search function {name} is missing: a name search fails"
            for name in NAME_GRAMS_FUNCTIONS
            if name not in functions
        ]
        if NAME_GRAMS_INDEX not in present:
            found.append(
                f"search index {NAME_GRAMS_INDEX} is missing: a name search reads every customer"
            )
        return found
    found = []
    triggers = {r[0] for r in cur.rows("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    found += [
        f"search trigger {name} is missing: the search index misses changes"
        for name in (*SQLITE_TRIGGERS, *SUFFIX_TRIGGERS)
        if name not in triggers
    ]
    customers = cur.rows("SELECT count(*) FROM customer")[0][0]
    for name in SQLITE_INDEXES:
        held = cur.rows(f"SELECT count(*) FROM {name}_docsize")[0][0]
        if held != customers:
            found.append(f"search index {name} holds {held} customers of {customers}")
    sample = cur.rows(
        "SELECT id, name, phone FROM customer INDEXED BY ix_customer_search "
        "ORDER BY last_contact_at DESC LIMIT ?",
        (SAMPLE,),
    )
    for cid, name, phone in sample:
        for text, digits in ((name, None), (None, phone)):
            if (text is None and digits is None) or (text is not None and not text.strip()):
                continue
            # Whole names and phones: longer than any fragment, so never "too common".
            hits = indexed_hits(cur, text, digits, limit=None)
            if hits is not None and cid not in hits:
                field = "phone" if digits else "name"
                found.append(f"search index does not find customer {cid} by its {field}")
                break
        # Each suffix the phone has (a stale one left by a phone changed behind the
        # triggers' back is harmless: every hit is held to the phone itself).
        kept = sorted(r[0] for r in cur.rows(SUFFIXES_OF_SQL, (cid, cid)))
        if kept != phone_suffixes(phone):
            found.append(f"search index {SUFFIX_TABLE} disagrees with customer {cid}'s phone")
    return found


#: Which of a customer's phone suffixes the B-tree holds (looked up by key: the table
#: has no index by customer).
SUFFIXES_OF_SQL = (
    f"SELECT suffix FROM {SUFFIX_TABLE} WHERE customer_id = ? AND suffix IN "
    f"(SELECT suffix FROM {SUFFIX_TABLE}_text WHERE id = ?)"
)


def phone_suffixes(phone: str | None) -> list[str]:
    """The keys a phone has in customer_phone_suffix (v17), computed here: each run from
    one of its digits to its end, of four characters or more (the migration's view)."""
    if phone is None:
        return []
    return sorted({phone[i:] for i in range(len(phone) - 3) if i < 32 and "0" <= phone[i] <= "9"})


def rebuild(con: Any) -> None:
    """Rebuild every SQLite search index from the customers, and put back a missing
    trigger (inside the caller's write: seconds on a dealer group's file)."""
    from deskterm.storage import migrations

    script = migrations.script(11)
    existing = {
        r[0] for r in con.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    for name in SQLITE_TRIGGERS:
        if name not in existing:
            start = script.index(f"CREATE TRIGGER {name} ")
            con.exec_driver_sql(script[start : script.index("END;", start) + 4])
    for name in SQLITE_INDEXES:
        con.exec_driver_sql(f"INSERT INTO {name} ({name}) VALUES ('rebuild')")
    # The phones' suffixes (v17): made again from the customers, their triggers put back.
    script = migrations.script(17)
    for name in SUFFIX_TRIGGERS:
        if name not in existing:
            start = script.index(f"CREATE TRIGGER {name} ")
            con.exec_driver_sql(script[start : script.index("END;", start) + 4])
    con.exec_driver_sql(f"DELETE FROM {SUFFIX_TABLE}")
    con.exec_driver_sql(
        f"INSERT INTO {SUFFIX_TABLE} (suffix, customer_id) "
        f"SELECT suffix, id FROM {SUFFIX_TABLE}_text ORDER BY 1, 2"
    )
    for name in SQLITE_INDEXES:  # FTS5's own exact comparison, now that the lock is held
        con.exec_driver_sql(f"INSERT INTO {name} ({name}, rank) VALUES ('integrity-check', 1)")


def _name_grams_functions(cur: Raw) -> set[str]:
    """Which of v18's functions this showroom's schema has (the search calls them)."""
    return {
        r[0]
        for r in cur.rows(
            "SELECT p.proname FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname IN (?, ?)",
            NAME_GRAMS_FUNCTIONS,
        )
    }


def recreate_postgresql(con: Any) -> None:
    """Create the search indexes again: the pg_trgm ones (and the extension, where this
    role may), schema v11's step for them run again, and the names' runs of characters
    with their functions, v18's."""
    present = {
        r[0]
        for r in con.exec_driver_sql(
            "SELECT indexname FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = 'customer'"
        )
    }
    for name in POSTGRESQL_INDEXES:
        if name in present:
            con.exec_driver_sql(f"DROP INDEX {name}")
    from deskterm.storage import migrations

    script = migrations.script(11, "postgresql")
    start = script.index("DO $$")
    # On the driver's own cursor, without parameters: the block's notice has a literal %.
    con.connection.dbapi_connection.cursor().execute(
        script[start : script.index("END $$;", start) + 7]
    )
    con.exec_driver_sql(f"DROP INDEX IF EXISTS {NAME_GRAMS_INDEX}")
    for function in NAME_GRAMS_FUNCTIONS:
        con.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}(text)")
    con.connection.dbapi_connection.cursor().execute(migrations.script(18, "postgresql"))
