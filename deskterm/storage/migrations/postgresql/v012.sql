-- deskterm schema version 12: the showroom's change marker (issue 24). (PostgreSQL twin of
-- ../v012.sql, which changes nothing in an SQLite file.)
--
-- Every write transaction of deskterm bumps it, in its first round trip (with the write
-- lock), so an open desk that reads it every second reloads only when its own showroom
-- (this schema) changed: the server's transaction snapshot it read before moves with a
-- commit in any schema, and reloaded every showroom's screens each time one wrote.
CREATE TABLE change_marker (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n BIGINT NOT NULL
);
INSERT INTO change_marker VALUES (1, 0);
