-- deskterm schema version 4: indexes for a dealer group's years of data (issue 6). (PostgreSQL twin of ../v004.sql)

-- The meeting's level counts per owner: an index-only pass instead of reading every row.
CREATE INDEX ix_customer_status_owner_level ON customer (status, owner_id, level);
-- Callbacks due in a period, whatever became of them (the meeting report).
CREATE INDEX ix_callback_due ON callback (due_at);
-- Customer search walks this in last-contact order and reads the matching rows only.
CREATE INDEX ix_customer_search ON customer (last_contact_at, name, phone);
