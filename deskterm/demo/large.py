"""A dealer group's five years, for the benchmark: ``deskterm demo generate --scale large``.

200,000 customers, 1,000,000 callbacks, 400,000 receptions, 60 salespeople. Made with
bulk inserts, not the services (the services at this volume would take hours), but
shaped like the real thing: every customer has a first visit, a level history and an
owner; open callbacks only for active customers; deterministic for one seed.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from dateutil import tz

from deskterm.clock import FixedClock, zone_named
from deskterm.demo.generate import DEMO_NOW, DEMO_ZONE, GIVEN, LATIN, MODELS, SURNAMES
from deskterm.services import rotation, setup
from deskterm.services.context import Context
from deskterm.services.permissions import SYSTEM
from deskterm.storage.engine import SQLiteDatabase

SIZES = {"customers": 200_000, "callbacks": 1_000_000, "receptions": 400_000, "salespeople": 60}
NO_CONTACT = ("refused", "not_asked", "just_looking", "not_a_buyer", "other")
LOST_CODES = ("competitor", "price", "no_stock", "financing", "postponed", "unreachable")
CHANNELS = ("walk_in",) * 7 + ("phone", "online")


def _ts(at: datetime) -> str:
    """The storage format of a datetime column (UTC, naive text)."""
    return at.astimezone(tz.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate_large(
    out: Path, seed: int = 20261120, scale: float = 1.0, progress: bool = False
) -> Path:
    """Write the large data set to ``out`` (replaced); returns its path."""
    rng = random.Random(seed)
    zone = zone_named(DEMO_ZONE)
    now = DEMO_NOW.replace(tzinfo=zone)
    n_cust = int(SIZES["customers"] * scale)
    n_cb = int(SIZES["callbacks"] * scale)
    n_rec = int(SIZES["receptions"] * scale)
    out.unlink(missing_ok=True)
    for side in ("-wal", "-shm"):
        Path(f"{out}{side}").unlink(missing_ok=True)
    clock = FixedClock(now - timedelta(days=5 * 365), zone=zone)
    ctx = Context(SQLiteDatabase(out, fast=True), clock, role=SYSTEM)
    setup.ensure_seeded(ctx)
    for key, value in (
        ("shop.timezone", DEMO_ZONE),
        ("shop.name", "deskterm dealer group"),
        ("auth.mode", "open"),
        ("demo.today", DEMO_NOW.isoformat(timespec="minutes")),
    ):
        setup.set_setting(ctx, key, value)
    sellers = [
        setup.add_staff(
            ctx,
            f"{SURNAMES[i % len(SURNAMES)]}{GIVEN[i % len(GIVEN)]}{i + 1:02d}",
            "salesperson",
            "senior" if i % 5 == 0 else "junior",
        ).id
        for i in range(SIZES["salespeople"])
    ]
    for name, role in (
        ("集团经理 Group Manager", "manager"),
        ("前台 Desk", "receptionist"),
        ("市场 Marketing", "marketing"),
        ("关怀 Care", "care"),
    ):
        setup.add_staff(ctx, name, role, "senior")
    ctx.db.checkpoint()
    ctx.db.close()

    con = sqlite3.connect(out, isolation_level=None)
    con.execute("PRAGMA journal_mode = MEMORY")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA foreign_keys = OFF")  # bulk load in dependency order
    con.execute("BEGIN")
    span = 5 * 365 * 24 * 3600
    start = now - timedelta(seconds=span)

    def moment(lo: datetime, hi: datetime) -> datetime:
        at = lo + timedelta(seconds=rng.uniform(0, max(1.0, (hi - lo).total_seconds())))
        local = at.astimezone(zone)
        # Showroom hours, 9:00–18:00.
        return local.replace(hour=9 + int(rng.random() * 9), minute=rng.randrange(60))

    customers = []
    receptions: list[tuple[str, str, str, int, int, int | None, int, int, str, int, int]] = []
    level_rows = []
    owner_rows = []
    open_cb = []
    for cid in range(1, n_cust + 1):
        created = moment(start, now - timedelta(hours=1))
        age_days = (now - created).days
        owner = sellers[rng.randrange(len(sellers))]
        r = rng.random()
        if r < 0.05 and age_days > 30:
            status, level = "won", "hot"
        elif r < 0.13 and age_days > 90:
            status, level = "lost", rng.choice(("hot", "warm"))
        elif r < 0.45:
            status, level = "marketing", "cold"
        else:
            # Active customers are young ones: older leads went cold or to marketing.
            status = "active" if age_days < 75 else "marketing"
            level = rng.choice(("hot", "warm")) if status == "active" else "cold"
        name = (
            rng.choice(LATIN)
            if rng.random() < 0.08
            else rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        )
        phone = f"+861{30 + cid % 70:02d}{(cid * 7919) % 10**8:08d}"
        last = moment(created, now) if age_days else created
        since = created
        if status == "active":
            # Worked on: contacted within the last week or so, like a real pipeline.
            last = max(created, now - timedelta(days=rng.uniform(0, 8)))
            since = max(created, now - timedelta(days=rng.uniform(0, 60)))
        customers.append(
            (
                cid,
                name,
                phone,
                level,
                _ts(since),
                status,
                _ts(since),
                owner,
                _ts(created),
                rng.choice(CHANNELS),
                rng.choice(MODELS),
                _ts(created),
                _ts(last),
                _ts(last) if status == "won" else None,
                _ts(last) if status == "lost" else None,
                rng.choice(LOST_CODES) if status == "lost" else None,
            )
        )
        receptions.append(
            (
                _ts(created),
                created.date().isoformat(),
                "walk_in",
                owner,
                owner,
                cid,
                1,
                1,
                _ts(created),
                7,
                7,
            )
        )
        level_rows.append((cid, None, level, _ts(created), owner, "reception"))
        owner_rows.append((cid, None, owner, _ts(created), "first reception"))
        if status == "active":
            # Due over the coming month, some overdue: a normal desk's backlog.
            due = (now + timedelta(days=rng.randint(-3, 30))).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            open_cb.append((cid, owner, "sales", _ts(due), "open", None, None, _ts(created)))
    con.executemany(
        "INSERT INTO customer (id, name, phone, level, level_since, status, status_since, "
        "owner_id, owner_since, source_channel, model_interest, created_at, last_contact_at, "
        "won_at, lost_at, lost_reason, notes) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, '')",
        customers,
    )
    if progress:
        print(f"  {len(customers):,} customers", flush=True)
    # Revisits and visitors who left no contact, up to the reception total.
    while len(receptions) < n_rec:
        at = moment(start, now - timedelta(hours=1))
        seller = sellers[rng.randrange(len(sellers))]
        if rng.random() < 0.6:
            cid = rng.randint(1, n_cust)
            receptions.append(
                (
                    _ts(at),
                    at.date().isoformat(),
                    rng.choice(CHANNELS),
                    seller,
                    seller,
                    cid,
                    0,
                    1,
                    _ts(at),
                    7,
                    7,
                )
            )
        else:
            receptions.append(
                (
                    _ts(at),
                    at.date().isoformat(),
                    "walk_in",
                    seller,
                    seller,
                    None,
                    1,
                    1,
                    _ts(at),
                    2,
                    7,
                )
            )
    receptions.sort(key=lambda row: row[0])
    con.executemany(
        "INSERT INTO reception (arrived_at, day, channel, salesperson_id, credited_to_id, "
        "customer_id, first_visit, counted, form_saved_at, form_fields_filled, "
        "form_fields_total, ended_at, requested, courtesy, test_drive, notes, "
        "no_contact_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?, NULL, 0, 0, 0, '', "
        "CASE WHEN ? IS NULL THEN 'refused' END)",
        [(*row, row[5]) for row in receptions],
    )
    if progress:
        print(f"  {len(receptions):,} receptions", flush=True)
    con.executemany(
        "INSERT INTO level_change (customer_id, from_level, to_level, at, by_id, "
        "source) VALUES (?,?,?,?,?,?)",
        level_rows,
    )
    con.executemany(
        "INSERT INTO ownership_change (customer_id, from_owner_id, to_owner_id, "
        "at, reason) VALUES (?,?,?,?,?)",
        owner_rows,
    )
    done_rows = []
    remaining = n_cb - len(open_cb)
    for _ in range(remaining):
        c = customers[rng.randrange(n_cust)]
        created = datetime.strptime(c[4], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=tz.UTC)
        at = moment(created, now - timedelta(hours=2))
        done_rows.append(
            (
                c[0],
                c[7],
                "sales",
                _ts(at.replace(hour=0, minute=0)),
                "done",
                _ts(at),
                rng.choice(("reached", "reached", "no_answer")),
                _ts(at),
            )
        )
    done_rows.sort(key=lambda row: row[5])
    con.executemany(
        "INSERT INTO callback (customer_id, salesperson_id, kind, due_at, status, "
        "done_at, outcome, created_at, note) VALUES (?,?,?,?,?,?,?,?, '')",
        [*done_rows, *open_cb],
    )
    if progress:
        print(f"  {len(done_rows) + len(open_cb):,} callbacks", flush=True)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()

    # Today's desk, through the services: a dozen salespeople checked in.
    ctx = Context(
        SQLiteDatabase(out), FixedClock(DEMO_NOW.replace(tzinfo=zone), zone=zone), role=SYSTEM
    )
    try:
        for sid in sellers[:12]:
            rotation.check_in(ctx, sid)
        ctx.db.checkpoint()
    finally:
        ctx.db.close()
    return out
