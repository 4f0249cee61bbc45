-- deskterm schema version 17: nothing changes on a server (issue 20). (PostgreSQL twin of
-- ../v017.sql.)
--
-- The SQLite file gets a B-tree of each phone's suffixes, so that four digits or more
-- are found in a B-tree's depth rather than through FTS5 trigram lists that grow with the
-- shop. A server finds phone digits through the pg_trgm index of v11 (ix_customer_phone_trgm).
SELECT 1;
