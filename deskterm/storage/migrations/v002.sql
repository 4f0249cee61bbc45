-- deskterm schema version 2: the manager's side (issue 4).

-- Which of the form's key fields were left empty (comma-separated): the coaching view.
ALTER TABLE reception ADD COLUMN form_missing VARCHAR(200);

-- A salesperson requests "lost"; the manager approves it or sends it back.
ALTER TABLE customer ADD COLUMN lost_request_reason VARCHAR(24);
ALTER TABLE customer ADD COLUMN lost_request_note VARCHAR(500);
ALTER TABLE customer ADD COLUMN lost_requested_at DATETIME;
ALTER TABLE customer ADD COLUMN lost_requested_by INTEGER REFERENCES staff (id);

-- Marketing marks a pool customer as nurtured: a lead for the meeting to hand out.
ALTER TABLE customer ADD COLUMN nurtured_at DATETIME;

-- A countermeasure the manager dates on a reason, to compare before and after.
CREATE TABLE countermeasure (
	id INTEGER NOT NULL,
	kind VARCHAR(16) NOT NULL,
	reason VARCHAR(24) NOT NULL,
	since DATE NOT NULL,
	note VARCHAR(500) NOT NULL,
	by_id INTEGER,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(by_id) REFERENCES staff (id)
);

CREATE INDEX ix_customer_lost_request ON customer (lost_requested_at)
	WHERE lost_requested_at IS NOT NULL;
CREATE INDEX ix_callback_kind_due ON callback (kind, due_at) WHERE status = 'open';
