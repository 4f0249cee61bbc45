-- deskterm schema version 11: customer search through indexes of the names and phones
-- (issue 20), so a fragment found a few times among 200,000 customers is found in a
-- millisecond instead of by reading every customer.

-- Fragments of three characters or more (a phone's digits, a name): an FTS5 trigram
-- index of name and phone, over the customer table itself (external content: it stores
-- only the index). Case-blind, as the desk's search is.
CREATE VIRTUAL TABLE customer_trigram USING fts5(
    name, phone, content='customer', content_rowid='id', tokenize='trigram'
);
INSERT INTO customer_trigram (customer_trigram) VALUES ('rebuild');

-- One or two characters (a Chinese surname, a given name): a trigram index cannot serve
-- them, so the name is also indexed one character per token, and a fragment is looked up
-- as a phrase of its characters. The name's characters are spaced out by the view below
-- (a name's own spaces become '_', a token of their own, so "e H" never matches across
-- "Ole Hansen"'s words); the view is the index's external content, so only the index is
-- stored. Names are at most 40 characters; the view spaces out 64.
CREATE VIEW customer_chars_text (id, name) AS
SELECT id, substr(n, 1, 1)
    || ' ' || substr(n, 2, 1)
    || ' ' || substr(n, 3, 1)
    || ' ' || substr(n, 4, 1)
    || ' ' || substr(n, 5, 1)
    || ' ' || substr(n, 6, 1)
    || ' ' || substr(n, 7, 1)
    || ' ' || substr(n, 8, 1)
    || ' ' || substr(n, 9, 1)
    || ' ' || substr(n, 10, 1)
    || ' ' || substr(n, 11, 1)
    || ' ' || substr(n, 12, 1)
    || ' ' || substr(n, 13, 1)
    || ' ' || substr(n, 14, 1)
    || ' ' || substr(n, 15, 1)
    || ' ' || substr(n, 16, 1)
    || ' ' || substr(n, 17, 1)
    || ' ' || substr(n, 18, 1)
    || ' ' || substr(n, 19, 1)
    || ' ' || substr(n, 20, 1)
    || ' ' || substr(n, 21, 1)
    || ' ' || substr(n, 22, 1)
    || ' ' || substr(n, 23, 1)
    || ' ' || substr(n, 24, 1)
    || ' ' || substr(n, 25, 1)
    || ' ' || substr(n, 26, 1)
    || ' ' || substr(n, 27, 1)
    || ' ' || substr(n, 28, 1)
    || ' ' || substr(n, 29, 1)
    || ' ' || substr(n, 30, 1)
    || ' ' || substr(n, 31, 1)
    || ' ' || substr(n, 32, 1)
    || ' ' || substr(n, 33, 1)
    || ' ' || substr(n, 34, 1)
    || ' ' || substr(n, 35, 1)
    || ' ' || substr(n, 36, 1)
    || ' ' || substr(n, 37, 1)
    || ' ' || substr(n, 38, 1)
    || ' ' || substr(n, 39, 1)
    || ' ' || substr(n, 40, 1)
    || ' ' || substr(n, 41, 1)
    || ' ' || substr(n, 42, 1)
    || ' ' || substr(n, 43, 1)
    || ' ' || substr(n, 44, 1)
    || ' ' || substr(n, 45, 1)
    || ' ' || substr(n, 46, 1)
    || ' ' || substr(n, 47, 1)
    || ' ' || substr(n, 48, 1)
    || ' ' || substr(n, 49, 1)
    || ' ' || substr(n, 50, 1)
    || ' ' || substr(n, 51, 1)
    || ' ' || substr(n, 52, 1)
    || ' ' || substr(n, 53, 1)
    || ' ' || substr(n, 54, 1)
    || ' ' || substr(n, 55, 1)
    || ' ' || substr(n, 56, 1)
    || ' ' || substr(n, 57, 1)
    || ' ' || substr(n, 58, 1)
    || ' ' || substr(n, 59, 1)
    || ' ' || substr(n, 60, 1)
    || ' ' || substr(n, 61, 1)
    || ' ' || substr(n, 62, 1)
    || ' ' || substr(n, 63, 1)
    || ' ' || substr(n, 64, 1)
FROM (SELECT id, replace(name, ' ', '_') AS n FROM customer);

CREATE VIRTUAL TABLE customer_chars USING fts5(
    name, content='customer_chars_text', content_rowid='id',
    tokenize="unicode61 remove_diacritics 0 tokenchars '_'"
);
INSERT INTO customer_chars (customer_chars) VALUES ('rebuild');

-- Kept in the writing transaction by triggers, whoever writes (the services, an import,
-- a bulk load): an external-content index is told the old text to remove, read through
-- the view before the row changes.
CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN
    INSERT INTO customer_trigram (rowid, name, phone) VALUES (new.id, new.name, new.phone);
    INSERT INTO customer_chars (rowid, name)
        SELECT id, name FROM customer_chars_text WHERE id = new.id;
END;

CREATE TRIGGER customer_search_delete BEFORE DELETE ON customer BEGIN
    INSERT INTO customer_trigram (customer_trigram, rowid, name, phone)
        VALUES ('delete', old.id, old.name, old.phone);
    INSERT INTO customer_chars (customer_chars, rowid, name)
        SELECT 'delete', id, name FROM customer_chars_text WHERE id = old.id;
END;

CREATE TRIGGER customer_search_before_update BEFORE UPDATE OF name, phone ON customer BEGIN
    INSERT INTO customer_trigram (customer_trigram, rowid, name, phone)
        VALUES ('delete', old.id, old.name, old.phone);
    INSERT INTO customer_chars (customer_chars, rowid, name)
        SELECT 'delete', id, name FROM customer_chars_text WHERE id = old.id;
END;

CREATE TRIGGER customer_search_after_update AFTER UPDATE OF name, phone ON customer BEGIN
    INSERT INTO customer_trigram (rowid, name, phone) VALUES (new.id, new.name, new.phone);
    INSERT INTO customer_chars (rowid, name)
        SELECT id, name FROM customer_chars_text WHERE id = new.id;
END;

-- A whole name, in any ASCII case (the one 王伟 among hundreds of 王伟x, "hans müller"),
-- when a common fragment has too many hits to read them all.
CREATE INDEX ix_customer_name_nocase ON customer (name COLLATE NOCASE);
