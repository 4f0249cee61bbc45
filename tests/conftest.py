"""Shared fixtures: a temporary database per test and a fixed clock (never real time).

Service tests marked ``both_databases`` run twice: on an SQLite file and on a schema of
its own on the PostgreSQL server named by ``DESKTERM_TEST_POSTGRESQL`` (a libpq address
of a database the tests may create schemas in; ``.ci/run`` installs and starts one).
Without it the PostgreSQL runs are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from types import SimpleNamespace
from urllib.parse import quote

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


POSTGRESQL = os.environ.get("DESKTERM_TEST_POSTGRESQL", "").strip()


def pytest_configure(config):
    config.addinivalue_line("markers", "both_databases: run on SQLite and on PostgreSQL")
    config.addinivalue_line("markers", "postgresql_only: run on PostgreSQL only")


def pytest_generate_tests(metafunc):
    if "database" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("postgresql_only"):
        metafunc.parametrize("database", ["postgresql"], indirect=True)
    elif metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


def _server_schema(name: str, *, drop: bool) -> None:
    import psycopg

    with psycopg.connect(POSTGRESQL, autocommit=True) as con:
        con.execute(
            f'DROP SCHEMA IF EXISTS "{name}" CASCADE' if drop else f'CREATE SCHEMA "{name}"'
        )


@pytest.fixture
def database(request, tmp_path):
    """Where a test's database lives: a new SQLite file, or a new PostgreSQL schema."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield str(tmp_path / "desk.db")
        return
    if not POSTGRESQL:
        if os.environ.get("CI"):
            pytest.fail(
                "CI runs the service tests on PostgreSQL too: set "
                "DESKTERM_TEST_POSTGRESQL (.ci/run starts a server and sets it)"
            )
        pytest.skip("no PostgreSQL server: set DESKTERM_TEST_POSTGRESQL to run these")
    name = f"t_{uuid.uuid4().hex[:12]}"
    _server_schema(name, drop=False)
    sep = "&" if "?" in POSTGRESQL else "?"
    yield f"{POSTGRESQL}{sep}options={quote(f'-csearch_path={name}')}"
    _server_schema(name, drop=True)


@pytest.fixture
def ctx(database, clock):
    c = open_context(database, clock)
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
