"""Shared fixtures: a temporary database per test and a fixed clock (never real time)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from deskterm.clock import FixedClock, zone_named
from deskterm.i18n import set_language
from deskterm.services import setup
from deskterm.services.maintenance import open_context

SHANGHAI = zone_named("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0), zone=SHANGHAI)


@pytest.fixture
def ctx(tmp_path, clock):
    c = open_context(tmp_path / "desk.db", clock)
    # Most tests are not about signing in: this shop chose an open desk (tests of PINs
    # switch it back).
    setup.set_setting(c, "auth.mode", "open")
    yield c
    c.db.close()


@pytest.fixture
def team(ctx):
    """Three salespeople (Wang is senior), a manager, a care and a marketing person."""
    ids = SimpleNamespace()
    ids.wang = setup.add_staff(ctx, "王伟", "salesperson", "senior").id
    ids.li = setup.add_staff(ctx, "Li Na", "salesperson").id
    ids.zhao = setup.add_staff(ctx, "赵敏", "salesperson").id
    ids.boss = setup.add_staff(ctx, "Chen Manager", "manager", "senior").id
    ids.care = setup.add_staff(ctx, "Sun Care", "care").id
    ids.market = setup.add_staff(ctx, "Zhou Market", "marketing").id
    return ids
