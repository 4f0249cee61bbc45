"""Schema step 6: a shop upgraded from a version where a bounce restarted the level's
clock gets its clocks back from the level history, never later than before."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from deskterm.services import callbacks, reception, rotation
from deskterm.services.maintenance import open_context
from deskterm.services.reception import ReceptionForm
from deskterm.storage import migrations
from deskterm.storage.engine import schema_version
from deskterm.storage.level_clock_repair import repaired_clocks
from deskterm.storage.models import Callback, Customer
from tests.search_helpers import UNDO_V17

SH = ZoneInfo("Asia/Shanghai")


def _utc(y: int, m: int, d: int, h: int = 2) -> str:
    return datetime(y, m, d, h, tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def test_the_repair_moves_a_bounced_clock_back_and_leaves_the_rest():
    created = _utc(2026, 3, 2)
    customers = [
        # 1: hot 2 Mar, warm and back to hot on 15 Apr; stored as restarted on 15 Apr.
        (1, "hot", _utc(2026, 4, 15, 8), created, created),
        # 2: never bounced: its clock is the history's already, kept to the microsecond.
        (2, "hot", created, created, created),
        # 3: a new owner on 1 Apr: the clock starts with them, whatever came before.
        (3, "hot", _utc(2026, 4, 15, 8), _utc(2026, 4, 1), created),
        # 4: stored earlier than the history says (e.g. imported): never moved later.
        (4, "hot", _utc(2026, 1, 1), created, created),
    ]
    changes = []
    for cid in (1, 3, 4):
        changes += [
            (cid, None, "hot", created),
            (cid, "hot", "warm", _utc(2026, 4, 15, 7)),
            (cid, "warm", "hot", _utc(2026, 4, 15, 8)),
        ]
    changes.append((2, None, "hot", created))
    fixes = dict(
        (cid, at)
        for at, cid in repaired_clocks(customers, sorted(changes, key=lambda c: (c[0], c[3])), SH)
    )
    assert fixes == {
        1: datetime(2026, 3, 2, tzinfo=SH).astimezone(UTC),
        3: datetime(2026, 4, 1, tzinfo=SH).astimezone(UTC),
    }


def test_an_upgraded_file_gets_its_bounced_clock_back(tmp_path, clock):
    """Made at the newest schema, then turned back into a version-5 file whose bounce
    restarted the clock (as the old desk wrote it); opening it upgrades and repairs."""
    path = tmp_path / "shop.db"
    ctx = open_context(path, clock)
    from deskterm.services import setup

    setup.set_setting(ctx, "auth.mode", "open")
    li = setup.add_staff(ctx, "Li Na", "salesperson").id
    rotation.check_in(ctx, li)
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Tom", phone="13900001111", purchase_horizon="1m")
    )
    cid = saved.customer_id
    for level, hour in (("warm", 10), ("hot", 16)):
        clock.set(datetime(2026, 4, 15, hour, 0))
        with ctx.db.read() as s:
            cb = s.exec(
                select(Callback.id).where(Callback.customer_id == cid, Callback.status == "open")
            ).one()
        callbacks.complete_callback(ctx, cb, "reached", new_level=level)
    with ctx.db.read() as s:
        kept = s.get(Customer, cid).level_since  # the desk's clock: 2 March
    ctx.db.close()
    assert kept.astimezone(SH).date().isoformat() == "2026-03-02"

    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(
        "BEGIN;"
        # v17 (issue 20: the phones' suffixes)
        f"{UNDO_V17}"
        # v16 (issue 20: the names by their first character)
        "DROP INDEX ix_customer_initial;"
        # v14 (issue 24: the rotation's day kept as a snapshot)
        "DROP TRIGGER rotation_snapshot_insert; DROP TRIGGER rotation_snapshot_update;"
        "DROP TRIGGER rotation_snapshot_delete; DROP TABLE rotation_snapshot;"
        "DROP INDEX ix_rotation_event_reception_id;"
        # v13 (issue 23: a counted turn's note, the turns by hand of a closed day)
        "ALTER TABLE rotation_event DROP COLUMN note;"
        "ALTER TABLE rotation_day_stat DROP COLUMN by_hand;"
        # v11 (issue 20: the search indexes) first, its triggers on the customer table
        "DROP TRIGGER customer_search_insert; DROP TRIGGER customer_search_delete;"
        "DROP TRIGGER customer_search_before_update; DROP TRIGGER customer_search_after_update;"
        "DROP TABLE customer_trigram; DROP TABLE customer_chars; DROP VIEW customer_chars_text;"
        "DROP INDEX ix_customer_name_nocase;"
        f"UPDATE customer SET level_since = '{_utc(2026, 4, 15, 8)}' WHERE id = {cid};"
        "DROP INDEX ix_level_change_at; DROP INDEX ix_ownership_change_at;"
        "DROP TABLE import_change; DROP TABLE import_batch;"  # v7, back to a v5 file
        # v8 (issue 18) too
        "DROP TABLE countermeasure_review; DROP TABLE coaching_entry; DROP TABLE action_plan;"
        "DROP TABLE closed_day; DROP TABLE target;"
        "ALTER TABLE countermeasure DROP COLUMN follows_id;"
        "ALTER TABLE countermeasure DROP COLUMN review_on;"
        "ALTER TABLE countermeasure DROP COLUMN closed_on;"
        # v9 (issue 18: media) too
        "DROP TABLE media_spend; DROP INDEX ix_reception_day_media;"
        "ALTER TABLE reception DROP COLUMN media; ALTER TABLE customer DROP COLUMN media;"
        "DELETE FROM reason WHERE kind = 'media';"
        # v10 (issue 19: the visit) too
        "DROP TABLE waiting_visitor; DROP TABLE reception_step; DROP TABLE appointment;"
        "ALTER TABLE reception DROP COLUMN assigned_at;"
        "ALTER TABLE reception DROP COLUMN party_size;"
        "ALTER TABLE reception DROP COLUMN decider; ALTER TABLE reception DROP COLUMN interest;"
        "DELETE FROM reason WHERE kind = 'step';"
        "PRAGMA user_version = 5; COMMIT;"
    )
    con.close()

    again = open_context(path, clock, start_of_day=False)
    try:
        with again.db.read() as s:
            repaired = s.get(Customer, cid).level_since
        assert repaired.astimezone(SH).date().isoformat() == "2026-03-02"
    finally:
        again.db.close()
    assert schema_version(path) == migrations.LATEST  # v6 and every step after it
