"""The small shop every trial starts from."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from deskterm.clock import FixedClock, zone_named
from deskterm.services import setup
from deskterm.services.maintenance import open_context

NOW = datetime(2026, 3, 2, 9, 0)


def shop_clock() -> FixedClock:
    """The trials' fixed moment, in the shop's zone."""
    return FixedClock(NOW, zone=zone_named("Asia/Shanghai"))


def fresh_shop(path: Path, salespeople: int = 6) -> Path:
    """A new database with a manager and ``salespeople`` salespeople; its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ctx = open_context(path, shop_clock())
    try:
        setup.add_staff(ctx, "Boss", "manager", "senior")
        for i in range(salespeople):
            setup.add_staff(
                ctx, f"Seller {i + 1:02d}", "salesperson", "senior" if i < 2 else "junior"
            )
    finally:
        ctx.db.close()
    return path
