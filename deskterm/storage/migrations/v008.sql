-- deskterm schema version 8: the manager's targets, closed days, action plans and coaching (issue 18).

-- A month's target on one measure, for one salesperson or (salesperson_id NULL) the
-- team. value is the number as typed, kept as text so a rate like 0.85 is exact on both
-- databases. One row per month, person and measure: the service replaces, never adds.
CREATE TABLE target (
	id INTEGER NOT NULL,
	month DATE NOT NULL,
	salesperson_id INTEGER,
	measure VARCHAR(24) NOT NULL,
	value VARCHAR(16) NOT NULL,
	set_by INTEGER,
	set_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(salesperson_id) REFERENCES staff (id),
	FOREIGN KEY(set_by) REFERENCES staff (id)
);
CREATE INDEX ix_target_month ON target (month);

-- Days the shop does not open (holidays): a month's count targets spread over the rest.
CREATE TABLE closed_day (
	day DATE NOT NULL,
	note VARCHAR(60) NOT NULL,
	PRIMARY KEY (day)
);

-- An action the manager records from a red figure, a reason or a stale list: what, who,
-- by when, and which figure (measure, whose: salesperson_id NULL = the team) it should
-- move, with that figure as it stood (baseline). Closing it records what happened and
-- the figure after.
CREATE TABLE action_plan (
	id INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	created_by INTEGER,
	what VARCHAR(200) NOT NULL,
	owner_id INTEGER NOT NULL,
	due DATE NOT NULL,
	measure VARCHAR(24),
	salesperson_id INTEGER,
	source VARCHAR(60) NOT NULL,
	baseline VARCHAR(16),
	closed_at DATETIME,
	closed_by INTEGER,
	outcome VARCHAR(500),
	after_value VARCHAR(16),
	PRIMARY KEY (id),
	FOREIGN KEY(created_by) REFERENCES staff (id),
	FOREIGN KEY(owner_id) REFERENCES staff (id),
	FOREIGN KEY(salesperson_id) REFERENCES staff (id),
	FOREIGN KEY(closed_by) REFERENCES staff (id)
);
CREATE INDEX ix_action_plan_due ON action_plan (due);

-- The manager's coaching of one salesperson on one day: on-site follow-up, a spot check
-- of a recorded call (the recording's file name or call id, the checklist items met),
-- a shared exemplary call, training in the reception script.
CREATE TABLE coaching_entry (
	id INTEGER NOT NULL,
	day DATE NOT NULL,
	salesperson_id INTEGER NOT NULL,
	coach_id INTEGER,
	kind VARCHAR(16) NOT NULL,
	recording VARCHAR(120),
	checklist VARCHAR(200),
	score INTEGER,
	score_of INTEGER,
	note VARCHAR(500) NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(salesperson_id) REFERENCES staff (id),
	FOREIGN KEY(coach_id) REFERENCES staff (id)
);
CREATE INDEX ix_coaching_entry_salesperson_id ON coaching_entry (salesperson_id);

-- The countermeasure loop: each countermeasure has a day to look at it again; at that
-- review the manager keeps it (a new review day), replaces it (a new countermeasure that
-- follows it) or closes it. closed_on ends its "after"; follows_id makes the chain.
ALTER TABLE countermeasure ADD COLUMN review_on DATE;
ALTER TABLE countermeasure ADD COLUMN closed_on DATE;
ALTER TABLE countermeasure ADD COLUMN follows_id INTEGER REFERENCES countermeasure (id);

-- Each review, with the figures the manager saw: the reason per 100 counted receptions
-- and sales per 100 first visits, before the countermeasure and since.
CREATE TABLE countermeasure_review (
	id INTEGER NOT NULL,
	countermeasure_id INTEGER NOT NULL,
	day DATE NOT NULL,
	decision VARCHAR(8) NOT NULL,
	note VARCHAR(500) NOT NULL,
	before_per_100 VARCHAR(16),
	after_per_100 VARCHAR(16),
	sales_before_per_100 VARCHAR(16),
	sales_after_per_100 VARCHAR(16),
	by_id INTEGER,
	at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(countermeasure_id) REFERENCES countermeasure (id),
	FOREIGN KEY(by_id) REFERENCES staff (id)
);
CREATE INDEX ix_countermeasure_review_countermeasure_id ON countermeasure_review (countermeasure_id);
