-- deskterm schema version 16: the names by their first character, most recent first, for
-- a one-character search (issue 20).
--
-- One character typed (a surname: 王) should list the customers whose name starts with
-- it before those whose name only holds it. The search read the newest hits only and
-- ranked among them, so a 王 contacted before a dozen 李王x was not shown. This index
-- gives the newest names starting with the character, from every customer, at once.
-- (lower(): ASCII case, as the search's LIKE ignores it.)
CREATE INDEX ix_customer_initial ON customer (lower(substr(name, 1, 1)), last_contact_at);
