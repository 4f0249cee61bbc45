-- deskterm schema version 17: a phone's digits found by a B-tree (issue 20: the growth
-- curve).
--
-- Four digits or more typed (the end of a phone, a run from its middle) were found through
-- the FTS5 trigram index of v11. A digit trigram is one of only a thousand, so each one's
-- list of phones grows with the shop, and so did the search: a fragment found nowhere took
-- 0.26 ms at 10,000 customers and 0.94 ms at 200,000 (x3.6 for x20). Here every run of a
-- phone from one of its digits to its end (its suffixes of four characters or more) is a
-- key: the customers whose phone holds "4330" are the keys from "4330" up to "4331", a
-- range found in a B-tree's depth whatever the size of the shop. Three digits ("138") are
-- in too many phones to be worth it: the trigram index and the recency walk serve them.
CREATE TABLE customer_phone_suffix (
    suffix TEXT NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (suffix, customer_id)
) WITHOUT ROWID;

-- Each customer's suffixes (canonical phones have at most 16 characters; the positions go
-- to 32 for any other). Read by the triggers for one customer (by its id).
CREATE VIEW customer_phone_suffix_text AS
SELECT c.id AS id, substr(c.phone, p.column1) AS suffix
FROM customer AS c,
    (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15),
        (16), (17), (18), (19), (20), (21), (22), (23), (24), (25), (26), (27), (28), (29),
        (30), (31), (32)) AS p
WHERE p.column1 <= length(c.phone) - 3 AND substr(c.phone, p.column1, 1) BETWEEN '0' AND '9';

-- In key order: the B-tree is filled from left to right (3.6 s for 200,000 customers on
-- a slow machine, 12 s in the customers' order).
INSERT INTO customer_phone_suffix (suffix, customer_id)
    SELECT suffix, id FROM customer_phone_suffix_text ORDER BY 1, 2;

-- Kept in the writing transaction by triggers, whoever writes (as the FTS5 indexes are):
-- the old suffixes are read through the view before the row changes.
CREATE TRIGGER customer_phone_suffix_insert AFTER INSERT ON customer BEGIN
    INSERT INTO customer_phone_suffix (suffix, customer_id)
        SELECT suffix, id FROM customer_phone_suffix_text WHERE id = new.id;
END;

CREATE TRIGGER customer_phone_suffix_delete BEFORE DELETE ON customer BEGIN
    DELETE FROM customer_phone_suffix WHERE customer_id = old.id AND suffix IN
        (SELECT suffix FROM customer_phone_suffix_text WHERE id = old.id);
END;

CREATE TRIGGER customer_phone_suffix_before_update BEFORE UPDATE OF phone ON customer BEGIN
    DELETE FROM customer_phone_suffix WHERE customer_id = old.id AND suffix IN
        (SELECT suffix FROM customer_phone_suffix_text WHERE id = old.id);
END;

CREATE TRIGGER customer_phone_suffix_after_update AFTER UPDATE OF phone ON customer BEGIN
    INSERT INTO customer_phone_suffix (suffix, customer_id)
        SELECT suffix, id FROM customer_phone_suffix_text WHERE id = new.id;
END;
