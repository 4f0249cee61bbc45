"""Whether the audit trail is still append-only: its triggers present and enforcing.

The migrations create triggers that refuse any UPDATE or DELETE (and, on a server,
TRUNCATE) of ``audit`` rows. Anyone with the file or the server's owner role can drop
or disable them and then rewrite history; ``deskterm check`` asks this module.
"""

from __future__ import annotations

from deskterm.storage.queries import Raw

#: Trigger name -> the statement it must refuse, per dialect (see migrations/v001.sql).
EXPECTED: dict[str, dict[str, str]] = {
    "sqlite": {"audit_no_update": "UPDATE", "audit_no_delete": "DELETE"},
    "postgresql": {
        "audit_no_update": "UPDATE",
        "audit_no_delete": "DELETE",
        "audit_no_truncate": "TRUNCATE",
    },
}


def _sqlite_guards(cur: Raw) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for name, sql in cur.cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
    ).fetchall():
        text = " ".join((sql or "").upper().split())
        found[name] = "RAISE(ABORT" in text.replace("RAISE (", "RAISE(")
    return found


def _postgresql_guards(cur: Raw) -> dict[str, bool]:
    cur.cursor.execute(
        "SELECT t.tgname, t.tgenabled <> 'D', p.prosrc FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = to_regclass('audit') AND NOT t.tgisinternal"
    )
    return {
        name: bool(enabled) and "RAISE EXCEPTION" in " ".join((src or "").upper().split())
        for name, enabled, src in cur.cursor.fetchall()
    }


def missing_audit_guards(cur: Raw, dialect: str) -> list[str]:
    """Names of the append-only triggers that are gone, disabled or no longer refuse."""
    found = _postgresql_guards(cur) if dialect == "postgresql" else _sqlite_guards(cur)
    return [name for name in EXPECTED[dialect] if not found.get(name, False)]
