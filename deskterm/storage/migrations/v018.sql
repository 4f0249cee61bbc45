-- deskterm schema version 18: nothing changes in a file (issue 20). (SQLite twin of
-- postgresql/v018.sql.)
--
-- A server gets an index of each name's exact runs of two and three characters (spaces
-- kept, as the file's FTS5 trigram index of v11 has them), so that a name fragment of two
-- characters or more is found by its index whatever the planner's estimates. The file
-- already finds it so (v11).
SELECT 1;
