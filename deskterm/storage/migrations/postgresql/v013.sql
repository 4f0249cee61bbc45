-- deskterm schema version 13: a counted turn given by hand (issue 23). (PostgreSQL twin
-- of ../v013.sql)

-- The rotation's log keeps the words of a counted turn's reason ("other" needs them);
-- the reason itself is a code in rotation_event.reason like every other event's.
ALTER TABLE rotation_event ADD COLUMN note VARCHAR(200);

-- A closed day's statistics keep the counted turns given by hand (also counted in ups).
ALTER TABLE rotation_day_stat ADD COLUMN by_hand INTEGER NOT NULL DEFAULT 0;
