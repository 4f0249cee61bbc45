-- deskterm schema version 18: a name fragment of two characters or more found by an
-- index of the names' exact runs of two and three characters (issue 20). (PostgreSQL twin
-- of ../v018.sql.)
--
-- pg_trgm (v11) cuts a name into words and pads each: "n Li" becomes trigrams of "n" and
-- "li" found in thousands of names, so its GIN bitmap rechecked most of them (~100-170 ms
-- for a fragment found nowhere on 200,000 customers); and the planner, choosing between
-- that bitmap and the recency walk by its estimates, walked far for "Tom Hu", whose hits
-- are old customers (36-41 ms against ~10 ms). Two characters ("Hu") went through the
-- index of single characters (v11): every name holding an h and a u, four times the hits.
-- Here each name's runs of two and three characters, lower case and spaces kept (as the
-- file's FTS5 trigram index holds them), are the keys of a GIN index: a fragment's runs
-- (its pair, or its runs of three) all in a name is a short list, and the search counts
-- it before it chooses (storage/queries.py), as the file does. No extension is needed.
--
-- The costs are high on purpose: the planner must not read every name through them in a
-- sequential scan where the index gives the same rows. Parallel unsafe on purpose too: a
-- statement that calls them is never split among workers, whose start cost a search of
-- 2,000 hits 15 ms more than it saved (22 ms against 7).
CREATE FUNCTION deskterm_name_grams(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE COST 1000
    AS $$
        SELECT coalesce(array_agg(DISTINCT substr(l.s, i, n)), '{}')
        FROM (SELECT lower(name) AS s) AS l, generate_series(2, 3) AS n,
             generate_series(1, length(l.s) - n + 1) AS i
    $$;

-- What a fragment asks of deskterm_name_grams: its runs of three, or its pair.
CREATE FUNCTION deskterm_fragment_grams(fragment text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE COST 1000
    AS $$
        SELECT coalesce(array_agg(DISTINCT substr(l.s, i, l.n)), '{}')
        FROM (SELECT s, least(length(s), 3) AS n FROM (SELECT lower(fragment) AS s) AS f) AS l,
             generate_series(1, length(l.s) - l.n + 1) AS i
    $$;

CREATE INDEX ix_customer_name_grams ON customer USING gin (deskterm_name_grams(name));

-- v11's index of the names' single characters served two characters; the runs above
-- serve them exactly (a pair, not an h and a u anywhere in the name). One index fewer to
-- write at every save.
DROP INDEX IF EXISTS ix_customer_name_chars;
