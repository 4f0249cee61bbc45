-- deskterm schema version 8: the manager's monthly targets and the shop's closed days (issue 18).

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
