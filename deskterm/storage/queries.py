"""Hot-path reads as plain SQL: the statements a salesperson waits for on every screen.

Most reads go through SQLModel. The few that run on every refresh are written once
here as SQL text and run on a driver cursor (``Database.read_cursor``, or
:func:`cursor_of` inside a session), so the time they take is SQLite's plus
microseconds: the benchmark runs the same text in raw sqlite3 as its floor. Their
plans are asserted in ``tests/test_query_plans.py``.

Each statement is written once, in SQLite's spelling; :class:`Raw` runs it on either
database (on PostgreSQL: ``%s`` placeholders, ``strpos`` for ``instr``, no ``INDEXED
BY``; the search spells ``ILIKE`` itself where SQLite's ``LIKE`` ignores case).
Datetimes are stored the way SQLModel stores them: in SQLite UTC naive text with
microseconds, in PostgreSQL ``timestamptz``.
"""

from __future__ import annotations

import json
import re
import time
import weakref
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

#: SQLAlchemy's SQLite DATETIME text: always with microseconds, so text order is time order.
_STORED = "%Y-%m-%d %H:%M:%S.%f"


@lru_cache(maxsize=256)
def to_stored(at: datetime) -> str:
    """An aware datetime as the text SQLModel stores (UTC). Kept for the moments asked
    again and again (the end of today, for every due list and board): formatting one
    was a tenth of a due list's statement."""
    return at.astimezone(UTC).strftime(_STORED)


def from_stored(value: str | datetime | None) -> datetime | None:
    """A stored datetime (SQLite's text, PostgreSQL's aware value) as an aware UTC one."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value + "+00:00")  # twice as fast as .replace(tzinfo=)


@lru_cache(maxsize=64)
def postgresql_sql(sql: str) -> str:
    """The PostgreSQL spelling of one statement of this module."""
    sql = re.sub(r"\s+INDEXED BY \w+", "", sql)
    sql = sql.replace("instr(", "strpos(")
    return sql.replace("?", "%s")


class Raw:
    """A driver cursor inside a read snapshot (or a session's transaction), and the
    dialect that says how to spell the statements of this module on it."""

    __slots__ = ("cursor", "postgresql")

    def __init__(self, cursor: Any, dialect: str) -> None:
        self.cursor = cursor
        self.postgresql = dialect == "postgresql"

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of ``sql`` (datetimes as stored: see :func:`from_stored`)."""
        if self.postgresql:
            # Never prepared: psycopg prepares a statement run five times on a connection,
            # and the server then plans it once for every value. A search's plan depends
            # on the fragment (a rare surname by its index, a common character by the
            # recency walk): the 2-character search went from 1 ms to 36 ms by its 11th
            # run. (A ROLLBACK ended each read and dropped them; a read without a
            # snapshot has none.)
            self.cursor.execute(postgresql_sql(sql), tuple(params), prepare=False)
        else:
            self.cursor.execute(sql, tuple(_sqlite_value(p) for p in params))
        return self.cursor.fetchall()


def _sqlite_value(value: Any) -> Any:
    """A parameter as SQLite stores it (SQLModel's UTC text; a day's ISO text)."""
    if isinstance(value, datetime):
        return to_stored(value)
    if isinstance(value, date):
        return value.isoformat()  # sqlite3's own date adapter is deprecated (3.12)
    return value


def setting_value(cur: Raw, key: str) -> str | None:
    """A setting as stored (None: not set, the default applies)."""
    found = cur.rows("SELECT value FROM setting WHERE key = ?", (key,))
    return found[0][0] if found else None


# One salesperson's open callbacks due before a moment, with the customer and the newest
# note from a finished callback. Seeks ix_callback_open_due; the note comes from the
# customer's own callbacks (ix_callback_customer_id), a handful per customer.
DUE_CALLBACKS_SQL = """
SELECT cb.id, cb.due_at, c.id, c.name, c.phone, c.level, c.status, c.level_since,
       c.status_since, c.owner_since, c.last_contact_at, c.created_at, c.notes,
       (SELECT n.note FROM callback AS n
         WHERE n.customer_id = c.id AND n.status = 'done' AND n.note != ''
         ORDER BY n.done_at DESC, n.id DESC LIMIT 1)
FROM callback AS cb JOIN customer AS c ON c.id = cb.customer_id
WHERE cb.salesperson_id = ? AND cb.status = 'open' AND cb.due_at < ?
ORDER BY cb.due_at, cb.id
"""


def cursor_of(session: Session) -> Raw:
    """A driver cursor inside ``session``'s transaction (same snapshot, same lock)."""
    conn = session.connection()
    return Raw(conn.connection.cursor(), conn.dialect.name)


def due_callback_rows(cur: Raw, salesperson_id: int, before: datetime) -> list[tuple[Any, ...]]:
    """Rows of :data:`DUE_CALLBACKS_SQL` (datetimes still as stored)."""
    return cur.rows(DUE_CALLBACKS_SQL, (salesperson_id, before))


# Every configured level, as the domain's LevelRule fields in order.
LEVELS_SQL = """
SELECT code, rank, name_en, name_zh, horizon_months, callback_interval, to_marketing,
       escalation, escalation_after, lost_after, stall_grace
FROM level ORDER BY rank DESC
"""


def level_rows(cur: Raw) -> tuple[tuple[Any, ...], ...]:
    """The level table's rows (hashable, so the built rules can be cached on them)."""
    return tuple(cur.rows(LEVELS_SQL))


# Customers by a name fragment and/or phone digits, most recently contacted first.
#
# On SQLite a fragment is first looked up in the search indexes of schema v11 (an FTS5
# trigram index of name and phone for three characters or more, an index of the name's
# single characters for one or two): a fragment found a few times among 200,000 customers
# is found in a millisecond, and only its hits are read. A common fragment (more than
# INDEX_HITS_MAX hits: "王", "138") is served sooner by the recency walk below, which stops
# at the limit: the inner query walks the covering ix_customer_search (last_contact_at,
# name, phone) backwards without touching the table; only the hits are then read with their
# owner. On PostgreSQL the same walk is one statement: the planner chooses between it and
# the pg_trgm indexes of v11 by the fragment's statistics. {where} is built by
# customer_search_rows.
CUSTOMER_SEARCH_SQL = """
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM (SELECT id FROM customer INDEXED BY ix_customer_search WHERE {where}
      ORDER BY last_contact_at DESC LIMIT ?) AS hit
JOIN customer AS c ON c.id = hit.id JOIN staff AS s ON s.id = c.owner_id
"""

#: PostgreSQL's spelling of :data:`CUSTOMER_SEARCH_SQL`: every column the desk shows is
#: in ix_customer_recent (v15), so a walk by recency reads its hits from the index alone,
#: not a table row each by id (1 character, 200 hits: about half the statement's time).
CUSTOMER_SEARCH_PG_SQL = """
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM (SELECT id, name, phone, level, status, owner_id, model_interest, last_contact_at
      FROM customer WHERE {where}
      ORDER BY last_contact_at DESC NULLS LAST LIMIT ?) AS c
JOIN staff AS s ON s.id = c.owner_id
"""

#: :data:`CUSTOMER_SEARCH_PG_SQL` for a walk the planner must not replace: the customers
#: by recency, filtered after (the fence, OFFSET 0, plans the walk on its own). Its
#: estimate of how common one character is comes from a sample, and one ANALYZE's sample
#: had it sort all 200,000 customers instead of walking to the newest hits (3 -> 80 ms).
CUSTOMER_WALK_PG_SQL = """
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM (SELECT * FROM (SELECT id, name, phone, level, status, owner_id, model_interest,
                            last_contact_at
                     FROM customer ORDER BY last_contact_at DESC NULLS LAST OFFSET 0) AS walk
      WHERE {where} LIMIT ?) AS c
JOIN staff AS s ON s.id = c.owner_id
"""
#: A name fragment of two characters or more on a server (v18): the customers whose name
#: holds each of its runs (its pair, or its runs of three), read by ix_customer_name_grams
#: (at most one more than :data:`INDEX_HITS_MAX`) and counted before the plan is chosen,
#: as the file does in two statements: few, and the newest of them held to the walk's
#: condition ({where}); many, and the recency walk, which finds the newest of a common
#: fragment sooner. One round trip: each branch runs only if its count test holds
#: (PostgreSQL evaluates a condition on no column once, before the branch). The planner
#: no longer chooses by its estimates (it walked far for "Tom Hu", whose hits are old).
GRAMS_GATED_PG_SQL = """
WITH hit AS MATERIALIZED (
    SELECT id, name, phone, level, status, owner_id, model_interest, last_contact_at
    FROM customer WHERE deskterm_name_grams(name) @> deskterm_fragment_grams(?) LIMIT {over}
)
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM (SELECT * FROM (SELECT * FROM hit WHERE {where}
                     ORDER BY last_contact_at DESC NULLS LAST LIMIT ?) AS few
      WHERE (SELECT count(*) FROM hit) <= {most}
      UNION ALL
      SELECT * FROM (SELECT id, name, phone, level, status, owner_id, model_interest,
                            last_contact_at
                     FROM customer WHERE {where}
                     ORDER BY last_contact_at DESC NULLS LAST LIMIT ?) AS walk
      WHERE (SELECT count(*) FROM hit) > {most}) AS c
JOIN staff AS s ON s.id = c.owner_id
"""
#: The share of names holding each of the most common runs (ANALYZE's statistics of
#: ix_customer_name_grams) and how many customers there are: how many hits a fragment may
#: have, known before the count costs a common fragment 2,000 rows read for nothing.
GRAM_SHARES_SQL = """
SELECT u.gram, u.share, (SELECT reltuples FROM pg_class WHERE oid = 'customer'::regclass)
FROM pg_stats AS s,
     unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(gram, share)
WHERE s.schemaname = current_schema() AND s.tablename = 'ix_customer_name_grams'
"""
#: How long a connection keeps the shares it read (ANALYZE moves them slowly; reading
#: them costs a search a millisecond or two).
GRAM_SHARES_SECONDS = 600.0
_gram_shares: weakref.WeakKeyDictionary[Any, tuple[float, dict[str, float], float]] = (
    weakref.WeakKeyDictionary()
)


def fragment_grams(fragment: str) -> set[str]:
    """A fragment's runs of three characters, or its pair (deskterm_fragment_grams)."""
    text = fragment.lower()
    n = min(len(text), 3)
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def estimated_name_hits(cur: Raw, fragment: str) -> float:
    """How many names hold ``fragment`` at most, by the statistics of its rarest run (0
    where one is not among the most common, or nothing was analyzed yet: the count then
    decides). Read once per server connection every :data:`GRAM_SHARES_SECONDS`. An
    estimate only chooses the plan; every plan finds the same customers."""
    connection = cur.cursor.connection
    now = time.monotonic()
    held = _gram_shares.get(connection)
    if held is None or now - held[0] > GRAM_SHARES_SECONDS:
        rows = cur.rows(GRAM_SHARES_SQL)
        customers = float(rows[0][2]) if rows else 0.0
        held = (now, {str(g): float(f) for g, f, _ in rows}, customers)
        _gram_shares[connection] = held
    _, shares, customers = held
    grams = fragment_grams(fragment)
    if not grams:
        return 0.0
    return min(shares.get(g, 0.0) for g in grams) * customers


#: The names starting with a character (lower case), the newest first: ix_customer_initial.
INITIAL_PG = "lower(left(name, 1)) = lower(?)"
#: SQLite's: the newest customers whose name starts with a character, held to the
#: search's condition ({where}).
INITIAL_SQL = """
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM (SELECT id FROM customer INDEXED BY ix_customer_initial
      WHERE lower(substr(name, 1, 1)) = lower(?) AND ({where})
      ORDER BY last_contact_at DESC LIMIT ?) AS hit
JOIN customer AS c ON c.id = hit.id JOIN staff AS s ON s.id = c.owner_id
"""

#: The rowids of the customers whose name or phone holds a fragment (FTS5 query syntax).
TRIGRAM_HITS_SQL = "SELECT rowid FROM customer_trigram WHERE customer_trigram MATCH ? LIMIT ?"
#: The rowids of the customers whose name holds a phrase of single characters.
CHARS_HITS_SQL = "SELECT rowid FROM customer_chars WHERE customer_chars MATCH ? LIMIT ?"
#: The customers whose phone holds a run of digits (v17): the keys of its suffixes that
#: start with it, a range of the B-tree (a customer twice where the run is twice).
SUFFIX_HITS_SQL = "SELECT customer_id FROM customer_phone_suffix WHERE suffix >= ? AND suffix < ?"
#: Runs of this many digits or more are found by their suffixes (v17); fewer are in too
#: many phones ("138"): the trigram index and the walk serve them.
SUFFIX_DIGITS_MIN = 4
#: The customers an index finds for a fragment ({hits}: the ids of :data:`SUFFIX_HITS_SQL`
#: or of customer_trigram or customer_chars), held to the walk's condition ({where}), most
#: recent first.
INDEXED_SEARCH_SQL = """
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM (SELECT id FROM customer NOT INDEXED
      WHERE id IN ({hits}) AND ({where})
      ORDER BY last_contact_at DESC, id DESC LIMIT ?) AS hit
JOIN customer AS c ON c.id = hit.id JOIN staff AS s ON s.id = c.owner_id
"""
#: The ids the index found, handed back to the statement that reads them (a JSON array).
IDS_SQL = "SELECT value FROM json_each(?)"
#: Customers of exactly this name in any ASCII case (ix_customer_name_nocase).
WHOLE_NAME_SQL = """
SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, c.model_interest,
       c.last_contact_at
FROM customer AS c JOIN staff AS s ON s.id = c.owner_id
WHERE c.name = ? COLLATE NOCASE ORDER BY c.last_contact_at DESC LIMIT ?
"""


#: More index hits than this and a fragment is common: the recency walk finds its most
#: recent matches sooner than reading every hit (measured on the dealer group's data set:
#: reading 2,000 hits by id costs what the walk costs for a fragment in 1% of customers).
INDEX_HITS_MAX = 2000


def _quoted(phrase: str) -> str:
    """``phrase`` as an FTS5 string: every character literal."""
    return '"' + phrase.replace('"', '""') + '"'


def search_match(name: str | None, digits: str | None) -> tuple[str, str] | None:
    """The index and FTS5 query that find ``name`` or ``digits`` (``("trigram", …)`` or
    ``("chars", …)``), or None where no index serves the fragment (the walk does)."""
    if name is not None and len(name) < 3:
        # The name's characters as a phrase. A fragment of separators only (punctuation,
        # symbols: dropped by the tokenizer) would be an empty phrase, found nowhere.
        if digits is not None or not any(ch.isalnum() for ch in name):
            return None
        return "chars", _quoted(" ".join("_" if ch == " " else ch for ch in name))
    parts = []
    if name is not None:
        parts.append(f"name : {_quoted(name)}")
    if digits is not None:
        parts.append(f"phone : {_quoted(digits)}")
    return ("trigram", " OR ".join(parts)) if parts else None


def suffix_range(digits: str) -> tuple[str, str]:
    """The keys of customer_phone_suffix that start with ``digits``: from it, up to the
    same run with its last digit one higher ("4330" to "4331", "4339" to "433:")."""
    return digits, digits[:-1] + chr(ord(digits[-1]) + 1)


def _route_hits(route: tuple[str, str]) -> tuple[str, tuple[str, ...]]:
    """The statement (and its values) giving the ids a search route finds."""
    index, query = route
    if index == "suffix":
        return SUFFIX_HITS_SQL, suffix_range(query)
    table = f"customer_{index}"
    return f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (query,)


def indexed_hits(
    cur: Raw, name: str | None, digits: str | None, limit: int | None
) -> list[int] | None:
    """The ids of every customer the search indexes find for the fragment (a superset of
    the exact matches: the indexes fold case and drop punctuation), or None when no index
    serves it or it has more than ``limit`` hits (None: no limit)."""
    match = search_match(name, digits)
    if match is None:
        return None
    index, query = match
    sql = TRIGRAM_HITS_SQL if index == "trigram" else CHARS_HITS_SQL
    hits = [r[0] for r in cur.rows(sql, (query, -1 if limit is None else limit + 1))]
    return None if limit is not None and len(hits) > limit else hits


def _recency(row: tuple[Any, ...]) -> tuple[bool, Any, int]:
    """A search row's order, most recent first once reversed: never-contacted last, and
    the newer customer first among those contacted at the same moment (so both routes
    give one order)."""
    return (row[8] is not None, row[8] or "", row[0])


def customer_by_phone_rows(cur: Raw, phone: str) -> list[tuple[Any, ...]]:
    """The search's row for the customer of this whole (canonical) phone, if any: its
    unique index."""
    return cur.rows(
        "SELECT c.id, c.name, c.phone, c.level, c.status, c.owner_id, s.name, "
        "c.model_interest, c.last_contact_at "
        "FROM customer AS c JOIN staff AS s ON s.id = c.owner_id WHERE c.phone = ?",
        (phone,),
    )


def _hit_ids(cur: Raw, route: tuple[str, str]) -> list[int] | None:
    """The ids of the customers the index finds for a fragment, at most one more than
    :data:`INDEX_HITS_MAX` (a common fragment stops early; a phone holding a run twice is
    there twice, which only matters at that edge). Read once: the search reads its rows
    by these ids, not by asking the index a second time (its MATCH was a quarter of a
    search of 1,131 hits). None: read no index (the witness of the tests walks)."""
    hits, values = _route_hits(route)
    return [r[0] for r in cur.rows(f"{hits} LIMIT ?", (*values, INDEX_HITS_MAX + 1))]


def customer_search_rows(
    cur: Raw,
    *,
    name: str | None,
    name_any_case: bool,
    digits: str | None,
    limit: int,
    whole_name: bool = False,
) -> list[tuple[Any, ...]]:
    """Rows of :data:`CUSTOMER_SEARCH_SQL`, most recently contacted first: name containing
    ``name`` (any ASCII case when ``name_any_case``; the whole name when ``whole_name``)
    or phone containing ``digits``."""
    if not cur.postgresql and whole_name and name is not None:
        return cur.rows(WHOLE_NAME_SQL, (name, limit))
    found = _search_where(cur, name, name_any_case, digits, whole_name)
    if found is None:
        return []
    where, values = found
    route: tuple[str, str] | None = None
    if not cur.postgresql and not whole_name:
        if name is None and digits is not None and len(digits) >= SUFFIX_DIGITS_MIN:
            route = ("suffix", digits)  # a phone's digits: its suffixes (v17)
        else:
            route = search_match(name, digits)
    ids = _hit_ids(cur, route) if route is not None else None
    if ids == []:
        return []  # found nowhere: the hits need not be looked for twice
    if ids is not None and len(ids) <= INDEX_HITS_MAX:
        # A fragment the indexes serve, with few enough hits to read them all: the index's
        # hits, held to the walk's own condition (the index folds case and drops
        # punctuation, so it finds a few more), the most recent first.
        sql = INDEXED_SEARCH_SQL.format(hits=IDS_SQL, where=where)
        rows = cur.rows(sql, (json.dumps(ids), *values, limit))
        rows.sort(key=_recency, reverse=True)
        return rows
    sql = (CUSTOMER_SEARCH_PG_SQL if cur.postgresql else CUSTOMER_SEARCH_SQL).format(where=where)
    rows = cur.rows(sql, (*values, limit))
    # The join reads the hits in the inner order, but SQL promises no order without an
    # outer ORDER BY: sort the few rows here, never-contacted last as in the index.
    # (Stored values compare as they are, text or datetime: no parsing on the hot path.)
    rows.sort(key=_recency, reverse=True)
    return rows


def customer_name_search_rows(
    cur: Raw,
    *,
    name: str,
    name_any_case: bool,
    digits: str | None,
    limit: int,
    whole_limit: int,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A name search's rows (:func:`customer_search_rows`, at most ``limit``) and, when
    they filled ``limit`` (the walk was cut at the most recent hits), the customers of
    exactly this name, at most ``whole_limit``: on a server both in one statement and one
    round trip (the second part costs the server a lookup in ix_customer_name_nocase)."""
    if not cur.postgresql:
        if len(name) == 1 and digits is None:
            # One character: the names starting with it come from their own index (below),
            # so the walk reads the newest names that only hold it, as deep as a server's
            # (the same answers on both; and a quarter of the rows to read and rank: 娜 on
            # 200,000 customers, 4.7 -> ~2.5 ms).
            limit = whole_limit
        rows = customer_search_rows(
            cur, name=name, name_any_case=name_any_case, digits=digits, limit=limit
        )
        cut = len(rows) >= limit
        if len(name) == 1 and digits is None:
            # One character: the names starting with it too, the newest first from their
            # own index (ix_customer_initial), however long ago they were contacted.
            hits = _search_where(cur, name, name_any_case, None, False)
            assert hits is not None
            seen = {r[0] for r in rows}
            sql = INITIAL_SQL.format(where=hits[0])
            rows += [r for r in cur.rows(sql, (name, *hits[1], whole_limit)) if r[0] not in seen]
            rows.sort(key=_recency, reverse=True)
        if not cut:
            return rows, []
        whole = customer_search_rows(
            cur,
            name=name,
            name_any_case=name_any_case,
            digits=None,
            limit=whole_limit,
            whole_name=True,
        )
        return rows, whole
    hits = _search_where(cur, name, name_any_case, digits, False)
    same = _search_where(cur, name, name_any_case, None, True)
    assert hits is not None and same is not None  # a name is always a condition
    parts = [(CUSTOMER_SEARCH_PG_SQL.format(where=hits[0]), [*hits[1], limit])]
    if len(name) >= 2 and digits is None and estimated_name_hits(cur, name) <= INDEX_HITS_MAX:
        # Two characters or more: the index of the names' runs counts the hits first
        # (v18), unless the statistics already say they are many (the planner then walks).
        gated = GRAMS_GATED_PG_SQL.format(
            where=hits[0], over=INDEX_HITS_MAX + 1, most=INDEX_HITS_MAX
        )
        parts = [(gated, [name, *hits[1], limit, *hits[1], limit])]
    if len(name) == 1 and digits is None:
        # One character: the newest hits by the walk (held to its plan), and the names
        # starting with it from their own index, the newest first: the ranking's best
        # (a surname before a name that only holds it) from every customer, not only
        # among the newest hits, and a quarter of the rows read.
        parts = [
            (CUSTOMER_WALK_PG_SQL.format(where=hits[0]), [*hits[1], whole_limit]),
            (
                CUSTOMER_SEARCH_PG_SQL.format(where=f"{INITIAL_PG} AND ({hits[0]})"),
                [name, *hits[1], whole_limit],
            ),
        ]
        limit = whole_limit
    parts.append((CUSTOMER_SEARCH_PG_SQL.format(where=same[0]), [*same[1], whole_limit]))
    sql = " UNION ALL ".join(
        f"SELECT {n}, part.* FROM ({part}) AS part" for n, (part, _) in enumerate(parts)
    )
    found = cur.rows(sql, [value for _, values in parts for value in values])
    walked = [r[1:] for r in found if r[0] == 0]
    seen = {r[0] for r in walked}
    rows = walked + [r[1:] for r in found if 0 < r[0] < len(parts) - 1 and r[1] not in seen]
    rows.sort(key=_recency, reverse=True)
    if len(walked) < limit:
        return rows, []  # every hit was read: the whole name among them
    whole = [r[1:] for r in found if r[0] == len(parts) - 1]
    whole.sort(key=_recency, reverse=True)
    return rows, whole


#: ILIKE folding ASCII letters only (SQLite's LIKE), the pattern escaped by a backslash.
PG_ASCII_ILIKE = "COLLATE \"C\" ILIKE ? ESCAPE '\\'"


def _search_where(
    cur: Raw, name: str | None, name_any_case: bool, digits: str | None, whole_name: bool
) -> tuple[str, list[Any]] | None:
    """The walk's condition and its values for a name or digits (None: neither)."""
    conds: list[str] = []
    values: list[Any] = []
    if name is not None:
        wild = "" if whole_name else "%"
        if whole_name and cur.postgresql:
            # ix_customer_name_nocase (lower(name)) finds them; the "C" ILIKE keeps the
            # ASCII letters' case only, as a file's NOCASE does (Ü is not ü there).
            exact = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(f"(lower(name) = lower(?) AND name {PG_ASCII_ILIKE})")
            values += [name, exact]
        elif name_any_case or cur.postgresql:
            # LIKE ignores ASCII case (and plain LIKE where no letter has a case: CJK,
            # digits, half the cost); the fragment's own % and _ escaped.
            pattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"{wild}{pattern}{wild}"
            if cur.postgresql and name_any_case:
                # A server's ILIKE in the "C" collation folds ASCII letters only, as a
                # file's LIKE does (the same answers on both), at half the cost of the
                # database's own, which lower-cases each name in full ("Hu" walked 200
                # hits in 6.9 ms). The database's own beside it finds a few more, never
                # fewer, and the pg_trgm index serves it where the planner wants that.
                conds.append(f"(name {PG_ASCII_ILIKE} AND name ILIKE ? ESCAPE '\\')")
                values += [pattern, pattern]
            else:
                conds.append("name LIKE ? ESCAPE '\\'")
                values.append(pattern)
        elif whole_name:
            conds.append("name = ?")
            values.append(name)
        else:  # instr: half the cost of LIKE where case does not matter (CJK, digits)
            conds.append("instr(name, ?) > 0")
            values.append(name)
    if digits is not None:
        if cur.postgresql:  # a pattern the pg_trgm index serves (digits have no case)
            conds.append("phone LIKE ?")
            values.append(f"%{digits}%")
        else:
            conds.append("instr(phone, ?) > 0")
            values.append(digits)
    if not conds:
        return None
    where = " OR ".join(conds)
    return where, values


# -- start-up ----------------------------------------------------------------------
# Read at every start (and the audit tip at every change a desk sees): plain statements on
# the driver, where the ORM's first compile of each took a few ms of the first screen.
#: Whether the built-in rows are there: levels, and the media and step lists added later.
SEEDED_SQL = """
SELECT EXISTS (SELECT 1 FROM level),
       EXISTS (SELECT 1 FROM reason WHERE kind = 'media'),
       EXISTS (SELECT 1 FROM reason WHERE kind = 'step')
"""
#: The audit trail's newest row (id, action) by its head; no row when the trail is empty.
AUDIT_TIP_SQL = """
SELECT h.last_id, a.action FROM audit_head AS h LEFT JOIN audit AS a ON a.id = h.last_id
WHERE h.slot = 1
"""
#: Whether anyone active holds ``role`` (the first run is a shop without salespeople).
ROLE_STAFFED_SQL = "SELECT 1 FROM staff WHERE role = ? AND active LIMIT 1"


#: The day's appointments not cancelled, by time, with their customer and the customer's
#: owner now (the Reception screen's "expected today", read at its start and every few
#: seconds): id, customer id, customer, owner id, owner, at, model, note, status, status
#: at, reception id.
EXPECTED_SQL = """
SELECT a.id, a.customer_id, c.name, s.id, s.name, a.at, a.model, a.note, a.status,
       a.status_at, a.reception_id
FROM appointment AS a
JOIN customer AS c ON c.id = a.customer_id
JOIN staff AS s ON s.id = c.owner_id
WHERE a.at >= ? AND a.at < ? AND a.status <> 'cancelled'
ORDER BY a.at, a.id
"""


# -- the Reception screen's reload, as one batch --------------------------------------
# Every statement the screen's reload needs, for one day. On a server they go in one
# round trip (``Database.read_batch``); parameters are days and moments only, written
# into the text as literals there (no person's text is ever a parameter here).
DESK_SETTINGS_SQL = "SELECT key, value FROM setting"
DESK_STAFF_SQL = "SELECT id, name, role, active FROM staff"
DESK_SNAPSHOT_SQL = """
SELECT settings, last_event_id, last_kind, last_salesperson_id, state
FROM rotation_snapshot WHERE day = ?
"""
DESK_ARRIVALS_SQL = """
SELECT r.id, r.arrived_at, r.channel, r.salesperson_id, c.name, r.visitor_name,
       r.first_visit, r.requested, r.courtesy, r.counted, r.uncounted_kind,
       r.form_saved_at, c.id, r.no_contact_reason, r.ended_at
FROM reception AS r LEFT JOIN customer AS c ON c.id = r.customer_id
WHERE r.day = ?
ORDER BY r.id DESC
"""
DESK_STEPS_SQL = """
SELECT code, name_en, name_zh FROM reason WHERE kind = 'step' AND active ORDER BY sort, code
"""
DESK_TICKED_SQL = """
SELECT rs.reception_id, rs.step
FROM reception_step AS rs JOIN reception AS r ON r.id = rs.reception_id
WHERE r.day = ?
"""
DESK_WAITING_SQL = """
SELECT id, arrived_at, note FROM waiting_visitor
WHERE day = ? AND reception_id IS NULL AND left_at IS NULL
ORDER BY arrived_at, id
"""
# Whether the day has a live rotation event (its first one found, not counted).
DESK_LOGGED_SQL = """
SELECT 1 FROM rotation_event WHERE day = ? AND undone_at IS NULL LIMIT 1
"""
# Each salesperson's latest counted visit of the day (the unsaved-form hold).
DESK_LAST_VISITS_SQL = """
SELECT salesperson_id, ended_at, form_saved_at FROM reception
WHERE id IN (SELECT max(id) FROM reception WHERE day = ? AND counted GROUP BY salesperson_id)
"""
# Salespeople with an open callback due before the day (the overdue hold): one probe of
# ix_callback_open_due each.
DESK_OVERDUE_SQL = """
SELECT s.id FROM staff AS s
WHERE s.role = 'salesperson' AND EXISTS (
    SELECT 1 FROM callback AS cb
    WHERE cb.salesperson_id = s.id AND cb.status = 'open' AND cb.due_at < ?)
"""


def sql_literal(value: Any) -> str:
    """``value`` written into a statement's text: numbers, days and moments only (what
    a batch's statements take), never text a person typed."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.astimezone(UTC).isoformat()}'::timestamptz"
    if isinstance(value, date):
        return f"'{value.isoformat()}'::date"
    raise TypeError(f"not a literal a batch may carry: {type(value).__name__}")


def inline(sql: str, params: Sequence[Any]) -> str:
    """``sql`` (SQLite's spelling, ``?`` marks) in PostgreSQL's, its parameters written in."""
    parts = postgresql_sql(sql).split("%s")
    if len(parts) != len(params) + 1:
        raise ValueError("a parameter for each mark")
    out = [parts[0]]
    for value, rest in zip(params, parts[1:], strict=True):
        out += [sql_literal(value), rest]
    return "".join(out)
