-- deskterm schema version 18: a name fragment of three characters or more found by an
-- index of the names' exact trigrams (issue 20). (PostgreSQL twin of ../v018.sql.)
--
-- pg_trgm (v11) cuts a name into words and pads each: "n Li" becomes trigrams of "n" and
-- "li" found in thousands of names, so its GIN bitmap rechecked most of them (171 ms for a
-- fragment found nowhere on 200,000 customers); and the planner, choosing between that
-- bitmap and the recency walk by its estimates, walked far for "Tom Hu", whose hits are
-- old customers (36-41 ms against 9 ms). Here each name's three-character runs, lower
-- case and spaces kept (as the file's FTS5 trigram index holds them), are the keys of a
-- GIN index: a fragment's runs all in a name is a short list, and the search counts it
-- before it chooses (storage/queries.py), as the file does. No extension is needed.
--
-- The cost is high on purpose: the planner must not read every name through it in a
-- sequential scan where the index gives the same rows. Parallel unsafe on purpose too: a
-- statement that calls it is never split among workers, whose start cost a search of
-- 2,000 hits 15 ms more than it saved (22 ms against 7).
CREATE FUNCTION deskterm_name_trigrams(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE COST 1000
    AS $$
        SELECT coalesce(array_agg(DISTINCT substr(l.s, i, 3)), '{}')
        FROM (SELECT lower(name) AS s) AS l, generate_series(1, length(l.s) - 2) AS i
    $$;

CREATE INDEX ix_customer_name_trigrams ON customer USING gin (deskterm_name_trigrams(name));
