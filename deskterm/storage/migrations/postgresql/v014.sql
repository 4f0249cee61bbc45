-- deskterm schema version 14: the rotation's day kept as a snapshot (issue 24).
-- (PostgreSQL twin of ../v014.sql)

-- A day's rotation state, updated with each event in the event's transaction, so an
-- action applies one event to it instead of replaying the whole day's log (the cost of a
-- walk-in grew with the day). Derived data: the log is the record, replay the proof
-- (`deskterm check` compares them, `--repair` rebuilds), and a copy may leave it out.
CREATE TABLE rotation_snapshot (
	day DATE NOT NULL PRIMARY KEY,
	settings VARCHAR(40) NOT NULL,
	last_event_id INTEGER NOT NULL,
	last_kind VARCHAR(16),
	last_salesperson_id INTEGER,
	state TEXT NOT NULL
);

-- Any change of a day's log that did not come with its new snapshot drops the old one:
-- an undo, a turn given back (a walk-in rewritten as requested), a row written by hand.
-- The service that appends an event writes the new snapshot after its row.
-- The table is named with the trigger's own schema (TG_TABLE_SCHEMA), not looked up on
-- the search_path of whoever edits the log: IT fixing one showroom's log from psql with
-- another showroom (or none) on its search_path must drop this showroom's snapshot.
CREATE FUNCTION rotation_snapshot_drop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		EXECUTE format('DELETE FROM %I.rotation_snapshot WHERE day = $1', TG_TABLE_SCHEMA)
		USING OLD.day;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		EXECUTE format('DELETE FROM %I.rotation_snapshot WHERE day = $1', TG_TABLE_SCHEMA)
		USING NEW.day;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER rotation_snapshot_drop AFTER INSERT OR UPDATE OR DELETE ON rotation_event
FOR EACH ROW EXECUTE FUNCTION rotation_snapshot_drop();

-- The walk-in a visit used (its form's save looks it up; an undo lets go of it) found by
-- its reception, not by reading every day's log ever written.
CREATE INDEX ix_rotation_event_reception_id ON rotation_event (reception_id);
