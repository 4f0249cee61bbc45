-- deskterm schema version 7: an import can be undone (issue 17).

-- Each committed import is one numbered batch: who, when, which sheet, what it did, and
-- whether (and by whom) it was undone.
CREATE TABLE import_batch (
	id INTEGER NOT NULL,
	at DATETIME NOT NULL,
	actor_id INTEGER,
	sheet VARCHAR(200) NOT NULL,
	created INTEGER NOT NULL,
	merged INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	rejected INTEGER NOT NULL,
	undone_at DATETIME,
	undone_by INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(actor_id) REFERENCES staff (id),
	FOREIGN KEY(undone_by) REFERENCES staff (id)
);

-- What a batch did to each customer, one row per thing to put back: a customer it
-- created, a field it changed (with the value before and after), a level-history row,
-- a callback it cancelled or added. customer_id is no foreign key on purpose: undoing
-- the batch deletes the customers it created and keeps this record of them.
CREATE TABLE import_change (
	id INTEGER NOT NULL,
	batch_id INTEGER NOT NULL,
	customer_id INTEGER NOT NULL,
	field VARCHAR(24) NOT NULL,
	old_value TEXT,
	new_value TEXT,
	PRIMARY KEY (id),
	FOREIGN KEY(batch_id) REFERENCES import_batch (id)
);
CREATE INDEX ix_import_change_batch_id ON import_change (batch_id);
CREATE INDEX ix_import_change_customer_id ON import_change (customer_id);
