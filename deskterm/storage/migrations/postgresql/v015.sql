-- deskterm schema version 15: the search reads its hits from the index alone (issue 20).
-- (PostgreSQL twin of ../v015.sql, which changes nothing in an SQLite file.)
--
-- A fragment too common for pg_trgm (one character: 娜) walks the customers by recency
-- and reads 200 hits to rank 50. With every column the desk shows in the index, those
-- 200 rows come from the index itself, not one table row each by the primary key: the
-- statement's time fell by about half on 200,000 customers. (The most recently changed
-- customers may still be read from the table until autovacuum marks their pages.)
DROP INDEX ix_customer_recent;
CREATE INDEX ix_customer_recent ON customer (last_contact_at DESC NULLS LAST)
	INCLUDE (name, phone, id, level, status, owner_id, model_interest);
