-- deskterm schema version 10: from invitation to handshake (issue 19).

-- An invitation to visit (邀约到店), booked when a callback or a lead's contact ends in
-- "appointment": the day and time agreed and the car to have ready. status: booked
-- (waiting), shown (the visit came: reception_id links it), no_show (the time passed, plus
-- the shop's grace, without a visit: no_show_callback_id is the callback due that day),
-- cancelled. status_at dates the change, so a past day's report reads it as it stood.
CREATE TABLE appointment (
	id INTEGER NOT NULL,
	customer_id INTEGER NOT NULL,
	salesperson_id INTEGER NOT NULL,
	at DATETIME NOT NULL,
	model VARCHAR(60),
	note VARCHAR(500) NOT NULL,
	source VARCHAR(16) NOT NULL,
	callback_id INTEGER,
	created_at DATETIME NOT NULL,
	created_by INTEGER,
	status VARCHAR(12) NOT NULL,
	status_at DATETIME,
	reception_id INTEGER,
	no_show_callback_id INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(customer_id) REFERENCES customer (id),
	FOREIGN KEY(salesperson_id) REFERENCES staff (id),
	FOREIGN KEY(callback_id) REFERENCES callback (id),
	FOREIGN KEY(created_by) REFERENCES staff (id),
	FOREIGN KEY(reception_id) REFERENCES reception (id),
	FOREIGN KEY(no_show_callback_id) REFERENCES callback (id)
);
CREATE INDEX ix_appointment_at ON appointment (at);
CREATE INDEX ix_appointment_customer_id ON appointment (customer_id);
-- The report's "booked in the period" reads by the day it was booked.
CREATE INDEX ix_appointment_created_at ON appointment (created_at);

-- The visit as a traffic log records it. assigned_at: when a salesperson took the
-- visitor (arrived_at → assigned_at is the wait before being greeted; NULL on rows made
-- before v10 = on arrival). party_size: how many came, the visitor included; decider:
-- who decides the purchase (self, spouse, parent, child, friend, colleague, company,
-- other); interest: new | used | both. (The visit that kept an appointment is
-- appointment.reception_id: a link both ways would make the tables a cycle.)
ALTER TABLE reception ADD COLUMN assigned_at DATETIME;
ALTER TABLE reception ADD COLUMN party_size INTEGER;
ALTER TABLE reception ADD COLUMN decider VARCHAR(16);
ALTER TABLE reception ADD COLUMN interest VARCHAR(8);

-- The steps of the sale a visit went through while the customer was there (a code of
-- the shop's "step" pick list, kept in the reason table; services.setup seeds it), when
-- and by whom it was ticked. One row per visit and step: ticking again removes it.
CREATE TABLE reception_step (
	reception_id INTEGER NOT NULL,
	step VARCHAR(24) NOT NULL,
	at DATETIME NOT NULL,
	by_id INTEGER,
	PRIMARY KEY (reception_id, step),
	FOREIGN KEY(reception_id) REFERENCES reception (id),
	FOREIGN KEY(by_id) REFERENCES staff (id)
);

-- A visitor who came in while nobody was free: waits from arrived_at until a salesperson
-- takes them (reception_id set, the reception keeps arrived_at and gets assigned_at) or
-- they leave unserved (left_at).
CREATE TABLE waiting_visitor (
	id INTEGER NOT NULL,
	day DATE NOT NULL,
	arrived_at DATETIME NOT NULL,
	note VARCHAR(200) NOT NULL,
	created_by INTEGER,
	reception_id INTEGER,
	left_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(created_by) REFERENCES staff (id),
	FOREIGN KEY(reception_id) REFERENCES reception (id)
);
CREATE INDEX ix_waiting_visitor_day ON waiting_visitor (day);
