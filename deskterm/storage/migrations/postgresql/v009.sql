-- deskterm schema version 9: where visitors come from (issue 18). (PostgreSQL twin of ../v009.sql)

-- How a visitor heard of the shop (a code of the shop's "media" pick list, kept in the
-- reason table beside the other lists; services.setup seeds it). On the reception: the visitors a medium
-- brought. On the customer: the medium of the visit that registered them, so a sale is
-- credited to the medium that bought its first visit.
ALTER TABLE reception ADD COLUMN media VARCHAR(24);
ALTER TABLE customer ADD COLUMN media VARCHAR(24);
CREATE INDEX ix_reception_day_media ON reception (day, media);

-- What the shop spent on each medium in a month, in whole units of its currency. One
-- row per month and medium: the service replaces, never adds.
CREATE TABLE media_spend (
	month DATE NOT NULL,
	media VARCHAR(24) NOT NULL,
	amount INTEGER NOT NULL,
	set_by INTEGER,
	set_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (month, media),
	FOREIGN KEY(set_by) REFERENCES staff (id)
);

