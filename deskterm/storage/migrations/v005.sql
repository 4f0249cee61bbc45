-- deskterm schema version 5: a hash chain over the audit trail (issue 14).

-- Each row carries the previous row's hash and SHA-256 over its own fields and that one
-- (storage/audit_chain.py), so a row changed or deleted behind the triggers' back shows.
ALTER TABLE audit ADD COLUMN prev_hash VARCHAR(64);
ALTER TABLE audit ADD COLUMN hash VARCHAR(64);

-- The last row's id and hash: deleting the newest rows shows too.
CREATE TABLE audit_head (
	slot INTEGER NOT NULL,
	last_id INTEGER NOT NULL,
	last_hash VARCHAR(64) NOT NULL,
	PRIMARY KEY (slot)
);

-- The rows already there get their chain in Python right after the SQL steps, in the
-- same transaction (SQLite has no SHA-256): migrations.PYTHON_STEPS.
