-- deskterm schema version 11 (PostgreSQL twin): customer search through indexes of the
-- names and phones (issue 20). SQLite keeps FTS5 indexes; PostgreSQL's own way is the
-- pg_trgm extension's GIN indexes, which serve the search's LIKE and ILIKE patterns.

-- pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner may
-- create it. Where it is already there (in any schema: several showrooms share one
-- database, a schema each) it is used where it is. A role that may not create it gets a
-- notice and a search that reads every customer; `deskterm check` then says what to ask
-- of whoever looks after the server.
DO $$
DECLARE
    home text;
BEGIN
    SELECT n.nspname INTO home
    FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF home IS NULL THEN
        BEGIN
            CREATE EXTENSION pg_trgm WITH SCHEMA public;
            home := 'public';
        EXCEPTION
            WHEN unique_violation OR duplicate_object THEN
                -- Another showroom's upgrade created it at the same moment, in public.
                home := 'public';
            WHEN insufficient_privilege OR undefined_file OR invalid_schema_name THEN
                RAISE NOTICE 'deskterm: pg_trgm is not available (%): search reads every customer', SQLERRM;
        END;
    END IF;
    IF home IS NOT NULL THEN
        EXECUTE format(
            'CREATE INDEX ix_customer_name_trgm ON customer USING gin (name %I.gin_trgm_ops)',
            home);
        EXECUTE format(
            'CREATE INDEX ix_customer_phone_trgm ON customer USING gin (phone %I.gin_trgm_ops)',
            home);
    END IF;
END $$;

-- One or two characters (a surname, a given name), which trigrams cannot serve: the
-- name's characters, lower case, in a GIN index (no extension needed); the search asks
-- for names holding each character of the fragment, then for the fragment itself.
CREATE INDEX ix_customer_name_chars ON customer USING gin (regexp_split_to_array(lower(name), ''));

-- The search's recency walk for a common fragment, in the order it reads (PostgreSQL puts
-- NULL first going down: ix_customer_search cannot give never-contacted-last).
CREATE INDEX ix_customer_recent ON customer (last_contact_at DESC NULLS LAST);

-- A whole name in any case (SQLite's twin: ix_customer_name_nocase).
CREATE INDEX ix_customer_name_nocase ON customer (lower(name));
