-- deskterm schema version 1 (first release). Frozen: later changes are new migration files.

CREATE TABLE level (
	code VARCHAR(10) NOT NULL, 
	rank INTEGER NOT NULL, 
	name_en VARCHAR(40) NOT NULL, 
	name_zh VARCHAR(40) NOT NULL, 
	horizon_months INTEGER, 
	callback_interval VARCHAR(16), 
	to_marketing BOOLEAN NOT NULL, 
	escalation VARCHAR(16), 
	escalation_after VARCHAR(16), 
	lost_after VARCHAR(16), 
	stall_grace VARCHAR(16), 
	PRIMARY KEY (code), 
	UNIQUE (rank)
);

CREATE TABLE reason (
	kind VARCHAR(16) NOT NULL, 
	code VARCHAR(24) NOT NULL, 
	name_en VARCHAR(60) NOT NULL, 
	name_zh VARCHAR(60) NOT NULL, 
	needs_note BOOLEAN NOT NULL, 
	sort INTEGER NOT NULL, 
	active BOOLEAN NOT NULL, 
	PRIMARY KEY (kind, code)
);

CREATE TABLE setting (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR(4000) NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE staff (
	id INTEGER NOT NULL, 
	name VARCHAR(40) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	seniority VARCHAR(10) NOT NULL, 
	phone VARCHAR(20), 
	active BOOLEAN NOT NULL, 
	joined_on DATE NOT NULL, 
	left_on DATE, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_staff_role ON staff (role);

CREATE TABLE audit (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor_id INTEGER, 
	action VARCHAR(40) NOT NULL, 
	entity VARCHAR(24) NOT NULL, 
	entity_id INTEGER, 
	before_json TEXT, 
	after_json TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(actor_id) REFERENCES staff (id)
);

CREATE TABLE customer (
	id INTEGER NOT NULL, 
	name VARCHAR(40) NOT NULL, 
	phone VARCHAR(20), 
	contact_other VARCHAR(80), 
	level VARCHAR(10) NOT NULL, 
	level_since DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	status_since DATETIME NOT NULL, 
	owner_id INTEGER NOT NULL, 
	owner_since DATETIME NOT NULL, 
	care_owner_id INTEGER, 
	source_channel VARCHAR(16) NOT NULL, 
	model_interest VARCHAR(60), 
	budget VARCHAR(16), 
	purchase_horizon VARCHAR(10), 
	created_at DATETIME NOT NULL, 
	last_contact_at DATETIME, 
	won_at DATETIME, 
	lost_at DATETIME, 
	lost_reason VARCHAR(24), 
	lost_note VARCHAR(500), 
	notes VARCHAR(2000) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (phone), 
	FOREIGN KEY(level) REFERENCES level (code), 
	FOREIGN KEY(owner_id) REFERENCES staff (id), 
	FOREIGN KEY(care_owner_id) REFERENCES staff (id)
);

CREATE INDEX ix_customer_owner_id ON customer (owner_id);

CREATE INDEX ix_customer_owner_status ON customer (owner_id, status);

CREATE TABLE rotation_day_stat (
	day DATE NOT NULL, 
	salesperson_id INTEGER NOT NULL, 
	ups INTEGER NOT NULL, 
	requested INTEGER NOT NULL, 
	courtesy INTEGER NOT NULL, 
	uncounted INTEGER NOT NULL, 
	skips INTEGER NOT NULL, 
	makeups INTEGER NOT NULL, 
	PRIMARY KEY (day, salesperson_id), 
	FOREIGN KEY(salesperson_id) REFERENCES staff (id)
);

CREATE TABLE callback (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	salesperson_id INTEGER NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	due_at DATETIME NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	done_at DATETIME, 
	outcome VARCHAR(16), 
	level_before VARCHAR(10), 
	level_after VARCHAR(10), 
	note VARCHAR(2000) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id), 
	FOREIGN KEY(salesperson_id) REFERENCES staff (id)
);

CREATE INDEX ix_callback_customer_id ON callback (customer_id);

CREATE INDEX ix_callback_done ON callback (done_at);

CREATE INDEX ix_callback_open_due ON callback (salesperson_id, due_at) WHERE status = 'open';

CREATE TABLE lead (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	from_id INTEGER, 
	to_id INTEGER NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	at DATETIME NOT NULL, 
	note VARCHAR(500) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id), 
	FOREIGN KEY(from_id) REFERENCES staff (id), 
	FOREIGN KEY(to_id) REFERENCES staff (id)
);

CREATE INDEX ix_lead_customer_id ON lead (customer_id);

CREATE TABLE level_change (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	from_level VARCHAR(10), 
	to_level VARCHAR(10) NOT NULL, 
	at DATETIME NOT NULL, 
	by_id INTEGER, 
	source VARCHAR(16) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id), 
	FOREIGN KEY(by_id) REFERENCES staff (id)
);

CREATE INDEX ix_level_change_customer_id ON level_change (customer_id);

CREATE TABLE ownership_change (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	from_owner_id INTEGER, 
	to_owner_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	by_id INTEGER, 
	reason VARCHAR(200) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id), 
	FOREIGN KEY(from_owner_id) REFERENCES staff (id), 
	FOREIGN KEY(to_owner_id) REFERENCES staff (id), 
	FOREIGN KEY(by_id) REFERENCES staff (id)
);

CREATE INDEX ix_ownership_change_customer_id ON ownership_change (customer_id);

CREATE TABLE reception (
	id INTEGER NOT NULL, 
	arrived_at DATETIME NOT NULL, 
	day DATE NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	salesperson_id INTEGER NOT NULL, 
	credited_to_id INTEGER NOT NULL, 
	receptionist_id INTEGER, 
	customer_id INTEGER, 
	first_visit BOOLEAN NOT NULL, 
	requested BOOLEAN NOT NULL, 
	courtesy BOOLEAN NOT NULL, 
	counted BOOLEAN NOT NULL, 
	uncounted_kind VARCHAR(16), 
	visitor_name VARCHAR(40), 
	no_contact_reason VARCHAR(24), 
	no_contact_note VARCHAR(500), 
	test_drive BOOLEAN NOT NULL, 
	form_saved_at DATETIME, 
	form_fields_filled INTEGER NOT NULL, 
	form_fields_total INTEGER NOT NULL, 
	ended_at DATETIME, 
	notes VARCHAR(2000) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(salesperson_id) REFERENCES staff (id), 
	FOREIGN KEY(credited_to_id) REFERENCES staff (id), 
	FOREIGN KEY(receptionist_id) REFERENCES staff (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id)
);

CREATE INDEX ix_reception_credited_day ON reception (credited_to_id, day);

CREATE INDEX ix_reception_customer_id ON reception (customer_id);

CREATE INDEX ix_reception_day ON reception (day);

CREATE TABLE companion (
	id INTEGER NOT NULL, 
	reception_id INTEGER NOT NULL, 
	relation VARCHAR(16) NOT NULL, 
	note VARCHAR(200) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(reception_id) REFERENCES reception (id)
);

CREATE INDEX ix_companion_reception_id ON companion (reception_id);

CREATE TABLE rotation_event (
	id INTEGER NOT NULL, 
	day DATE NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	salesperson_id INTEGER, 
	other_id INTEGER, 
	reason VARCHAR(16), 
	queue_order VARCHAR(2000), 
	at DATETIME NOT NULL, 
	actor_id INTEGER, 
	reception_id INTEGER, 
	undone_at DATETIME, 
	undone_by INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(salesperson_id) REFERENCES staff (id), 
	FOREIGN KEY(other_id) REFERENCES staff (id), 
	FOREIGN KEY(actor_id) REFERENCES staff (id), 
	FOREIGN KEY(reception_id) REFERENCES reception (id), 
	FOREIGN KEY(undone_by) REFERENCES staff (id)
);

CREATE INDEX ix_rotation_event_day ON rotation_event (day);

-- The audit trail is append-only: nobody can edit or delete it, from the app or not.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
