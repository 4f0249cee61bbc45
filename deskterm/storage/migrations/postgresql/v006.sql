-- deskterm schema version 6: level clocks from the level history (issue 15, item 4). (PostgreSQL twin of ../v006.sql)

-- A past day's report rebuilds the state at the end of that day and reads which
-- customers changed after it: by time, not by customer.
CREATE INDEX ix_level_change_at ON level_change (at);
CREATE INDEX ix_ownership_change_at ON ownership_change (at);

-- Then, in Python (storage/level_clock_repair.py): every customer's level_since from the
-- level history, only ever moved earlier, so a bounce recorded by an older version no
-- longer postpones an at-risk or reassign date.
