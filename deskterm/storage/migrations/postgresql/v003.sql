-- deskterm schema version 3: staff sign in with a PIN (issue 5). (PostgreSQL twin of ../v003.sql)

-- A salted KDF hash ("scrypt$n$r$p$salt$hash"), never the PIN itself.
ALTER TABLE staff ADD COLUMN pin_hash VARCHAR(200);
-- Wrong PINs in a row, and until when further tries are refused (they slow down).
ALTER TABLE staff ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN pin_locked_until TIMESTAMPTZ;

-- A shop that used deskterm before PINs keeps an open desk, written down here as an
-- explicit setting; `deskterm settings set auth.mode pin` turns PINs on. A new
-- database has no staff yet and starts with PINs (the default).
INSERT INTO setting (key, value)
	SELECT 'auth.mode', 'open' WHERE EXISTS (SELECT 1 FROM staff)
	ON CONFLICT DO NOTHING;
