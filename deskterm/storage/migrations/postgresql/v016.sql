-- deskterm schema version 16: the names by their first character, most recent first, for
-- a one-character search (issue 20). (PostgreSQL twin of ../v016.sql.)
--
-- One character typed (a surname: 王) should list the customers whose name starts with
-- it before those whose name only holds it. The search read the 200 newest hits to rank
-- 50, and still missed a 王 contacted before them. Now those names come from this index,
-- the newest first (every column the desk shows in it: an index-only scan), and the walk
-- for the rest reads only the 50 newest hits. (The walk is also fenced: a sample's
-- estimate of how common the character is once had the planner sort every customer.)
CREATE INDEX ix_customer_initial ON customer (lower(left(name, 1)), last_contact_at DESC NULLS LAST)
	INCLUDE (name, phone, id, level, status, owner_id, model_interest);
